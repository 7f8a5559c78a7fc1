"""`BaseExampleSelector`: picks few-shot examples per call (LangChain's interface)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from pipes._core import run_in_thread

__all__ = ["BaseExampleSelector"]


class BaseExampleSelector(ABC):
    """Chooses the examples of a few-shot prompt from the call's variables.

    Implement `add_example` and `select_examples`; pass the selector as
    `FewShotChatMessagePromptTemplate(example_selector=..., input_variables=[...])`.

    Example:
        ```python
        class Shortest(BaseExampleSelector):
            def __init__(self, examples: list[dict[str, str]]) -> None:
                self.examples = examples

            def add_example(self, example: dict[str, str]) -> None:
                self.examples.append(example)

            def select_examples(self, input_variables: dict[str, str]) -> list[dict[str, str]]:
                return sorted(self.examples, key=lambda e: len(e["input"]))[:1]
        ```
    """

    @abstractmethod
    def add_example(self, example: dict[str, str]) -> Any:
        """Add an example to choose from."""

    async def aadd_example(self, example: dict[str, str]) -> Any:
        """Async `add_example` (the sync one in a worker thread unless overridden)."""
        return await run_in_thread(self.add_example, example)

    @abstractmethod
    def select_examples(self, input_variables: dict[str, str]) -> list[dict[str, Any]]:
        """The examples for a call with these variables."""

    async def aselect_examples(self, input_variables: dict[str, str]) -> list[dict[str, Any]]:
        """Async `select_examples` (the sync one in a worker thread unless overridden)."""
        return await run_in_thread(self.select_examples, input_variables)
