"""`BaseTool`: the tool base class (`StructuredTool` and `@tool` build on it).

A tool is a runnable. Invoked with its arguments it returns what the function returns;
invoked with a model's tool call it returns a `ToolMessage` answering that call:

```python
@tool
def multiply(a: int, b: int) -> int:
    '''Multiply two integers.'''
    return a * b

multiply.invoke({"a": 6, "b": 7})  # 42
multiply.invoke({"type": "tool_call", "name": "multiply", "args": {"a": 6, "b": 7},
                 "id": "call_1"})
# ToolMessage(content='42', tool_call_id='call_1', name='multiply')
```
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from typing import Any, cast

import pydantic
from pydantic import BaseModel

from pipes._core import Runnable, RunnableConfig, ensure_config, run_in_thread
from pipes._errors import InputTypeError, NotImplementedInvokeError
from pipes._messages import ToolMessage
from pipes._schema._errors import SchemaConversionError, format_validation_error
from pipes._schema._function_schema import args_model_from_function
from pipes._schema._rewrite import drop_null_defaults
from pipes._tools._errors import ToolException, ToolInputError
from pipes._tools._types import (
    _SCHEMA_INPUTS,
    ArgsSchema,
    InjectedToolCallId,
    ResponseFormat,
    ToolErrorHandler,
    ToolInput,
    ValidationErrorHandler,
    _config_params,
    _is_injected,
    _stringify,
)

__all__ = ["BaseTool", "check_functions"]


def check_functions(kind: str, name: str, func: object, coroutine: object) -> None:
    """The checks [`Tool`][pipes.Tool] and [`StructuredTool`][pipes.StructuredTool] make of
    their `func` / `coroutine` pair: at least one, and the coroutine an `async def`."""
    if func is None and coroutine is None:
        raise TypeError(f"{kind} {name!r} needs func=..., coroutine=... or both")
    if coroutine is not None and not inspect.iscoroutinefunction(coroutine):
        raise TypeError(
            f"{kind} {name!r}: coroutine must be an `async def` function, got {coroutine!r}"
        )


class BaseTool(Runnable[ToolInput, Any]):
    """Base class of tools: a name, a description, an argument schema and `_run`.

    Subclass it LangChain-style (class attributes, `_run` and optionally `_arun`), or use
    [`tool`][pipes.tool] / [`StructuredTool.from_function`][pipes.StructuredTool.from_function]:

    ```python
    class Calculator(BaseTool):
        name: str = "calculator"
        description: str = "Add two integers."
        args_schema: ArgsSchema | None = AddInput   # else inferred from _run's signature

        def _run(self, a: int, b: int) -> int:
            return a + b
    ```

    Errors: a [`ToolException`][pipes.ToolException] raised by the tool propagates unless
    `handle_tool_error` is set (`True`: its message; a string; a function of the error; or
    exception types to handle *any* of those errors with their message); handled errors
    become an error `ToolMessage` (`status="error"`) for tool calls, else the error text.
    Invalid arguments raise [`ToolInputError`][pipes.ToolInputError] unless
    `handle_validation_error` is set likewise.
    """

    name: str  # required on tools (optional on other runnables)
    description: str = ""
    args_schema: ArgsSchema | None = None
    return_direct: bool = False
    response_format: ResponseFormat = "content"
    handle_tool_error: ToolErrorHandler = False
    handle_validation_error: ValidationErrorHandler = False
    metadata: dict[str, Any] | None = None
    tags: list[str] | None = None
    run_type = "tool"

    def __init__(
        self,
        *,
        name: str | None = None,
        description: str | None = None,
        args_schema: ArgsSchema | None = None,
        return_direct: bool | None = None,
        response_format: ResponseFormat | None = None,
        # The handler aliases (from ._types) include None; ruff cannot see that across modules.
        handle_tool_error: ToolErrorHandler = None,  # noqa: RUF013
        handle_validation_error: ValidationErrorHandler = None,  # noqa: RUF013
        metadata: dict[str, Any] | None = None,
        tags: list[str] | None = None,
    ) -> None:
        # Only what is given overrides the (sub)class attributes.
        given = {
            "name": name,
            "description": description,
            "args_schema": args_schema,
            "return_direct": return_direct,
            "response_format": response_format,
            "handle_tool_error": handle_tool_error,
            "handle_validation_error": handle_validation_error,
            "metadata": metadata,
            "tags": tags,
        }
        for key, value in given.items():
            if value is not None:
                setattr(self, key, value)
        if not isinstance(getattr(self, "name", None), str) or not self.name:
            raise TypeError(
                f'{type(self).__name__} has no name: set `name = "..."` on the class or '
                "pass name=... (the model calls the tool by this name)"
            )
        if self.response_format not in ("content", "content_and_artifact"):
            raise ValueError(
                f"tool {self.name!r}: response_format must be 'content' or "
                f"'content_and_artifact', got {self.response_format!r}"
            )
        self._cache: dict[str, Any] = {}

    def __setattr__(self, key: str, value: Any) -> None:
        super().__setattr__(key, value)
        # Derived schemas are cached; changing what they derive from clears them.
        if key in _SCHEMA_INPUTS and "_cache" in self.__dict__:
            self._cache.clear()

    # -- schemas --------------------------------------------------------------------------

    def _target(self) -> Callable[..., Any]:
        """The function whose signature describes the arguments (`_run` by default)."""
        return self._run

    def _args_model(self) -> type[BaseModel] | None:
        """The pydantic model arguments are validated with (`None` for a dict schema)."""
        if "model" not in self._cache:
            schema = self.args_schema
            if isinstance(schema, type) and issubclass(schema, BaseModel):
                model: type[BaseModel] | None = schema
            elif isinstance(schema, Mapping):
                model = None
            elif schema is None:
                model, _ = args_model_from_function(
                    self._target(),
                    model_name=self.name,
                    parse_docstring=False,
                    exclude=_config_params(self._target()),
                )
            else:
                raise SchemaConversionError(
                    f"tool {self.name!r}: args_schema must be a pydantic model class or a "
                    f"JSON-schema dict, got {schema!r}"
                )
            self._cache["model"] = model
        return cast("type[BaseModel] | None", self._cache["model"])

    def _injected(self) -> dict[str, bool]:
        """Injected argument names → whether each wants the tool-call id."""
        if "injected" not in self._cache:
            found: dict[str, bool] = {}
            model = self._args_model()
            if model is not None:
                for field_name, info in model.model_fields.items():
                    for meta in info.metadata:
                        if _is_injected(meta):
                            found[field_name] = _is_injected(meta, InjectedToolCallId)
            self._cache["injected"] = found
        return cast(dict[str, bool], self._cache["injected"])

    def get_input_schema(self) -> dict[str, Any]:
        """The JSON schema of the tool's arguments (injected ones included)."""
        if "json" not in self._cache:
            model = self._args_model()
            if model is None:
                self._cache["json"] = dict(cast(Mapping[str, Any], self.args_schema))
            else:
                try:
                    self._cache["json"] = model.model_json_schema()
                except pydantic.PydanticInvalidForJsonSchema as exc:
                    raise SchemaConversionError(
                        f"tool {self.name!r}: its arguments have no JSON schema: {exc}"
                    ) from exc
        return cast(dict[str, Any], self._cache["json"])

    @property
    def args(self) -> dict[str, Any]:
        """The JSON schema of each argument, by name (`tool.args["query"]["type"]`)."""
        properties = self.get_input_schema().get("properties", {})
        return dict(properties) if isinstance(properties, Mapping) else {}

    @property
    def tool_call_schema(self) -> ArgsSchema:
        """The argument schema the model sees: `args_schema` without injected arguments."""
        if "call_schema" not in self._cache:
            model = self._args_model()
            injected = self._injected()
            if model is None:
                schema: ArgsSchema = dict(cast(Mapping[str, Any], self.args_schema))
            elif not injected:
                schema = model
            else:
                fields: dict[str, Any] = {
                    key: (info.annotation, info)
                    for key, info in model.model_fields.items()
                    if key not in injected
                }
                schema = pydantic.create_model(
                    model.__name__,
                    __config__=pydantic.ConfigDict(arbitrary_types_allowed=True),
                    __doc__=model.__doc__,
                    **fields,
                )
            self._cache["call_schema"] = schema
        return cast(ArgsSchema, self._cache["call_schema"])

    def get_name(self, suffix: str | None = None) -> str:
        return f"{self.name}{suffix}" if suffix else self.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, description={self.description!r})"

    # -- input and output -----------------------------------------------------------------

    def _is_tool_call(self, input: Mapping[str, Any]) -> bool:
        if input.get("type") == "tool_call":
            return True
        # A call written by hand without "type" ({"name", "args", "id"}), unless those are
        # the tool's own argument names.
        return (
            input.keys() == {"name", "args", "id"}
            and isinstance(input["args"], Mapping)
            and not ({"name", "args", "id"} & self.args.keys())
        )

    def _parse_input(self, input: Any) -> tuple[dict[str, Any], bool, str | None]:
        """`(arguments, is_tool_call, call_id)` from any accepted input form."""
        if isinstance(input, Mapping) and self._is_tool_call(input):
            args = input.get("args", {})
            if not isinstance(args, Mapping):
                raise InputTypeError(
                    f"tool {self.name!r} got a tool call whose 'args' is "
                    f"{type(args).__name__}, expected a dict of arguments"
                )
            call_id = input.get("id")
            args = dict(args)
            for key, wants_id in self._injected().items():
                if wants_id:
                    args[key] = call_id
            return args, True, call_id if call_id is None else str(call_id)
        if any(self._injected().values()):
            raise InputTypeError(
                f"tool {self.name!r} has an InjectedToolCallId argument, so it must be invoked "
                "with a whole tool call: {'type': 'tool_call', 'name': ..., 'args': {...}, "
                "'id': ...}"
            )
        if isinstance(input, str):
            return {self._single_arg(input): input}, False, None
        if isinstance(input, Mapping):
            return dict(input), False, None
        raise InputTypeError(
            f"tool {self.name!r} got {type(input).__name__} input; expected a dict of arguments, "
            "a string (for a one-argument tool), or a tool call {'type': 'tool_call', 'name', "
            "'args', 'id'}"
        )

    def _single_arg(self, text: str) -> str:
        properties = self.args
        required = self.get_input_schema().get("required", [])
        if len(properties) == 1:
            return next(iter(properties))
        if len(required) == 1:
            return str(required[0])
        raise InputTypeError(
            f"tool {self.name!r} takes the arguments {sorted(properties)}, so it cannot be "
            f"invoked with a bare string ({text[:40]!r}); pass a dict of arguments"
        )

    def _validate(self, args: dict[str, Any]) -> dict[str, Any]:
        model = self._args_model()
        if model is None:
            return args
        schema = self.get_input_schema()
        # Strict-mode schemas make optional arguments nullable: the model sends null for
        # "not given". For arguments that do not accept None, null means "use the default".
        args = drop_null_defaults(schema, args)
        try:
            validated = model.model_validate(args)
        except pydantic.ValidationError as exc:
            unknown = sorted(set(args) - set(schema.get("properties", {})))
            hint = f"  (ignored, not arguments of this tool: {unknown})\n" if unknown else ""
            raise ToolInputError(
                f"tool {self.name!r} got invalid arguments {args!r}:\n"
                f"{format_validation_error(exc)}\n{hint}"
                f"Expected arguments matching this JSON schema: "
                f"{json.dumps(self.get_input_schema(), default=str)}",
                tool_name=self.name,
                tool_input=args,
                schema=schema,
            ) from exc
        # Attributes, not model_dump(): nested models reach the function as model instances.
        return {key: getattr(validated, key) for key in type(validated).model_fields}

    def _with_config(self, kwargs: dict[str, Any], config: RunnableConfig | None) -> None:
        if "config_params" not in self._cache:
            self._cache["config_params"] = _config_params(self._target())
        for name in self._cache["config_params"]:
            kwargs[name] = ensure_config(config)

    def _format_output(self, result: Any, is_call: bool, call_id: str | None) -> Any:
        if self.response_format == "content_and_artifact":
            if not (isinstance(result, tuple) and len(result) == 2):
                raise ValueError(
                    f"tool {self.name!r} has response_format='content_and_artifact', so it must "
                    f"return a (content, artifact) pair; it returned {type(result).__name__}"
                )
            content, artifact = result
        else:
            content, artifact = result, None
        if not is_call or call_id is None or isinstance(content, ToolMessage):
            return content
        return ToolMessage(
            content=_stringify(content), artifact=artifact, tool_call_id=call_id, name=self.name
        )

    def _error_output(self, content: str, is_call: bool, call_id: str | None) -> Any:
        if not is_call or call_id is None:
            return content
        return ToolMessage(content=content, tool_call_id=call_id, name=self.name, status="error")

    def _handled_error_text(self, exc: Exception) -> str | None:
        """The message for a handled tool error, or `None` when it must propagate."""
        handler = self.handle_tool_error
        if handler is None or handler is False:
            return None
        if isinstance(handler, (type, tuple)):
            if isinstance(exc, handler):
                return f"Error: {type(exc).__name__}: {exc}"
            return None
        if not isinstance(exc, ToolException):
            return None
        if handler is True:
            return str(exc) or "Tool execution error"
        if isinstance(handler, str):
            return handler
        return handler(exc)

    def _handled_validation_text(self, exc: ToolInputError) -> str | None:
        handler = self.handle_validation_error
        if handler is None or handler is False:
            return None
        if handler is True:
            return str(exc)
        if isinstance(handler, str):
            return handler
        return handler(exc)

    # -- running --------------------------------------------------------------------------

    def _run(self, *args: Any, **kwargs: Any) -> Any:
        """Do the work (override in subclasses); receives the validated arguments."""
        raise NotImplementedInvokeError(
            f"tool {self.name!r} ({type(self).__name__}) does not implement _run()"
        )

    async def _arun(self, *args: Any, **kwargs: Any) -> Any:
        """Do the work asynchronously; by default `_run` in a worker thread."""
        return await run_in_thread(self._run, *args, **kwargs)

    def _start(
        self, input: ToolInput, config: RunnableConfig | None
    ) -> tuple[dict[str, Any] | None, Any, bool, str | None]:
        """What `invoke` and `ainvoke` share before the call: `(kwargs, output, is_call,
        call_id)`; `kwargs` is None when the arguments were invalid and `output` answers."""
        args, is_call, call_id = self._parse_input(input)
        try:
            call_kwargs = self._validate(args)
        except ToolInputError as exc:
            text = self._handled_validation_text(exc)
            if text is None:
                raise
            return None, self._error_output(text, is_call, call_id), is_call, call_id
        self._with_config(call_kwargs, config)
        return call_kwargs, None, is_call, call_id

    def _failed(self, exc: Exception, is_call: bool, call_id: str | None) -> Any:
        """The output for a tool error `handle_tool_error` answers; re-raises any other.

        Called from the `except` block of `invoke` / `ainvoke`, so the bare `raise` re-raises
        the original exception, traceback and all.
        """
        text = self._handled_error_text(exc)
        if text is None:
            exc.add_note(f"raised by tool {self.name!r}")
            raise
        return self._error_output(text, is_call, call_id)

    def invoke(self, input: ToolInput, config: RunnableConfig | None = None, **kwargs: Any) -> Any:
        """Run the tool: arguments in, result out; a tool call in, a `ToolMessage` out."""
        call_kwargs, output, is_call, call_id = self._start(input, config)
        if call_kwargs is None:
            return output
        try:
            result = self._run(**call_kwargs)
        except Exception as exc:
            return self._failed(exc, is_call, call_id)
        return self._format_output(result, is_call, call_id)

    async def ainvoke(
        self, input: ToolInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Any:
        """Async `invoke`: native for async tools, a worker thread for sync ones."""
        call_kwargs, output, is_call, call_id = self._start(input, config)
        if call_kwargs is None:
            return output
        try:
            result = await self._arun(**call_kwargs)
        except Exception as exc:
            return self._failed(exc, is_call, call_id)
        return self._format_output(result, is_call, call_id)

    def run(self, tool_input: str | dict[str, Any], **kwargs: Any) -> Any:
        """LangChain's older entry point; same as `invoke`."""
        return self.invoke(tool_input)

    async def arun(self, tool_input: str | dict[str, Any], **kwargs: Any) -> Any:
        """LangChain's older async entry point; same as `ainvoke`."""
        return await self.ainvoke(tool_input)
