"""`BaseMessage` and `BaseMessageChunk`: the fields, repr, fast paths and chunk folding."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipes._errors import MessageMergeError

from ._blocks import content_blocks
from ._content import MessageContent, content_text, validate_content
from ._merge import merge_content, merge_dicts, merged_id

__all__ = [
    "MESSAGE_TYPES",
    "BaseMessage",
    "BaseMessageChunk",
    "merge_message_chunks",
    "message_chunk_to_message",
]

_UNSET: Any = object()


class TextAccessor(str):
    """The `str` returned by `message.text`; also callable, as `text()` used to be."""

    __slots__ = ()

    def __call__(self) -> str:
        return str(self)


class _FastSpec:
    """How to fill a message's `__dict__` without validation, computed once per class."""

    __slots__ = ("after", "factories", "names", "required", "template", "trusted", "values")

    def __init__(self, cls: type[BaseModel]) -> None:
        fields = cls.model_fields
        self.names = tuple(fields)
        self.required = frozenset(n for n, f in fields.items() if f.is_required())
        # Immutable defaults are copied from a template; mutable ones come from factories.
        self.template = {
            n: (None if f.default_factory is not None else f.default) for n, f in fields.items()
        }
        self.factories: tuple[tuple[str, Callable[[], Any]], ...] = tuple(
            (n, f.default_factory)  # type: ignore[misc]
            for n, f in fields.items()
            if f.default_factory is not None
        )
        # Only pipes' own classes skip validation in __init__: a user's subclass may add
        # validators that must run.
        self.trusted = cls.__module__.startswith("pipes._messages.")
        # The class's mode="after" model validators (pipes' own take just ``self``); the
        # __init__ fast path runs them like validation would.
        self.after: tuple[Callable[[Any], Any], ...] = tuple(
            dec.func
            for dec in cls.__pydantic_decorators__.model_validators.values()
            if dec.info.mode == "after"
        )

        self.values: Callable[[dict[str, Any]], dict[str, Any]] = _values_builder(
            self.template, dict(self.factories)
        )


