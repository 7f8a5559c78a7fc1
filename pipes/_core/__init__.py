"""The runnable core: knows nothing of messages or models."""

from ._binding import RunnableBinding, RunnableEach
from ._branch import RunnableBranch
from ._callbacks import AsyncCallbackHandler, BaseCallbackHandler, RetryState
from ._chunks import AddableDict, merge_chunks
from ._coerce import coerce_to_runnable
from ._config import RunnableConfig, ensure_config, get_config, merge_configs
from ._events import CustomStreamEvent, EventData, StandardStreamEvent, StreamEvent
from ._fallbacks import RunnableWithFallbacks
from ._graph import Graph, Node
from ._lambda import RunnableGenerator, RunnableLambda, chain
from ._listeners import (
    Listener,
    Run,
    adispatch_custom_event,
    dispatch_custom_event,
    emit_event,
    listening,
)
from ._parallel import RunnableParallel
from ._passthrough import RunnableAssign, RunnablePassthrough, RunnablePick
from ._retry import RunnableRetry
from ._runnable import Runnable
from ._sequence import RunnableSequence
from ._threads import run_in_thread

__all__ = [
    "AddableDict",
    "AsyncCallbackHandler",
    "BaseCallbackHandler",
    "CustomStreamEvent",
    "EventData",
    "Graph",
    "Listener",
    "Node",
    "RetryState",
    "Run",
    "Runnable",
    "RunnableAssign",
    "RunnableBinding",
    "RunnableBranch",
    "RunnableConfig",
    "RunnableEach",
    "RunnableGenerator",
    "RunnableLambda",
    "RunnableParallel",
    "RunnablePassthrough",
    "RunnablePick",
    "RunnableRetry",
    "RunnableSequence",
    "RunnableWithFallbacks",
    "StandardStreamEvent",
    "StreamEvent",
    "adispatch_custom_event",
    "chain",
    "coerce_to_runnable",
    "dispatch_custom_event",
    "emit_event",
    "ensure_config",
    "get_config",
    "listening",
    "merge_chunks",
    "merge_configs",
    "run_in_thread",
]
