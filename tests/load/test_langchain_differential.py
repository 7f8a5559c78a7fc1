"""LangChain's own `loads` reads what pipes writes (a dev-only check: it runs LangChain in a
child process of a throwaway venv named by PIPES_LANGCHAIN_PYTHON, e.g.
`python3 -m venv /tmp/lc && /tmp/lc/bin/pip install langchain-core langchain-openai` then
`PIPES_LANGCHAIN_PYTHON=/tmp/lc/bin/python`; skipped without it)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pipes import (
    AIMessage,
    ChatPromptTemplate,
    CommaSeparatedListOutputParser,
    HumanMessage,
    MessagesPlaceholder,
    PromptTemplate,
    RunnableParallel,
    RunnablePassthrough,
    RunnablePick,
    StrOutputParser,
    SystemMessage,
    ToolMessage,
    dumps,
)
from pipes_openai import ChatOpenAI

PYTHON = os.environ.get("PIPES_LANGCHAIN_PYTHON", "")
pytestmark = pytest.mark.skipif(
    not Path(PYTHON).is_file(), reason="set PIPES_LANGCHAIN_PYTHON to a venv with langchain-core"
)

READER = """
import json, sys
from langchain_core.load import loads
out = {}
for name, text in json.load(sys.stdin).items():
    obj = loads(text, allowed_objects="all", secrets_map={"OPENAI_API_KEY": "sk-lc"})
    seen = {"class": type(obj).__name__}
    if hasattr(obj, "format_messages"):
        values = {"q": "hi", "language": "French", "history": []}
        seen["messages"] = [[m.type, m.content] for m in obj.format_messages(**values)]
    elif hasattr(obj, "format"):
        seen["text"] = obj.format(topic="bears")
    elif hasattr(obj, "content"):
        seen["message"] = [obj.type, obj.content]
    elif hasattr(obj, "steps"):
        seen["steps"] = [type(s).__name__ for s in obj.steps]
    elif hasattr(obj, "model_name"):
        seen["model"] = [obj.model_name, obj.temperature]
    out[name] = seen
print(json.dumps(out))
"""


def _prompt() -> ChatPromptTemplate[Any]:
    return ChatPromptTemplate.from_messages(
        [("system", "Answer in {language}."), MessagesPlaceholder("history"), ("human", "{q}")]
    )


OBJECTS: dict[str, Any] = {
    "human": HumanMessage("hi", name="bob"),
    "ai": AIMessage("", tool_calls=[{"name": "f", "args": {"a": 1}, "id": "c1"}]),
    "system": SystemMessage("be brief"),
    "tool": ToolMessage("3", tool_call_id="c1"),
    "prompt": PromptTemplate.from_template("Tell me about {topic}"),
    "chat_prompt": _prompt(),
    "str_parser": StrOutputParser(),
    "csv_parser": CommaSeparatedListOutputParser(),
    "chat_openai": ChatOpenAI(model="gpt-4o", temperature=0.3, api_key="sk-pipes"),
    "sequence": _prompt() | ChatOpenAI(api_key="sk-pipes") | StrOutputParser(),
    "parallel": RunnableParallel(a=RunnablePassthrough(), b=RunnablePick("x")),
}

EXPECTED: dict[str, Any] = {
    "human": {"class": "HumanMessage", "message": ["human", "hi"]},
    "ai": {"class": "AIMessage", "message": ["ai", ""]},
    "system": {"class": "SystemMessage", "message": ["system", "be brief"]},
    "tool": {"class": "ToolMessage", "message": ["tool", "3"]},
    "prompt": {"class": "PromptTemplate", "text": "Tell me about bears"},
    "chat_prompt": {
        "class": "ChatPromptTemplate",
        "messages": [["system", "Answer in French."], ["human", "hi"]],
    },
    "str_parser": {"class": "StrOutputParser"},
    "csv_parser": {"class": "CommaSeparatedListOutputParser"},
    "chat_openai": {"class": "ChatOpenAI", "model": ["gpt-4o", 0.3]},
    "sequence": {
        "class": "RunnableSequence",
        "steps": ["ChatPromptTemplate", "ChatOpenAI", "StrOutputParser"],
    },
    "parallel": {"class": "RunnableParallel"},
}


def test_langchain_loads_what_pipes_dumps() -> None:
    texts = {name: dumps(obj) for name, obj in OBJECTS.items()}
    assert "sk-pipes" not in json.dumps(texts)
    result = subprocess.run(
        [PYTHON, "-c", READER],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.splitlines()[-1]) == EXPECTED
