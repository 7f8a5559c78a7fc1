"""`JsonOutputParser` and `PydanticOutputParser`: JSON replies, streamed as partial values."""

from __future__ import annotations

import json
from typing import Any, Generic, TypeVar

import pydantic
from pydantic import BaseModel

from pipes._errors import OutputParserException
from pipes._parsers._base import ParserInput, chunk_text, short
from pipes._parsers._fold import SKIP as _SKIP
from pipes._parsers._fold import ChangeFold, FoldingOutputParser
from pipes._parsers._json_text import PartialJsonStream, parse_json_markdown
from pipes._schema._errors import format_validation_error
from pipes._schema._rewrite import drop_null_defaults

__all__ = ["JsonOutputParser", "PydanticOutputParser", "SimpleJsonOutputParser"]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# LangChain's texts, character for character (prompts written for LangChain keep working
# the same); the doubled braces are str.format escapes.
_PYDANTIC_INSTRUCTIONS = """The output should be formatted as a JSON instance that conforms to \
the JSON schema below.

As an example, for the schema {{"properties": {{"foo": {{"title": "Foo", "description": "a list \
of strings", "type": "array", "items": {{"type": "string"}}}}}}, "required": ["foo"]}}
the object {{"foo": ["bar", "baz"]}} is a well-formatted instance of the schema. The object \
{{"properties": {{"foo": ["bar", "baz"]}}}} is not well-formatted.

Here is the output schema:
```
{schema}
```"""

_JSON_INSTRUCTIONS = """STRICT OUTPUT FORMAT:
- Return only the JSON value that conforms to the schema. Do not include any additional text, \
explanations, headings, or separators.
- Do not wrap the JSON in Markdown or code fences (no ``` or ```json).
- Do not prepend or append any text (e.g., do not write "Here is the JSON:").
- The response must be a single top-level JSON value exactly as required by the schema \
(object/array/etc.), with no trailing commas or comments.

The output should be formatted as a JSON instance that conforms to the JSON schema below.

As an example, for the schema {{"properties": {{"foo": {{"title": "Foo", "description": "a list \
of strings", "type": "array", "items": {{"type": "string"}}}}}}, "required": ["foo"]}} the object \
{{"foo": ["bar", "baz"]}} is a well-formatted instance of the schema. The object \
{{"properties": {{"foo": ["bar", "baz"]}}}} is not well-formatted.

Here is the output schema (shown in a code block for readability only — do not include any \
backticks or Markdown in your output):
```
{schema}
```"""


def _schema_text(model: type[BaseModel]) -> str:
    """The model's JSON schema as LangChain shows it: pydantic's own, without the top-level
    `title` and `type` (titles, `$defs` and `$ref`s inside are kept)."""
    schema = dict(model.model_json_schema())
    schema.pop("title", None)
    schema.pop("type", None)
    return json.dumps(schema, ensure_ascii=False)


class _JsonStreamingParser(FoldingOutputParser[T]):
    """Shared streaming machinery of the JSON parsers (partial values as text arrives)."""

    def _parse_text(self, text: str) -> Any:
        try:
            return parse_json_markdown(text)
        except ValueError as exc:
            raise self._fail(
                "expected a JSON value (optionally in a ```json fence)",
                text,
                "Ask the model for JSON only, or use structured output.",
            ) from exc

    # Subclasses turn each partial value into their output (or skip it with _SKIP).
    def _partial_output(self, value: Any) -> Any:
        return value

    def _final_output(self, value: Any, text: str) -> Any:
        return value

    def _finish(self, stream: PartialJsonStream) -> Any:
        try:
            _, value = stream.finish()
        except ValueError as exc:
            raise self._fail(
                "expected a JSON value (optionally in a ```json fence)", stream.text
            ) from exc
        return self._final_output(value, stream.text)

    def _fold(self) -> ChangeFold[T]:
        stream = PartialJsonStream()

        def value(chunk: ParserInput) -> Any:
            changed, value = stream.feed(chunk_text(chunk))
            return self._partial_output(value) if changed else _SKIP

        return ChangeFold(value, lambda: self._finish(stream))


