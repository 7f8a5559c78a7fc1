"""Test helpers for pipes users and provider authors.

* [`FakeChatModel`][pipes.testing.FakeChatModel] — scripted replies (text, tool calls, structured
  data, errors, exact stream chunks), streaming token by token, usage, recorded `.calls`.
* [`FunctionChatModel`][pipes.testing.FunctionChatModel] — the reply is computed by your function.
* [`FakeListChatModel`][pipes.testing.FakeListChatModel],
  [`FakeMessagesListChatModel`][pipes.testing.FakeMessagesListChatModel],
  [`GenericFakeChatModel`][pipes.testing.GenericFakeChatModel] — LangChain's fakes, same names and
  behaviour.
* [`DeterministicFakeEmbedding`][pipes.testing.DeterministicFakeEmbedding] — deterministic
  embeddings where related texts are close (for vector stores and retrievers in tests).
* [`ChatModelConformanceTests`][pipes.testing.ChatModelConformanceTests] — a pytest base class a
  provider's test suite subclasses (imports pytest only when used).

Example:
    ```python
    from pipes.testing import FakeChatModel

    model = FakeChatModel(responses=["Bonjour"])
    assert (prompt | model | StrOutputParser()).invoke({"text": "Hello"}) == "Bonjour"
    ```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipes._load import register_serializable

from ._calls import CallInfo, ChatModelCall, Chunking, ScriptedResponse, ScriptExhaustedError
from ._embeddings import DeterministicFakeEmbedding, FakeEmbeddings, hashed_embedding
from ._fake import FakeChatModel
from ._function_fake import FunctionChatModel
from ._langchain_fakes import FakeListChatModel, FakeMessagesListChatModel, GenericFakeChatModel

if TYPE_CHECKING:
    from ._conformance import ChatModelConformanceTests, ScriptedReply

# The scriptable fakes serialize (pipes.dumpd / pipes.load) like any plugin's chat model.
for _fake in (FakeChatModel, FakeListChatModel, FakeMessagesListChatModel):
    register_serializable(_fake, ["pipes", "testing", _fake.__name__])

__all__ = [
    "CallInfo",
    "ChatModelCall",
    "ChatModelConformanceTests",
    "Chunking",
    "DeterministicFakeEmbedding",
    "FakeChatModel",
    "FakeEmbeddings",
    "FakeListChatModel",
    "FakeMessagesListChatModel",
    "FunctionChatModel",
    "GenericFakeChatModel",
    "ScriptExhaustedError",
    "ScriptedReply",
    "ScriptedResponse",
    "hashed_embedding",
]

_LAZY = frozenset({"ChatModelConformanceTests", "ScriptedReply"})


if not TYPE_CHECKING:  # type checkers read the imports above: an unknown name stays an error

    def __getattr__(name: str) -> Any:
        # The conformance kit needs pytest; load it only when someone asks for it.
        if name in _LAZY:
            from . import _conformance

            return getattr(_conformance, name)
        raise AttributeError(f"module 'pipes.testing' has no attribute {name!r}")
