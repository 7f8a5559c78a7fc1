"""The runnable core: knows nothing of messages or models.

Each name loads its module on first use (PEP 562), so a program pays only for the parts of the
core it touches: a chat model's first call never loads graphs, fallbacks, retries, branches,
configurable alternatives or the event stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipes._lazy import install_lazy_getattr

if TYPE_CHECKING:
    from ._binding import RunnableBinding, RunnableEach
    from ._branch import RunnableBranch
    from ._callbacks import AsyncCallbackHandler, BaseCallbackHandler, RetryState
    from ._chunks import AddableDict, merge_chunks
    from ._coerce import coerce_to_runnable
    from ._config import RunnableConfig, ensure_config, get_config, merge_configs
    from ._configurable import (
        ConfigurableField,
        ConfigurableFieldSpec,
        DynamicRunnable,
        RunnableConfigurableAlternatives,
        RunnableConfigurableFields,
    )
    from ._events import CustomStreamEvent, EventData, StandardStreamEvent, StreamEvent
    from ._fallbacks import RunnableWithFallbacks
    from ._graph import Edge, Graph, Node
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
    from ._progress import set_batch_progress
    from ._retry import RunnableRetry
    from ._runnable import Runnable
    from ._sequence import RunnableSequence
    from ._threads import run_in_thread


install_lazy_getattr(globals())

__all__ = [
    "AddableDict",
    "AsyncCallbackHandler",
    "BaseCallbackHandler",
    "ConfigurableField",
    "ConfigurableFieldSpec",
    "CustomStreamEvent",
    "DynamicRunnable",
    "Edge",
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
    "RunnableConfigurableAlternatives",
    "RunnableConfigurableFields",
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
    "set_batch_progress",
]
