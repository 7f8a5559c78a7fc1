"""A response cache on disk (SQLite): shared by processes, kept across runs.

A job that stops half-way and runs again answers the rows it already paid for from the
cache: only the unfinished ones reach the provider. Entries are stored as JSON through the
message serializer, which revives only pipes' own message classes (never `pickle`).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipes._messages import AIMessage, message_from_dict, message_to_dict

from ._cache import BaseCache

if TYPE_CHECKING:
    import os
    import sqlite3

__all__ = ["SQLiteCache"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS pipes_llm_cache (
    prompt TEXT NOT NULL,
    llm_string TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (prompt, llm_string)
)
"""


class SQLiteCache(BaseCache):
    """Chat-model replies in an SQLite file (LangChain's `SQLiteCache`, without SQLAlchemy).

    Any number of threads and processes may share one file: SQLite serialises the writes,
    and a busy database is waited for (`timeout` seconds) rather than failed. Pickled (to a
    worker process), the cache travels as its path and opens the same file there. The async
    methods read and write in the calling thread: a local SQLite lookup takes microseconds.

    Example:
        ```python
        model = ChatOpenAI(model="gpt-4o-mini", cache=SQLiteCache(".pipes_cache.db"))
        model.invoke("hi")  # calls the API
        model.invoke("hi")  # from the file, in this process or any later one
        ```
    """

    def __init__(
        self, database_path: str | os.PathLike[str] = ".pipes_cache.db", *, timeout: float = 30.0
    ) -> None:
        self.database_path = Path(database_path)
        self.timeout = float(timeout)
        self._local = threading.local()  # sqlite3 connections belong to the thread that made them
        self._connect().execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            import sqlite3  # on first use: a model without this cache never loads it

            connection = sqlite3.connect(
                self.database_path, timeout=self.timeout, isolation_level=None
            )
            connection.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
            self._local.connection = connection
        return connection

    def __copy__(self) -> SQLiteCache:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> SQLiteCache:
        return self  # a cache is shared state by design

    def __getstate__(self) -> dict[str, Any]:
        return {"database_path": self.database_path, "timeout": self.timeout}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["database_path"], timeout=state["timeout"])  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"SQLiteCache({str(self.database_path)!r})"

    def __len__(self) -> int:
        (count,) = self._connect().execute("SELECT COUNT(*) FROM pipes_llm_cache").fetchone()
        return int(count)

    def lookup(self, prompt: str, llm_string: str) -> AIMessage | None:
        row = (
            self._connect()
            .execute(
                "SELECT message FROM pipes_llm_cache WHERE prompt = ? AND llm_string = ?",
                (prompt, llm_string),
            )
            .fetchone()
        )
        if row is None:
            return None
        message = message_from_dict(json.loads(row[0]))
        if not isinstance(message, AIMessage):  # written by something else: treat as a miss
            return None
        return message

    def update(self, prompt: str, llm_string: str, return_val: AIMessage) -> None:
        self._connect().execute(
            "INSERT OR REPLACE INTO pipes_llm_cache (prompt, llm_string, message) VALUES (?, ?, ?)",
            (prompt, llm_string, json.dumps(message_to_dict(return_val))),
        )

    def clear(self) -> None:
        self._connect().execute("DELETE FROM pipes_llm_cache")
