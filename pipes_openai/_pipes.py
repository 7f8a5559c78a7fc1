"""The one place where ``pipes_openai`` imports from ``pipes``.

``pipes_openai`` must use only the public API of ``pipes`` (a CI test scans the imports). While
the lead has not re-exported every name from ``pipes/__init__.py`` yet, the names below come
from the private sub-packages; TODO(lead): re-export these from ``pipes`` and this module
switches to ``from pipes import ...``.

Names needed from ``pipes`` (top level):
    ChatModelError
"""

from __future__ import annotations

from pipes._errors import ChatModelError  # TODO: from pipes import ChatModelError

__all__ = ["ChatModelError"]
