"""Tool binding: OpenAI tool schemas and `tool_choice` for
[`BaseChatOpenAI.bind_tools`][pipes_openai.BaseChatOpenAI.bind_tools].

Imported on the first `bind_tools` call only, with `pipes`' tool conversion: `import
pipes_openai` stays lean.

Example:
    ```python
    llm.bind(**tool_bind_kwargs([GetWeather], "GetWeather", None, None, {}))
    ```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipes import convert_to_openai_tool

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pipes import ToolLike

__all__ = ["tool_bind_kwargs"]

# Built-in tools a tool_choice string may name (the Responses API's `{"type": ...}` choices).
_BUILTIN_CHOICES = frozenset(
    {
        "file_search",
        "web_search_preview",
        "computer",
        "computer_use",
        "computer_use_preview",
        "code_interpreter",
        "image_generation",
    }
)


def tool_bind_kwargs(
    tools: Sequence[ToolLike],
    tool_choice: str | dict[str, Any] | bool | None,
    strict: bool | None,
    parallel_tool_calls: bool | None,
    kwargs: dict[str, Any],
) -> dict[str, Any]:
    """The `bind` keywords offering `tools`: OpenAI tool schemas, `tool_choice` and more."""
    formatted = [convert_to_openai_tool(tool, strict=strict) for tool in tools]
    names = [t["function"]["name"] for t in formatted if t.get("type") == "function"]
    if tool_choice is not None and tool_choice is not False:
        kwargs["tool_choice"] = _tool_choice(tool_choice, names)
    elif tool_choice is False:
        kwargs["tool_choice"] = "none"
    if parallel_tool_calls is not None:
        kwargs["parallel_tool_calls"] = parallel_tool_calls
    return {"tools": formatted, **kwargs}


def _tool_choice(choice: str | dict[str, Any] | bool, names: list[str]) -> str | dict[str, Any]:
    if choice is True:
        if len(names) != 1:
            raise ValueError(
                f"tool_choice=True forces the single bound tool, but {len(names)} tools are "
                f"bound ({', '.join(names) or 'none'}); pass tool_choice='<tool name>' instead."
            )
        return {"type": "function", "function": {"name": names[0]}}
    if isinstance(choice, dict):
        return choice
    if isinstance(choice, str):
        if choice in ("auto", "none", "required"):
            return choice
        if choice == "any":
            return "required"
        if choice in _BUILTIN_CHOICES and choice not in names:
            return {"type": choice}  # a built-in tool (Responses API), as langchain-openai
        if names and choice not in names:
            raise ValueError(
                f"tool_choice={choice!r} names no bound tool; bound tools: {', '.join(names)}. "
                "Use one of them, or 'auto', 'none', 'required'/'any'."
            )
        return {"type": "function", "function": {"name": choice}}
    raise TypeError(
        f"tool_choice must be a str, a dict or a bool, got {type(choice).__name__}: {choice!r}."
    )
