"""`XMLOutputParser`: XML replies as nested dicts (LangChain's shape), streamed leaf by leaf.

The XML is read with expat directly (`xml.parsers.expat`), its handlers building the tree.
A model's output is untrusted text, so any document type declaration is refused before
expat reads a single entity declaration: no entity is ever defined, so none can be expanded
(billion laughs, quadratic blowup) or fetched (external entities). Undefined entity
references are parse errors. No dependency beyond the standard library.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

from pipes._core import AddableDict
from pipes._errors import OutputParserException
from pipes._parsers._base import ParserInput, chunk_text
from pipes._parsers._fold import FoldingOutputParser

__all__ = ["XMLOutputParser"]

# LangChain's text, character for character.
_XML_INSTRUCTIONS = """The output should be formatted as a XML file.
1. Output should conform to the tags below.
2. If tags are not given, make them on your own.
3. Remember to always open and close all the tags.

As an example, for the tags ["foo", "bar", "baz"]:
1. String "<foo>\n   <bar>\n      <baz></baz>\n   </bar>\n</foo>" is a well-formatted instance \
of the schema.
2. String "<foo>\n   <bar>\n   </foo>" is a badly-formatted instance.
3. String "<foo>\n   <tag>\n   </tag>\n</foo>" is a badly-formatted instance.

