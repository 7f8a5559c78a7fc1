"""Chat history: stored conversations and a runnable that reads and extends them.

```python
from pipes import InMemoryChatMessageHistory, RunnableWithMessageHistory

store = {}
chat = RunnableWithMessageHistory(
    prompt | model,
    lambda session_id: store.setdefault(session_id, InMemoryChatMessageHistory()),
    input_messages_key="question",
    history_messages_key="history",
)
chat.invoke({"question": "hi"}, config={"configurable": {"session_id": "abc"}})
```

This layer sits above prompts and below models: it builds only on the public core.
"""

from __future__ import annotations

from ._base import BaseChatMessageHistory, InMemoryChatMessageHistory
from ._runnable import RunnableWithMessageHistory

__all__ = [
    "BaseChatMessageHistory",
    "InMemoryChatMessageHistory",
    "RunnableWithMessageHistory",
]