class JsonOutputParser(_JsonStreamingParser[Any]):
    """Parse a JSON reply (fenced in `` ```json `` or not, prose around it tolerated).

    Streaming yields ever more complete partial values — each one only when it changed —
    so `prompt | model | JsonOutputParser()` shows the object as it is being written.
    `pydantic_object` only shapes `get_format_instructions` (the output stays plain
    JSON); use [`PydanticOutputParser`][pipes.PydanticOutputParser] for validated instances.

    Example:
        ```python
        chain = prompt | model | JsonOutputParser()
        for partial in chain.stream({"query": "a joke"}):
            print(partial)   # {} / {'setup': 'Why'} / {'setup': 'Why did'} ...
        ```
    """

    def __init__(self, pydantic_object: type[BaseModel] | None = None) -> None:
        self.pydantic_object = pydantic_object

    def parse(self, text: str) -> Any:
        return self._parse_text(text)

    def get_output_schema(self) -> dict[str, Any]:
        return {} if self.pydantic_object is None else self.pydantic_object.model_json_schema()

    def get_format_instructions(self) -> str:
        if self.pydantic_object is None:
            return "Return a JSON object."
        return _JSON_INSTRUCTIONS.format(schema=_schema_text(self.pydantic_object))


SimpleJsonOutputParser = JsonOutputParser
"""LangChain's older name for [`JsonOutputParser`][pipes.JsonOutputParser]."""


class PydanticOutputParser(_JsonStreamingParser[M], Generic[M]):
    """Parse a JSON reply into a validated `pydantic_object` instance (typed as `M`).

    Streaming yields a new instance whenever the partial JSON validates and differs from the
    previous one. `get_format_instructions()` describes the schema for the prompt.

    Example:
        ```python
        parser = PydanticOutputParser(pydantic_object=Joke)
        prompt = PromptTemplate.from_template(
            "Tell a joke.\\n{format_instructions}",
            partial_variables={"format_instructions": parser.get_format_instructions()},
        )
        joke: Joke = (prompt | model | parser).invoke({})
        ```
    """

    def __init__(self, pydantic_object: type[M]) -> None:
        if not (isinstance(pydantic_object, type) and issubclass(pydantic_object, BaseModel)):
            raise TypeError(
                f"PydanticOutputParser(pydantic_object=...) needs a pydantic model class, got "
                f"{pydantic_object!r}"
            )
        self.pydantic_object: type[M] = pydantic_object
        self._schema: dict[str, Any] | None = None

    def get_format_instructions(self) -> str:
        return _PYDANTIC_INSTRUCTIONS.format(schema=_schema_text(self.pydantic_object))

    def get_output_schema(self) -> dict[str, Any]:
        return self.pydantic_object.model_json_schema()

    def _validate(self, value: Any) -> M:
        if self._schema is None:
            self._schema = self.pydantic_object.model_json_schema()
        return self.pydantic_object.model_validate(drop_null_defaults(self._schema, value))

    def _final_output(self, value: Any, text: str) -> M:
        try:
            return self._validate(value)
        except pydantic.ValidationError as exc:
            raise OutputParserException(
                f"PydanticOutputParser: the model output does not match "
                f"{self.pydantic_object.__name__}:\n{format_validation_error(exc)}\n"
                f"Output was: {short(text)}",
                llm_output=text,
            ) from exc

    def _partial_output(self, value: Any) -> Any:
        try:
            return self._validate(value)
        except pydantic.ValidationError:
            return _SKIP

    def parse(self, text: str) -> M:
        return self._final_output(self._parse_text(text), text)

    @property
    def OutputType(self) -> type[M]:
        """The model class this parser produces."""
        return self.pydantic_object
