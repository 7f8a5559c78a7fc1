"""httpx's types as pydantic field types that do not import httpx until a value is validated.

`import pipes_openai` defines the chat models, whose fields accept your own `httpx.Client`
and an `httpx.Timeout`. Importing httpx costs about as much as the rest of the package
(~50 ms), and a program that imports `pipes_openai` to name a type, build a chain or print
`--help` never needs it, nor does a call on the shared pools (httpcore's, see
`pipes_openai._pools`): httpx is imported for your own client or a proxy, or by the first
validation that builds the model's validator (`defer_build`). Type checkers see httpx's own classes;
pydantic sees `Annotated[Any, HttpxInstance("Client")]`, which becomes httpx's
`is_instance` check (the same check and error as a plain `httpx.Client` annotation) when the
validator is built.

Example:
    ```python
    class Settings(BaseModel):
        client: HttpxClient | None = None  # checked as an httpx.Client, imported lazily
    ```
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

from pydantic_core import core_schema

__all__ = [
    "HttpxAsyncClient",
    "HttpxClient",
    "HttpxInstance",
    "HttpxTimeout",
    "TimeoutLike",
    "loaded_httpx",
]


def loaded_httpx() -> ModuleType | None:
    """httpx if something imported it, else `None`: while httpx is not loaded no httpx object
    (a timeout, an error) can exist, so checks for one need not import it."""
    return sys.modules.get("httpx")


class HttpxInstance:
    """Pydantic metadata: the value must be an instance of `httpx.<name>` (imported when the
    validator is built, not when the model class is)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"HttpxInstance({self.name!r})"

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> core_schema.CoreSchema:
        import httpx

        return core_schema.is_instance_schema(getattr(httpx, self.name))


if TYPE_CHECKING:
    from httpx import AsyncClient as HttpxAsyncClient
    from httpx import Client as HttpxClient
    from httpx import Timeout as HttpxTimeout
else:
    HttpxClient = Annotated[Any, HttpxInstance("Client")]
    HttpxAsyncClient = Annotated[Any, HttpxInstance("AsyncClient")]
    HttpxTimeout = Annotated[Any, HttpxInstance("Timeout")]

TimeoutLike: TypeAlias = float | tuple[float, float] | HttpxTimeout | None
"""What `timeout=` accepts: seconds, `(connect, read)`, an `httpx.Timeout`, or `None`."""
