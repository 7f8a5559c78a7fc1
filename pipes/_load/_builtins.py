"""pipes' own serializable classes, added to the id table on the first dump or load.

Each layer's entries live in one module (`_ids_core`, `_ids_messages`, `_ids_prompts`,
`_ids_parsers`): under which id a class is written (LangChain's, where LangChain serializes the
class; `["pipes", ...]` otherwise), how its constructor kwargs are read from an object and how
it is rebuilt. Kept here, in one table, rather than as methods spread over the layers below.
"""

from __future__ import annotations

from . import _ids_core, _ids_messages, _ids_parsers, _ids_prompts
from ._table import register

__all__ = ["register_all"]


def register_all() -> None:
    """Register every pipes class (once, on the first dump or load)."""
    for module in (_ids_core, _ids_messages, _ids_prompts, _ids_parsers):
        for entry in module.entries():
            register(entry)
