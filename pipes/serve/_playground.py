"""`GET /playground`: one static page (plain HTML + JS, no build step) that builds a form from
the input schema and streams the output and the run events."""

from __future__ import annotations

import html
import json
from functools import cache
from importlib.resources import files
from typing import Any

from ._http import Receive, Scope, Send

__all__ = ["Playground"]


@cache
def _template() -> str:
    return files("pipes.serve").joinpath("playground.html").read_text(encoding="utf-8")


class Playground:
    """The page for one served runnable. It holds no data and needs no key (the page asks
    for one and sends it with every call it makes)."""

    def __init__(self, name: str, prefix: str) -> None:
        script_prefix = json.dumps(prefix).replace("<", "\\u003c")
        page = _template().replace('"__PREFIX__"', script_prefix)
        page = page.replace("__PREFIX__", html.escape(prefix)).replace(
            "__NAME__", html.escape(name)
        )
        self._page = page.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers: list[Any] = [
            (b"content-type", b"text/html; charset=utf-8"),
            (
                b"content-security-policy",
                b"default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'",
            ),
            (b"x-content-type-options", b"nosniff"),
            (b"content-length", str(len(self._page)).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": self._page})
