"""The conformance kit's structured-output test group: `with_structured_output` for each
declared method, with pydantic and dict schemas, `include_raw`, streaming and async."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pipes._core import Runnable
from pipes._messages import AIMessage
from pipes._models import BaseChatModel
from pipes._models._base import StructuredMethod

from ._conformance_support import (
    _PERSON_PROMPT,
    PERSON_SCHEMA,
    Person,
    ScriptedReply,
    _KitBase,
    _run,
)

__all__: list[str] = []


class _StructuredOutputTests(_KitBase):
    """Conformance tests of `with_structured_output`."""

    # -- structured output -----------------------------------------------------------------

    def _person_reply(self, method: StructuredMethod) -> ScriptedReply:
        if method == "function_calling":
            return ScriptedReply(
                tool_calls=[{"name": "Person", "args": {"name": "Ada", "age": 36}, "id": "call_p"}]
            )
        return ScriptedReply('{"name": "Ada", "age": 36}')

    def _methods(self) -> tuple[StructuredMethod, ...]:
        self._require(self.supports_structured_output, "structured output")
        return self.structured_output_methods

    def _per_method(
        self, chat_model: BaseChatModel, schema: Any, *, include_raw: bool = False
    ) -> Iterator[tuple[StructuredMethod, bool, Runnable[Any, Any]]]:
        """For each declared method: the method, whether Ada's reply is scripted for it, and
        `with_structured_output(schema, ...)` for it."""
        structured = chat_model.with_structured_output
        for method in self._methods():
            scripted = self._script(chat_model, self._person_reply(method))
            runnable: Runnable[Any, Any] = (
                structured(schema, method=method, include_raw=True)
                if include_raw
                else structured(schema, method=method)
            )
            yield method, scripted, runnable

    def test_structured_output_pydantic(self, chat_model: BaseChatModel) -> None:
        for method, scripted, runnable in self._per_method(chat_model, Person):
            person = runnable.invoke(_PERSON_PROMPT)
            assert isinstance(person, Person), f"method={method!r} gave {person!r}"
            if scripted:
                assert person == Person(name="Ada", age=36), f"method={method!r}"

    def test_structured_output_dict_schema(self, chat_model: BaseChatModel) -> None:
        for method, scripted, runnable in self._per_method(chat_model, PERSON_SCHEMA):
            result = runnable.invoke(_PERSON_PROMPT)
            assert isinstance(result, dict), f"method={method!r} gave {result!r}"
            assert set(result) == {"name", "age"}
            if scripted:
                assert result == {"name": "Ada", "age": 36}

    def test_structured_output_include_raw(self, chat_model: BaseChatModel) -> None:
        for method, scripted, runnable in self._per_method(chat_model, Person, include_raw=True):
            out = runnable.invoke(_PERSON_PROMPT)
            assert set(out) == {"raw", "parsed", "parsing_error"}
            assert isinstance(out["raw"], AIMessage)
            assert out["parsing_error"] is None, f"method={method!r}: {out['parsing_error']!r}"
            assert isinstance(out["parsed"], Person)
            if scripted:
                assert out["parsed"] == Person(name="Ada", age=36)

    def test_structured_output_include_raw_keeps_parsing_errors(
        self, chat_model: BaseChatModel
    ) -> None:
        methods = self._methods()
        for method in methods:
            if not self._script(chat_model, ScriptedReply("this is not what was asked for")):
                pytest.skip("needs scripted replies")
            out = chat_model.with_structured_output(
                Person,
                method=method,
                include_raw=True,
            ).invoke(_PERSON_PROMPT)
            assert out["parsed"] is None
            assert isinstance(out["parsing_error"], Exception)
            assert out["raw"].text == "this is not what was asked for"

    def test_structured_output_stream(self, chat_model: BaseChatModel) -> None:
        for method, scripted, runnable in self._per_method(chat_model, Person):
            parts = list(runnable.stream(_PERSON_PROMPT))
            assert parts, f"method={method!r}: the stream yielded nothing"
            assert all(isinstance(p, Person) for p in parts)
            if scripted:
                assert parts[-1] == Person(name="Ada", age=36)

    def test_structured_output_async(self, chat_model: BaseChatModel) -> None:
        for _, scripted, runnable in self._per_method(chat_model, Person):
            person = _run(runnable.ainvoke(_PERSON_PROMPT))
            assert isinstance(person, Person)
            if scripted:
                assert person == Person(name="Ada", age=36)
