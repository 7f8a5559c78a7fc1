"""The chat-model conformance kit: a pytest base class a provider's test suite subclasses.

Subclass [`ChatModelConformanceTests`][pipes.testing.ChatModelConformanceTests], provide the
`chat_model` fixture, declare what the provider supports, and (when you have a test server) say how
to script a reply or an error; every behaviour pipes promises to users is then checked for your
provider:

```python
import pytest
from pipes.testing import ChatModelConformanceTests, ScriptedReply

class TestChatAcme(ChatModelConformanceTests):
    supports_structured_output = True
    structured_output_methods = ("function_calling", "json_schema")
    provider_error_type = AcmeError

    @pytest.fixture
    def chat_model(self, acme_server):
        self.server = acme_server
        return ChatAcme(base_url=acme_server.url, api_key="test")

    def script_replies(self, chat_model, replies):
        for reply in replies:
            self.server.enqueue(text=reply.text, tool_calls=reply.tool_calls, usage=reply.usage)
        return True

    def script_error(self, chat_model):
        self.server.fail(500)
        return True
```

Without scripting (e.g. against a live API) the tests check shapes instead of exact values,
and the error tests are skipped. Async tests run their own event loop (`asyncio.run`), so
the kit needs no pytest plugin. This module imports pytest; `pipes.testing` loads it only
when `ChatModelConformanceTests` is used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import pytest

from pipes._errors import ChatModelError
from pipes._models import BaseChatModel
from pipes._models._base import StructuredMethod

from ._conformance_async import _AsyncTests
from ._conformance_structured import _StructuredOutputTests
from ._conformance_support import ScriptedReply
from ._conformance_sync import _SyncTests

__all__ = ["ChatModelConformanceTests", "ScriptedReply"]


class ChatModelConformanceTests(_SyncTests, _AsyncTests, _StructuredOutputTests):
    """Tests every pipes chat-model provider must pass; subclass it in your test suite.

    Override the `chat_model` fixture and the capability flags; override
    `script_replies` / `script_error` when a test server lets you decide the
    next reply (then exact values are checked and the error tests run).
    """

    # -- what the provider declares --------------------------------------------------------
    supports_tool_calling: ClassVar[bool] = True
    """`bind_tools` works and the model returns `tool_calls`."""
    supports_tool_choice: ClassVar[bool] = True
    """`tool_choice=<tool name>` forces that tool."""
    supports_structured_output: ClassVar[bool] = True
    """`with_structured_output` works for the methods in `structured_output_methods`."""
    structured_output_methods: ClassVar[tuple[StructuredMethod, ...]] = ("function_calling",)
    """The `method=` values of `with_structured_output` to check."""
    supports_usage: ClassVar[bool] = True
    """Replies (invoked and streamed) carry `usage_metadata`."""
    supports_native_streaming: ClassVar[bool] = True
    """`stream()` yields several chunks for a multi-word reply (a native `_stream`)."""
    supports_native_async: ClassVar[bool] = True
    """The provider implements `_agenerate` or `_astream` (async never uses a thread)."""
    supports_image_input: ClassVar[bool] = False
    """A human message may carry an image part (base64 PNG)."""
    provider_error_type: ClassVar[type[BaseException]] = ChatModelError
    """What a scripted server error must raise (a subclass of `ChatModelError`)."""
    error_keeps_cause: ClassVar[bool] = False
    """The raised error keeps the underlying exception as `__cause__`."""

    # -- what the subclass provides --------------------------------------------------------

    @pytest.fixture
    def chat_model(self) -> BaseChatModel:
        """The model under test (override; it may depend on your own fixtures)."""
        raise NotImplementedError(
            f"{type(self).__name__} must override the `chat_model` fixture to return the "
            "chat model under test"
        )

    def script_replies(self, chat_model: BaseChatModel, replies: Sequence[ScriptedReply]) -> bool:
        """Make the next calls of `chat_model` return `replies` in order.

        Return `True` when scripted; the default returns `False` (no test server), and
        the tests then check shapes rather than exact values.
        """
        return False

    def script_error(self, chat_model: BaseChatModel) -> bool:
        """Make the next call of `chat_model` fail on the provider side (e.g. HTTP 500).

        Return `True` when arranged; the default returns `False` and the error tests skip.
        """
        return False
