"""SQLiteCache: replies on disk, shared by threads and processes, safe to load."""

from __future__ import annotations

import json
import pickle
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from pipes import AIMessage, SQLiteCache
from pipes.testing import FakeChatModel

ROOT = Path(__file__).resolve().parents[2]


def test_a_second_cache_on_the_same_file_answers_without_the_model(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    first = FakeChatModel(responses=["paid for"], cache=SQLiteCache(path))
    assert first.invoke("question").content == "paid for"
    later = FakeChatModel(responses=["paid for"], cache=SQLiteCache(path))  # a later run
    reply = later.invoke("question")
    assert reply.content == "paid for"
    assert later.calls == []  # the model was never asked


async def test_async_calls_and_clear(tmp_path: Path) -> None:
    cache = SQLiteCache(tmp_path / "cache.db")
    model = FakeChatModel(responses=["a", "b"], cache=cache)
    assert (await model.ainvoke("x")).content == "a"
    assert (await model.ainvoke("x")).content == "a"
    assert len(cache) == 1
    cache.clear()
    assert len(cache) == 0
    assert (await model.ainvoke("x")).content == "b"


def test_threads_share_one_file(tmp_path: Path) -> None:
    cache = SQLiteCache(tmp_path / "cache.db")
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            for j in range(20):
                cache.update(f"p{i}-{j}", "llm", AIMessage(f"{i}-{j}"))
                found = cache.lookup(f"p{i}-{j}", "llm")
                assert found is not None
                assert found.content == f"{i}-{j}"
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(cache) == 160


def test_processes_share_one_file_and_it_pickles_as_its_path(tmp_path: Path) -> None:
    cache = SQLiteCache(tmp_path / "cache.db")
    blob = tmp_path / "cache.pkl"
    blob.write_bytes(pickle.dumps(cache))
    script = (
        "import pickle, sys\n"
        "from pipes import AIMessage\n"
        f"cache = pickle.loads(open({str(blob)!r}, 'rb').read())\n"
        "cache.update('from', 'child', AIMessage('hello from the child'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    found = cache.lookup("from", "child")
    assert found is not None
    assert found.content == "hello from the child"
    assert repr(pickle.loads(pickle.dumps(cache))) == f"SQLiteCache({str(tmp_path / 'cache.db')!r})"


def test_rows_are_json_and_a_foreign_row_never_revives_an_object(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    cache = SQLiteCache(path)
    cache.update("p", "l", AIMessage("ok"))
    db = sqlite3.connect(path)
    (stored,) = db.execute("SELECT message FROM pipes_llm_cache").fetchone()
    assert json.loads(stored)["type"] == "ai"
    hostile = json.dumps({"type": "human", "data": {"content": "not a reply"}})
    db.execute("UPDATE pipes_llm_cache SET message = ?", (hostile,))
    db.commit()
    assert cache.lookup("p", "l") is None  # not an AIMessage: a miss, not a wrong answer