Here are the output tags:
```
{tags}
```"""

_FENCE = re.compile(r"```(xml)?(.*)```", re.DOTALL)
_DECLARATION = re.compile(r"<([^>]*encoding[^>]*)>\n(.*)", re.MULTILINE | re.DOTALL)
# Where a streamed document starts: an element, or a declaration (`<!DOCTYPE` is not skipped
# as prose: the reader must see it to refuse it).
_DOCUMENT_START = re.compile(r"<[a-zA-Z:_!]")


class _Refused(Exception):
    """A document type or entity declaration: refused, never processed."""


def _refuse(what: str) -> Any:
    def handler(*_: Any) -> NoReturn:
        raise _Refused(what)

    return handler


class _Reader:
    """An incremental expat reader building `Element`s; records where each leaf closes.

    `feed` may be called with any split of the text; `leaves` collects, for every element
    without child elements, its path and the element once it is closed.
    """

    def __init__(self) -> None:
        self.builder = TreeBuilder()
        self.path: list[str] = []
        self.has_children = False
        self.leaves: list[tuple[list[str], Element]] = []
        self.root: Element | None = None
        parser = expat.ParserCreate(None, "}")
        # The security boundary: a DOCTYPE (where entities would be declared) stops the
        # parse at its first byte; the other handlers could only fire after one, and refuse
        # as well should expat ever reach them.
        parser.StartDoctypeDeclHandler = _refuse("a document type declaration (<!DOCTYPE>)")
        parser.EntityDeclHandler = _refuse("an entity declaration (<!ENTITY>)")
        parser.UnparsedEntityDeclHandler = _refuse("an unparsed entity declaration")
        parser.ExternalEntityRefHandler = _refuse("an external entity reference")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self.builder.data
        parser.buffer_text = True
        if hasattr(parser, "SetReparseDeferralEnabled"):  # expat >= 2.6 (Python 3.13, 3.12.3)
            # Deferral holds back small fed pieces until more arrive; a stream wants each
            # element as soon as it is complete.
            parser.SetReparseDeferralEnabled(False)
        self.parser = parser

    @staticmethod
    def _tag(name: str) -> str:
        # Namespaced names arrive as "uri}local"; ElementTree spells them "{uri}local".
        return "{" + name if "}" in name else name

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        tag = self._tag(name)
        self.path.append(tag)
        self.has_children = False
        self.builder.start(tag, attributes)

    def _end(self, name: str) -> None:
        element = self.builder.end(self._tag(name))
        self.path.pop()
        if not self.has_children:
            self.leaves.append((list(self.path), element))
        if self.path:
            self.has_children = True
        else:
            self.root = element

    def feed(self, text: str, final: bool = False) -> None:
        """Parse more text (`final`: the document ends here)."""
        self.parser.Parse(text, final)


def _nested(path: list[str], element: Element) -> AddableDict:
    """`{"a": [{"b": [{leaf: text}]}]}` for a leaf under `a/b` (LangChain's stream chunk)."""
    value = AddableDict({element.tag: element.text})
    for tag in reversed(path):
        value = AddableDict({tag: [value]})
    return value


def _to_dict(root: Element) -> dict[str, Any]:
    """LangChain's shape: `{tag: text}` for an element with text, else `{tag: [children]}`."""
    if root.text and re.search(r"\S", root.text):
        return {root.tag: root.text}
    children: list[Any] = []
    for child in root:
        children.append({child.tag: child.text} if len(child) == 0 else _to_dict(child))
    return {root.tag: children}


class _Stream:
    """The streaming state shared by `transform` and `atransform`."""

    def __init__(self, owner: XMLOutputParser) -> None:
        self.owner = owner
        self.reader = _Reader()
        self.buffer = ""
        self.seen = ""  # everything fed, for error messages
        self.started = False
        self.done = False

    def feed(self, chunk: ParserInput) -> list[AddableDict]:
        text = chunk_text(chunk)
        if self.done:
            return []  # text after the root element is ignored, as LangChain does
        self.buffer += text
        self.seen += text
        if not self.started:
            # Prose (or an XML declaration) before the document is skipped.
            match = _DOCUMENT_START.search(self.buffer)
            if match is None:
                return []
            self.buffer = self.buffer[match.start() :]
            self.started = True
        text, self.buffer = self.buffer, ""
        try:
            self.reader.feed(text)
        except _Refused as exc:
            raise self.owner._refused(exc, self.seen) from exc
        except expat.ExpatError as exc:
            if self.reader.root is None:
                raise self.owner._fail(f"malformed XML ({exc})", self.seen) from exc
            # Junk after the root element: the document is complete.
        return self._completed()

    def close(self) -> list[AddableDict]:
        """End the stream: whatever expat still holds is parsed (and refused if need be)."""
        if not self.started or self.done:
            return []
        try:
            self.reader.feed("", final=True)
        except _Refused as exc:
            raise self.owner._refused(exc, self.seen) from exc
        except expat.ExpatError:
            pass  # an unfinished document: its complete leaves were yielded (as LangChain)
        return self._completed()

    def _completed(self) -> list[AddableDict]:
        leaves, self.reader.leaves = self.reader.leaves, []
        if self.reader.root is not None:
            self.done = True
        return [_nested(path, element) for path, element in leaves]


class XMLOutputParser(FoldingOutputParser[dict[str, Any]]):
    """Parse an XML reply into nested dicts: `{tag: text}` for a leaf, `{tag: [children]}`
    otherwise (LangChain's shape); a ```` ```xml ```` fence and an XML declaration are
    tolerated.

    Streaming yields one dict per closed leaf element, nested along its path (adding them
    up gives the document). Any `<!DOCTYPE>` or entity declaration is refused with an
    [`OutputParserException`][pipes.OutputParserException]: entities are never expanded
    or fetched. `tags` only shapes `get_format_instructions`.

    Example:
        ```python
        parser = XMLOutputParser(tags=["movies", "actor", "film", "name", "genre"])
        parser.invoke("<movies><actor><name>Tom Hanks</name></actor></movies>")
        # {'movies': [{'actor': [{'name': 'Tom Hanks'}]}]}
        ```
    """

    def __init__(self, tags: list[str] | None = None) -> None:
        self.tags = tags

    def get_format_instructions(self) -> str:
        return _XML_INSTRUCTIONS.format(tags=self.tags)

    def get_output_schema(self) -> dict[str, Any]:
        return {"type": "object"}

    def _refused(self, exc: _Refused, text: str) -> OutputParserException:
        return self._fail(
            f"it contains {exc}, which is refused: entities could expand without bound or "
            "read external resources",
            text,
            "Ask the model for plain XML elements only.",
        )

    def parse(self, text: str) -> dict[str, Any]:
        fenced = _FENCE.search(text)
        if fenced is not None:
            text = fenced.group(2)
        declared = _DECLARATION.search(text)
        if declared:
            text = declared.group(2)
        text = text.strip()
        reader = _Reader()
        try:
            reader.feed(text, final=True)
        except _Refused as exc:
            raise self._refused(exc, text) from exc
        except expat.ExpatError as exc:
            raise self._fail(
                f"malformed XML ({exc})",
                text,
                "Ask the model for one well-formed XML element (see get_format_instructions()).",
            ) from exc
        assert reader.root is not None  # a complete parse has a root element
        return _to_dict(reader.root)

    def _fold(self) -> _Stream:
        return _Stream(self)
