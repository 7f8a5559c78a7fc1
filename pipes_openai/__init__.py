"""pipes_openai: OpenAI chat models (`ChatOpenAI`, `AzureChatOpenAI`) and embeddings
(`OpenAIEmbeddings`, `AzureOpenAIEmbeddings`) for pipes, over httpx.

Example:
    ```python
    from pipes_openai import ChatOpenAI

    llm = ChatOpenAI(model="gpt-4o", temperature=0)
    llm.invoke("Translate 'I love programming.' to French").content
    ```

The test server lives in `pipes_openai.emulator` (imported only when you ask for it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipes import register_model_prices
from pipes_openai import _errors
from pipes_openai._base import BaseChatOpenAI
from pipes_openai._chat import ChatOpenAI
from pipes_openai._errors import *  # noqa: F403  (the errors: `_errors.__all__`)
from pipes_openai._prices import OPENAI_PRICES, OPENAI_PRICES_DATE
from pipes_openai._serialize import register as _register_serializable

if TYPE_CHECKING:
    from pipes_openai._azure import AzureChatOpenAI
    from pipes_openai._embeddings import AzureOpenAIEmbeddings, OpenAIEmbeddings

_register_serializable()  # pipes.dumpd / pipes.load know ChatOpenAI and AzureChatOpenAI

__all__ = [
    "OPENAI_PRICES",
    "OPENAI_PRICES_DATE",
    "AzureChatOpenAI",
    "AzureOpenAIEmbeddings",
    "BaseChatOpenAI",
    "ChatOpenAI",
    "OpenAIEmbeddings",
]
# The errors are listed once, in their own module.
__all__ += _errors.__all__


if not TYPE_CHECKING:  # type checkers read the imports above: an unknown name stays an error

    def __getattr__(name: str) -> Any:
        # AzureChatOpenAI is loaded on first use: building its pydantic model costs ~20% of
        # `import pipes_openai`, and most users never touch Azure.
        if name == "AzureChatOpenAI":
            from pipes_openai._azure import AzureChatOpenAI

            globals()["AzureChatOpenAI"] = AzureChatOpenAI
            return AzureChatOpenAI
        if name in ("OpenAIEmbeddings", "AzureOpenAIEmbeddings"):
            # The embeddings load the Azure model too, and the retrieval layers of pipes.
            from pipes_openai import _embeddings

            value = getattr(_embeddings, name)
            globals()[name] = value
            return value
        raise AttributeError(f"module 'pipes_openai' has no attribute {name!r}")


# `pipes.usage_tracker()` prices OpenAI models by default once this package is in use.
register_model_prices(OPENAI_PRICES)
