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

from typing import TYPE_CHECKING

from pipes._lazy import install_lazy_getattr

# Providers call register_serializable when they are imported: that loads the id table's
# registration only, not the dumper and the loader (nor the layers pipes' own entries need).
if TYPE_CHECKING:
    from pipes._load._dump import dumpd, dumps
    from pipes._load._errors import LoadError
    from pipes._load._registry import register_serializable
    from pipes._load._revive import load, loads


install_lazy_getattr(globals())


__all__: list[str] = ["LoadError", "dumpd", "dumps", "load", "loads", "register_serializable"]
