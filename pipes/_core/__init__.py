"""The runnable core: knows nothing of messages or models.

Each name loads its module on first use (PEP 562), so a program pays only for the parts of the
core it touches: a chat model's first call never loads graphs, fallbacks, retries, branches,
configurable alternatives or the event stream.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipes._lazy import lazy_getattr

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

_LAZY: dict[str, str] = {
    "AddableDict": "pipes._core._chunks",
    "AsyncCallbackHandler": "pipes._core._callbacks",
    "BaseCallbackHandler": "pipes._core._callbacks",
    "ConfigurableField": "pipes._core._configurable",
    "ConfigurableFieldSpec": "pipes._core._configurable",
    "CustomStreamEvent": "pipes._core._events",
    "DynamicRunnable": "pipes._core._configurable",
    "Edge": "pipes._core._graph",
    "EventData": "pipes._core._events",
    "Graph": "pipes._core._graph",
    "Listener": "pipes._core._listeners",
    "Node": "pipes._core._graph",
    "RetryState": "pipes._core._callbacks",
    "Run": "pipes._core._listeners",
    "Runnable": "pipes._core._runnable",
    "RunnableAssign": "pipes._core._passthrough",
    "RunnableBinding": "pipes._core._binding",
    "RunnableBranch": "pipes._core._branch",
    "RunnableConfig": "pipes._core._config",
    "RunnableConfigurableAlternatives": "pipes._core._configurable",
    "RunnableConfigurableFields": "pipes._core._configurable",
    "RunnableEach": "pipes._core._binding",
    "RunnableGenerator": "pipes._core._lambda",
    "RunnableLambda": "pipes._core._lambda",
    "RunnableParallel": "pipes._core._parallel",
    "RunnablePassthrough": "pipes._core._passthrough",
    "RunnablePick": "pipes._core._passthrough",
    "RunnableRetry": "pipes._core._retry",
    "RunnableSequence": "pipes._core._sequence",
    "RunnableWithFallbacks": "pipes._core._fallbacks",
    "StandardStreamEvent": "pipes._core._events",
    "StreamEvent": "pipes._core._events",
    "adispatch_custom_event": "pipes._core._listeners",
    "chain": "pipes._core._lambda",
    "coerce_to_runnable": "pipes._core._coerce",
    "dispatch_custom_event": "pipes._core._listeners",
    "emit_event": "pipes._core._listeners",
    "ensure_config": "pipes._core._config",
    "get_config": "pipes._core._config",
    "listening": "pipes._core._listeners",
    "merge_chunks": "pipes._core._chunks",
    "merge_configs": "pipes._core._config",
    "run_in_thread": "pipes._core._threads",
    "set_batch_progress": "pipes._core._progress",
}

__getattr__ = lazy_getattr("pipes._core", _LAZY, globals())

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
