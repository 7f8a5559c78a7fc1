"""Structured extraction: pull typed records out of free text with a pydantic schema.

    python cookbook/structured_extraction.py

``llm.with_structured_output(Schema)`` returns validated ``Schema`` instances (typed for your
type checker); ``include_raw=True`` keeps the raw message and never raises on bad output.
"""

from __future__ import annotations

from _backend import Emulator, Reply, run, say, section
from pydantic import BaseModel, Field

from pipes import ChatPromptTemplate
from pipes_openai import ChatOpenAI

TEXT = (
    "Ada Lovelace (36) wrote the first published algorithm. Alan Turing, 41, asked whether "
    "machines can think. Grace Hopper was 85 when she retired from the Navy."
)


class Person(BaseModel):
    """A person mentioned in the text."""

    name: str = Field(description="The person's full name")
    age: int | None = Field(description="Age in years, if the text says it")


class People(BaseModel):
    """Everyone mentioned in the text."""

    people: list[Person]


def main(emulator: Emulator | None) -> None:
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Extract every person mentioned in the text, with their age."),
            ("human", "{text}"),
        ]
    )
    extractor = prompt | ChatOpenAI(model="gpt-4o-mini", temperature=0).with_structured_output(
        People
    )

    section("Extract with a pydantic schema")
    # The emulator would synthesize *some* valid People; script what a model would answer.
    say(
        emulator,
        Reply(
            '{"people": [{"name": "Ada Lovelace", "age": 36}, {"name": "Alan Turing", "age": 41},'
            ' {"name": "Grace Hopper", "age": 85}]}'
        ),
    )
    result = extractor.invoke({"text": TEXT})
    for person in result.people:
        print(f"- {person.name}: {person.age}")
    assert isinstance(result, People)
    assert result.people, "nothing extracted"

    section("include_raw=True: the raw message, and no exception on bad output")
    say(emulator, Reply('{"people": [{"name": "Nobody"}]}'))  # "age" missing: invalid
    careful = prompt | ChatOpenAI(model="gpt-4o-mini").with_structured_output(
        People, include_raw=True
    )
    outcome = careful.invoke({"text": "Somebody was here."})
    print("parsed:", outcome["parsed"])
    error = outcome["parsing_error"]
    print("parsing_error:", type(error).__name__ if error is not None else None)
    print("raw content:", outcome["raw"].content)
    if emulator is not None:
        assert outcome["parsed"] is None
        assert error is not None

    section("Schema synthesized by the emulator (no script)" if emulator else "Another text")
    other = extractor.invoke({"text": "Linus Torvalds was 21 when he released Linux."})
    print(repr(other))
    assert isinstance(other, People)


if __name__ == "__main__":
    run(main)
