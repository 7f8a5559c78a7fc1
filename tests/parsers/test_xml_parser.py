"""`XMLOutputParser`: LangChain's output shape and stream chunks (checked against
langchain-core 1.8.3), its how-to program, and refusal of DTDs and entities."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from pipes import AIMessage, OutputParserException, PromptTemplate, XMLOutputParser
from pipes.testing import FakeChatModel

from .helpers import pieces

FILMOGRAPHY = (
    "<movies><actor><name>Tom Hanks</name>"
    "<film><name>Forrest Gump</name><genre>Drama</genre></film>"
    "<film><name>Cast Away</name><genre>Adventure</genre></film></actor></movies>"
)
PARSED = {
    "movies": [
        {
            "actor": [
                {"name": "Tom Hanks"},
                {"film": [{"name": "Forrest Gump"}, {"genre": "Drama"}]},
                {"film": [{"name": "Cast Away"}, {"genre": "Adventure"}]},
            ]
        }
    ]
}
STREAMED = [
    {"movies": [{"actor": [{"name": "Tom Hanks"}]}]},
    {"movies": [{"actor": [{"film": [{"name": "Forrest Gump"}]}]}]},
    {"movies": [{"actor": [{"film": [{"genre": "Drama"}]}]}]},
    {"movies": [{"actor": [{"film": [{"name": "Cast Away"}]}]}]},
    {"movies": [{"actor": [{"film": [{"genre": "Adventure"}]}]}]},
]


def test_howto_parse_with_format_instructions() -> None:
    # LangChain how-to "How to parse XML output", imports changed, a fake model.
    model = FakeChatModel(responses=["```xml\n" + FILMOGRAPHY + "\n```"])
    actor_query = "Generate the shortened filmography for Tom Hanks."
    parser = XMLOutputParser(tags=["movies", "actor", "film", "name", "genre"])
    prompt = PromptTemplate(
        template="""{query}\n{format_instructions}""",
        input_variables=["query"],
        partial_variables={"format_instructions": parser.get_format_instructions()},
    )
    chain = prompt | model | parser
    assert chain.invoke({"query": actor_query}) == PARSED
    sent = model.calls[0].messages[0].text
    assert sent.startswith(actor_query + "\nThe output should be formatted as a XML file.")
    assert sent.endswith(
        "Here are the output tags:\n```\n['movies', 'actor', 'film', 'name', 'genre']\n```"
    )


def test_howto_stream_yields_each_leaf_as_langchain_does() -> None:
    model = FakeChatModel(responses=[pieces(FILMOGRAPHY, 5)])
    chain = model | XMLOutputParser(tags=["movies", "actor", "film", "name", "genre"])
    assert list(chain.stream("q")) == STREAMED


async def test_astream_matches_stream() -> None:
    model = FakeChatModel(responses=[pieces(FILMOGRAPHY, 3)])
    chain = model | XMLOutputParser()
    assert [chunk async for chunk in chain.astream("q")] == STREAMED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<a>text<b>x</b></a>", {"a": "text"}),
        (
            "<a>\n  <b>1</b>\n  <c/>\n  <d><e>2</e></d>\n</a>",
            {"a": [{"b": "1"}, {"c": None}, {"d": [{"e": "2"}]}]},
        ),
        ("<a xmlns='urn:x'><b>1</b></a>", {"{urn:x}a": [{"{urn:x}b": "1"}]}),
        ("<a><b>&amp; &lt;ok&gt;</b></a>", {"a": [{"b": "& <ok>"}]}),
        ('<?xml version="1.0" encoding="UTF-8"?>\n<r>t</r>', {"r": "t"}),
    ],
)
def test_same_shape_as_langchain(text: str, expected: dict[str, object]) -> None:
    assert XMLOutputParser().parse(text) == expected
    assert XMLOutputParser().invoke(AIMessage(text)) == expected


def test_stream_skips_prose_and_ignores_what_follows_the_root() -> None:
    parser = XMLOutputParser()
    out = list(parser.transform(iter(["prose <a><b>1</b>", "<c>2</c></a> trailing <x>"])))
    assert out == [{"a": [{"b": "1"}]}, {"a": [{"c": "2"}]}]
    # An unfinished document yields what was complete, as LangChain's does.
    assert list(parser.transform(iter(["<a><b>1</b><c>unfinished"]))) == [{"a": [{"b": "1"}]}]


@pytest.mark.parametrize("text", ["<a><b></a>", "not xml", "<a>&undefined;</a>", ""])
def test_malformed_xml_is_an_output_parser_exception(text: str) -> None:
    with pytest.raises(OutputParserException, match="malformed XML") as caught:
        XMLOutputParser().parse(text)
    assert caught.value.__cause__ is not None


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz><a>&lol9;</a></lolz>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<foo><a>&xxe;</a></foo>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE foo SYSTEM "http://127.0.0.1:9/evil.dtd">
<foo><a>x</a></foo>"""

# Run in a child process capped in time and memory: should expansion ever happen, the test
# fails cleanly instead of exhausting the runner.
_CHILD = textwrap.dedent(
    """
    import asyncio, json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
    from pipes import OutputParserException, XMLOutputParser
    from pipes.testing import FakeChatModel

    parser = XMLOutputParser()


    def check(document):
        outcomes = []
        try:
            parser.parse(document)
            outcomes.append("parsed")
        except OutputParserException as exc:
            outcomes.append("refused" if "DOCTYPE" in str(exc) else "other: " + str(exc))
        for size in (1, 7, 4096):
            chunks = [document[i : i + size] for i in range(0, len(document), size)]
            try:
                list(parser.transform(iter(chunks)))
                outcomes.append("streamed")
            except OutputParserException as exc:
                outcomes.append("refused" if "DOCTYPE" in str(exc) else "other: " + str(exc))

        async def astream():
            chain = FakeChatModel(responses=[[document[:40], document[40:]]]) | parser
            try:
                async for _ in chain.astream("q"):
                    pass
                return "streamed"
            except OutputParserException as exc:
                return "refused" if "DOCTYPE" in str(exc) else "other: " + str(exc)

        outcomes.append(asyncio.run(astream()))
        return ",".join(outcomes)


    print(json.dumps([check(document) for document in json.load(sys.stdin)]))
    """
)


def test_doctype_and_entities_are_refused_everywhere() -> None:
    documents = [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD]
    result = subprocess.run(
        [sys.executable, "-c", _CHILD],
        input=json.dumps(documents),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # parse, three chunkings of transform, and a chain's astream: each refuses each document
    assert json.loads(result.stdout) == [",".join(["refused"] * 5)] * len(documents)


def test_refusal_names_the_declaration_and_keeps_the_text() -> None:
    with pytest.raises(OutputParserException, match=r"document type declaration") as caught:
        XMLOutputParser().parse(EXTERNAL_ENTITY)
    assert caught.value.llm_output is not None
    assert "xxe" in caught.value.llm_output
