"""Serialization: `dumpd` / `dumps` write LangChain's `{"lc": 1, "type": "constructor", ...}`
documents; `load` / `loads` read them back, building only allow-listed classes.

This layer sits above the chat models: it knows every class it may build, in one id table
(`_builtins`), and plugins add theirs with `register_serializable`.

Example:
    ```python
    from pipes import ChatPromptTemplate, StrOutputParser, dumps, loads

    chain = ChatPromptTemplate.from_messages([("human", "{question}")]) | StrOutputParser()
    text = dumps(chain)  # JSON; secrets are written as references, never values
    loads(text).invoke({"question": "hi"})
    ```
"""

from __future__ import annotations

from ._dump import dumpd, dumps
from ._errors import LoadError
from ._registry import register_serializable
from ._revive import load, loads

__all__: list[str] = ["LoadError", "dumpd", "dumps", "load", "loads", "register_serializable"]
