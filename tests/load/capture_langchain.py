"""Write tests/load/data/langchain_dumps.json: LangChain's own `dumpd` of the objects pipes
loads (run in a throwaway venv with langchain-core, langchain-openai and jinja2)::

    python3 -m venv /tmp/lc && /tmp/lc/bin/pip install langchain-core langchain-openai jinja2
    /tmp/lc/bin/python tests/load/capture_langchain.py

Not a test: the fixtures it writes are checked in, so the test run needs no LangChain.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

os.environ["OPENAI_API_KEY"] = "sk-capture-not-a-key"
os.environ["AZURE_OPENAI_API_KEY"] = "azure-capture-not-a-key"

import langchain_core
from langchain_core.load import dumpd
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    HumanMessage,
    HumanMessageChunk,
    SystemMessage,
    ToolMessage,
    ToolMessageChunk,
)
from langchain_core.output_parsers import (
    CommaSeparatedListOutputParser,
    StrOutputParser,
)
from langchain_core.prompt_values import ChatPromptValue, StringPromptValue
from langchain_core.prompts import (
    AIMessagePromptTemplate,
    ChatPromptTemplate,
    MessagesPlaceholder,
    PromptTemplate,
)
from langchain_core.prompts.chat import ChatMessagePromptTemplate
from langchain_core.runnables import (
    RunnableBranch,
    RunnableLambda,
    RunnableParallel,
    RunnablePassthrough,
    RunnablePick,
    RunnableSequence,
)
from langchain_openai import AzureChatOpenAI, ChatOpenAI

OUT = Path(__file__).parent / "data" / "langchain_dumps.json"


def objects() -> dict[str, Any]:
    llm = ChatOpenAI(model="gpt-4o", temperature=0.2, max_retries=5)
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "You translate to {language}."),
            MessagesPlaceholder("history"),
            ("human", "{text}"),
        ]
    )
    return {
        "human": HumanMessage("hi", id="m1", name="bob"),
        "ai_tool_calls": AIMessage(
            "",
            tool_calls=[{"name": "add", "args": {"a": 1, "b": 2}, "id": "call_1"}],
            usage_metadata={"input_tokens": 3, "output_tokens": 4, "total_tokens": 7},
            response_metadata={"model_name": "gpt-4o"},
        ),
        "ai_chunk": AIMessageChunk(content="Bon"),
        "human_chunk": HumanMessageChunk(content="x"),
        "tool": ToolMessage("3", tool_call_id="call_1"),
        "tool_chunk": ToolMessageChunk(content="3", tool_call_id="call_1"),
        "system": SystemMessage("be brief"),
        "chat": ChatMessage(content="looks good", role="critic"),
        "escaped_kwargs": HumanMessage(
            "x", additional_kwargs={"lc": 1, "type": "constructor", "id": ["os", "system"]}
        ),
        "prompt": PromptTemplate.from_template(
            "Tell me about {topic} in {style}", partial_variables={"style": "haiku"}
        ),
        "prompt_mustache": PromptTemplate.from_template("hi {{name}}", template_format="mustache"),
        "prompt_jinja2": PromptTemplate.from_template("hi {{ name }}", template_format="jinja2"),
        "chat_prompt": prompt,
        "chat_prompt_partial": ChatPromptTemplate.from_messages([("system", "{a} {b}")]).partial(
            a="x"
        ),
        "chat_prompt_optional": ChatPromptTemplate.from_messages(
            [MessagesPlaceholder("history", optional=True, n_messages=3), ("human", "{q}")]
        ),
        "chat_prompt_literal": ChatPromptTemplate.from_messages(
            [SystemMessage("fixed"), ("ai", "{a}")]
        ),
        "chat_prompt_image": ChatPromptTemplate.from_messages(
            [
                (
                    "human",
                    [
                        {"type": "text", "text": "{q}"},
                        {"type": "image_url", "image_url": {"url": "{u}"}},
                    ],
                )
            ]
        ),
        "ai_message_template": AIMessagePromptTemplate.from_template("{a}"),
        "chat_message_template": ChatMessagePromptTemplate.from_template("{a}", role="critic"),
        "str_parser": StrOutputParser(),
        "csv_parser": CommaSeparatedListOutputParser(),
        "chat_openai": ChatOpenAI(
            model="gpt-4o",
            temperature=0.2,
            max_tokens=100,
            stop=["\n"],
            base_url="http://127.0.0.1:9/v1",
        ),
        "azure": AzureChatOpenAI(
            azure_deployment="gpt-4o",
            api_version="2024-10-21",
            azure_endpoint="https://example.openai.azure.com",
        ),
        "sequence": prompt | llm | StrOutputParser(),
        "sequence_named": RunnableSequence(RunnablePassthrough(), StrOutputParser(), name="named"),
        "parallel": RunnableParallel(a=RunnablePassthrough(), b=StrOutputParser()),
        "assign": RunnablePassthrough.assign(x=StrOutputParser()),
        "pick": RunnablePick(["a", "b"]),
        "binding": llm.bind(stop=["x"]),
        "with_config": llm.with_config(run_name="translate", tags=["prod"]),
        "retry": llm.with_retry(stop_after_attempt=4),
        "fallbacks": llm.with_fallbacks([ChatOpenAI(model="gpt-4o-mini")]),
        "branch": RunnableBranch((RunnablePick("go"), StrOutputParser()), StrOutputParser()),
        "each": StrOutputParser().map(),
        "lambda": RunnableLambda(lambda x: x),
        "chat_prompt_value": ChatPromptValue(messages=[HumanMessage("x")]),
        "string_prompt_value": StringPromptValue(text="x"),
    }


def main() -> None:
    data = {
        "langchain_core_version": langchain_core.__version__,
        "dumps": {name: dumpd(obj) for name, obj in objects().items()},
    }
    OUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