def _values_builder(
    template: dict[str, Any], factories: dict[str, Callable[[], Any]]
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function returning the defaults updated with `fields`, as one dict display.

    Generated once per class (as dataclasses does) because it runs for every streamed
    chunk: empty `{}`/`[]` displays instead of calling `dict`/`list` factories, and
    no loop, save ~0.5 µs per message.
    """
    namespace: dict[str, Any] = {}
    entries = []
    for index, name in enumerate(template):
        factory = factories.get(name)
        if factory is dict:
            expression = "{}"
        elif factory is list:
            expression = "[]"
        elif factory is not None:
            namespace[f"_f{index}"] = factory
            expression = f"_f{index}()"
        else:
            namespace[f"_d{index}"] = template[name]
            expression = f"_d{index}"
        entries.append(f"{name!r}: {expression}")
    source = (
        "def values(fields):\n"
        f"    values = {{{', '.join(entries)}}}\n"
        "    values.update(fields)\n"
        "    return values\n"
    )
    exec(source, namespace)  # names are the class's own field names, never user data
    return namespace["values"]  # type: ignore[no-any-return]


_SPECS: dict[type[BaseModel], _FastSpec] = {}


def _fast_spec(cls: type[BaseModel]) -> _FastSpec:
    """The class's `_FastSpec` (computed on first use, per exact class)."""
    spec = _SPECS.get(cls)
    if spec is None:
        spec = _SPECS[cls] = _FastSpec(cls)
    return spec


SLOW: Any = object()
"""Returned by a fast-field check: this value needs real validation."""


def plain_str(value: Any) -> Any:
    """Fast-field check: an exact `str` passes validation unchanged."""
    return value if type(value) is str else SLOW


def optional_str(value: Any) -> Any:
    """Fast-field check: `None` or an exact `str`."""
    return value if value is None or type(value) is str else SLOW


def str_key_dict(value: Any) -> Any:
    """Fast-field check: a dict with `str` keys; copied, as validation copies it."""
    if type(value) is not dict:
        return SLOW
    for key in value:
        if type(key) is not str:
            return SLOW
    return value.copy()


def checked_in_place(data: dict[str, Any], checks: dict[str, Callable[[Any], Any]]) -> bool:
    """Whether validation could only copy `data`; if so its values are replaced in place
    by what validation would have produced and __init__ skips validation."""
    for key, value in data.items():
        check = checks.get(key)
        if check is None:
            return False
        checked = check(value)
        if checked is SLOW:
            return False
        if checked is not value:
            data[key] = checked  # same keys: safe while iterating
    return True


_set_dict = object.__setattr__

MESSAGE_TYPES: dict[str, type[BaseMessage]] = {}
"""pipes' own message classes (chunks included) by their `type`, each entered where it is
defined; loading a dumped message looks its class up here and nowhere else."""


class BaseMessage(BaseModel):
    """A chat message: `content` (text or a list of parts) plus metadata.

    Use the concrete classes: `HumanMessage("hi")`, `AIMessage(content="hello")` ...
    Messages compare by value, dump with `model_dump()` and copy with
    `model_copy(update=...)`.
    """

    # Schemas build on first use, not at import: most of `import pipes` was pydantic building
    # the message classes' validators.
    model_config = ConfigDict(extra="forbid", defer_build=True)

    # Fields __init__ may fill without validation when their check accepts the value (each
    # check returns what validation would produce, or SLOW). Values failing a check, and
    # any other field, go through pydantic.
    # The fields the class's after-validators read; when __init__ gets none of them the
    # validators would change nothing and the fast path skips them. None: always run them.
    _after_inputs: ClassVar[frozenset[str] | None] = None
    _fast_fields: ClassVar[dict[str, Callable[[Any], Any]]] = {
        "content": plain_str,
        "id": optional_str,
        "name": optional_str,
        "additional_kwargs": str_key_dict,
        "response_metadata": str_key_dict,
    }

    content: MessageContent = ""
    """A string, or a list of strings and content parts (see `text_part`, `image_part`)."""
    additional_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Provider-specific payload that has no standard field (e.g. `refusal`)."""
    response_metadata: dict[str, Any] = Field(default_factory=dict)
    """What the provider said about the response (model name, finish reason ...)."""
    type: str
    """The message kind: `"human"`, `"ai"`, `"system"`, `"tool"`, `"chat"` ..."""
    name: str | None = None
    """An optional name for the author of the message."""
    id: str | None = None
    """An optional unique id (usually the provider's)."""

    if not TYPE_CHECKING:
        # Positional content like LangChain: HumanMessage("hi"). The typed signatures live
        # on each concrete class under TYPE_CHECKING; this one stays cheap at runtime.
        def __init__(self, content: Any = _UNSET, /, **data: Any) -> None:
            if content is not _UNSET:
                if "content" in data:
                    raise TypeError(
                        f"{type(self).__name__}() got content both positionally and as "
                        "content=...; pass it once."
                    )
                data["content"] = content
            spec = _SPECS.get(type(self)) or _fast_spec(type(self))
            if spec.trusted and not spec.required and checked_in_place(data, self._fast_fields):
                # Hot path (every streamed chunk): the values pass every field validator
                # unchanged, so fill the instance directly, then run the model validators
                # as validation would; the result is identical (see tests/messages).
                _set_dict(self, "__dict__", spec.values(data))
                _set_dict(self, "__pydantic_fields_set__", set(data))
                _set_dict(self, "__pydantic_extra__", None)
                _set_dict(self, "__pydantic_private__", None)
                inputs = self._after_inputs
                if inputs is None or not inputs.isdisjoint(data):
                    for after in spec.after:
                        after(self)
                return
            self.__pydantic_validator__.validate_python(data, self_instance=self)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        # Only pipes' own concrete classes (those giving `type` a default): loading never
        # builds a class a user or another package defined.
        kind = cls.model_fields["type"].default
        if not cls.__module__.startswith("pipes._messages.") or not isinstance(kind, str):
            return
        if kind in MESSAGE_TYPES:
            raise TypeError(
                f"{cls.__name__} and {MESSAGE_TYPES[kind].__name__} both have type {kind!r}: "
                "each message class needs its own."
            )
        MESSAGE_TYPES[kind] = cls

    @field_validator("content")
    @classmethod
    def _check_content(cls, value: MessageContent) -> MessageContent:
        return value if type(value) is str else validate_content(value)

    @field_validator("id", "name", mode="before")
    @classmethod
    def _coerce_id(cls, value: Any) -> Any:
        # Ids arrive as ints or UUIDs from some stores; LangChain coerces them too.
        return value if value is None or isinstance(value, str) else str(value)

    @classmethod
    def _fast(cls, fields: dict[str, Any]) -> Self:
        """Build without validation, for values pipes already validated (hot path)."""
        spec = _fast_spec(cls)
        missing = spec.required.difference(fields)
        if missing:
            raise TypeError(f"{cls.__name__}._fast() needs {sorted(missing)}")
        obj = cls.__new__(cls)
        _set_dict(obj, "__dict__", spec.values(fields))
        _set_dict(obj, "__pydantic_fields_set__", set(fields))
        _set_dict(obj, "__pydantic_extra__", None)
        _set_dict(obj, "__pydantic_private__", None)
        return obj

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Self:
        """Pydantic's unvalidated constructor, same semantics, without its per-call cost.

        (Pydantic inspects the signature of every `default_factory` on each call, which
        costs hundreds of µs for a message.) Unknown names are ignored, as pydantic does.
        """
        spec = _SPECS.get(cls) or _fast_spec(cls)
        if values.keys() <= spec.template.keys():
            known = values  # the common case (providers building stream chunks): no copy
        else:
            known = {k: v for k, v in values.items() if k in spec.template}
        data = spec.values(known)
        if spec.required:
            for name in spec.required.difference(known):
                del data[name]  # left unset, as pydantic's model_construct does
        fields_set = set(known) if _fields_set is None else _fields_set
        obj = cls.__new__(cls)
        _set_dict(obj, "__dict__", data)
        _set_dict(obj, "__pydantic_fields_set__", fields_set)
        _set_dict(obj, "__pydantic_extra__", None)
        _set_dict(obj, "__pydantic_private__", None)
        return obj

    @property
    def text(self) -> TextAccessor:
        """The text of the message: string items and `text` parts, concatenated.

        A `str`; calling it (`msg.text()`, the LangChain 0.3 spelling) also works.
        """
        return TextAccessor(content_text(self.content))

    @property
    def content_blocks(self) -> list[dict[str, Any]]:
        """The content as LangChain 1.x standard blocks (`text`, `image`, `file`, ...), read-only.

        Derived on each access (building a message computes nothing); editing the
        returned dicts does not change the message.

        Example:
            ```python
            HumanMessage("hi").content_blocks  # [{'type': 'text', 'text': 'hi'}]
            ```
        """
        return content_blocks(self.content)

    @classmethod
    def merge_chunks(cls, chunks: Sequence[Self]) -> Self:
        """Fold a stream of whole messages: each replaces the one before, the last wins.

        A complete message is not a piece of one, so streams of them (a generator yielding
        messages) fold as any other whole values do, not with `+` (which builds a prompt).
        Chunk classes merge their pieces instead.
        """
        if not chunks:
            raise MessageMergeError(
                f"{cls.__name__}.merge_chunks() got no messages; pass at least one."
            )
        return chunks[-1]

    def __add__(self, other: Any) -> Any:
        """`message + message` (or `+ ("human", "{q}")`, `+ "text"`, `+ prompt`): a
        [`ChatPromptTemplate`][pipes.ChatPromptTemplate] of both, as in LangChain.

        Example:
            ```python
            prompt = SystemMessage("You are terse.") + ("human", "{question}")
            prompt.invoke({"question": "why?"})
            ```
        """
        # The one reference from messages up to prompts, resolved at call time (importing
        # pipes._prompts here would make every `import pipes` load the template engines).
        prompts = importlib.import_module("pipes._prompts")
        return prompts.ChatPromptTemplate([self]).__add__(other)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # Only what differs from the defaults, so reprs stay short and readable.
        values = self.__dict__
        spec = _fast_spec(type(self))
        factories = dict(spec.factories)
        for name in spec.names:
            if name == "type":
                continue
            value = values.get(name)
            if name != "content":
                factory = factories.get(name)
                default = factory() if factory is not None else spec.template[name]
                if value == default:
                    continue
            yield name, value

    def __str__(self) -> str:
        return self.__repr__()

    def pretty_repr(self) -> str:
        """A human-readable block: a title line with the message type, then the text."""
        title = f" {type(self).__name__.removesuffix('Chunk').replace('Message', ' Message')} "
        head = title.center(80, "=")
        body = self.text if self.text or type(self.content) is str else repr(self.content)
        return f"{head}\n\n{body}" if body else head

    def pretty_print(self) -> None:
        """Print `pretty_repr`."""
        print(self.pretty_repr())


class BaseMessageChunk(BaseMessage):
    """A streamed piece of a message; pieces add up with `+` or
    [`merge_chunks`][pipes.merge_chunks].

    `AIMessageChunk(content="Hel") + AIMessageChunk(content="lo")` ->
    `AIMessageChunk(content="Hello")`. Use `to_message` for the final message.
    """

    _message_class: ClassVar[type[BaseMessage]]
    # Fields every chunk of one message holds equal (a role, the answered call's id), each
    # with why, for the error; the merged chunk keeps the value.
    _shared_fields: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def merge_chunks(cls, chunks: Sequence[Self]) -> Self:
        """Merge chunks in one pass, in time linear in their total size.

        `AIMessageChunk.merge_chunks([c1, c2, c3])` equals `c1 + c2 + c3`.
        """
        if not chunks:
            raise MessageMergeError(
                f"{cls.__name__}.merge_chunks() got no chunks; pass at least one."
            )
        kind = type(chunks[0])
        if not issubclass(kind, cls):
            raise MessageMergeError(
                f"{cls.__name__}.merge_chunks() got a {kind.__name__}; pass {cls.__name__} objects."
            )
        if len(chunks) == 1:
            return chunks[0]
        return kind._fast(kind._merge_fields(chunks))

    @classmethod
    def _merge_fields(cls, chunks: Sequence[Self]) -> dict[str, Any]:
        """The merged field values; subclasses extend this for their own fields.

        One loop over the chunks reading their `__dict__` directly: this runs once per
        streamed token, so it stays lean.
        """
        contents: list[Any] = []
        kwargs: list[dict[str, Any]] = []
        metadata: list[dict[str, Any]] = []
        ids: list[str] = []
        name = None
        only_text = True
        for chunk in chunks:
            if type(chunk) is not cls:
                position = next(i for i, c in enumerate(chunks) if type(c) is not cls)
                raise MessageMergeError(
                    f"cannot merge chunk {position} ({type(chunk).__name__}) into a "
                    f"{cls.__name__}: all chunks must be of the same message type."
                )
            values = chunk.__dict__
            content = values["content"]
            if type(content) is not str:
                only_text = False
            contents.append(content)
            if values["additional_kwargs"]:
                kwargs.append(values["additional_kwargs"])
            if values["response_metadata"]:
                metadata.append(values["response_metadata"])
            if values["id"]:
                ids.append(values["id"])
            if name is None and values["name"]:
                name = values["name"]
        fields = {
            "content": "".join(contents) if only_text else merge_content(contents),
            "additional_kwargs": merge_dicts(kwargs) if kwargs else {},
            "response_metadata": merge_dicts(metadata) if metadata else {},
            "name": name,
            "id": merged_id(ids),
        }
        for field, reason in cls._shared_fields.items():
            value = chunks[0].__dict__[field]
            for i, chunk in enumerate(chunks):
                other = chunk.__dict__[field]
                if other != value:
                    raise MessageMergeError(
                        f"cannot merge {cls.__name__} {i} ({field}={other!r}) into one with "
                        f"{field}={value!r}: {reason}."
                    )
            fields[field] = value
        return fields

    def __add__(self, other: Self | Sequence[Self]) -> Self:
        kind = type(self)
        if isinstance(other, BaseMessageChunk):
            if type(other) is not kind:
                return NotImplemented
            return kind.merge_chunks([self, other])
        if isinstance(other, list | tuple) and all(type(o) is kind for o in other):
            return kind.merge_chunks([self, *other])
        return NotImplemented

    def to_message(self) -> BaseMessage:
        """The complete message this chunk stands for (`AIMessageChunk` -> `AIMessage`)."""
        target = self._message_class
        fields = {
            # Shallow copies: mutating the message must not change the chunk.
            name: value.copy() if type(value) is dict or type(value) is list else value
            for name, value in self.__dict__.items()
            if name != "type" and name in target.model_fields
        }
        return target._fast(fields)


ChunkT = TypeVar("ChunkT", bound=BaseMessageChunk)


def merge_message_chunks(chunks: Sequence[ChunkT]) -> ChunkT:
    """Merge a whole stream of chunks at once: `merge_message_chunks(list_of_chunks)`."""
    if not chunks:
        raise MessageMergeError("merge_message_chunks() got no chunks; pass at least one.")
    return type(chunks[0]).merge_chunks(chunks)


def message_chunk_to_message(message: BaseMessage) -> BaseMessage:
    """A chunk's final message (`chunk.to_message()`); other messages come back as they are."""
    return message.to_message() if isinstance(message, BaseMessageChunk) else message
