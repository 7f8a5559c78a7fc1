"""Make ``import pipes`` find the installed *pipes* package on Python 3.11 and 3.12.

Those versions still ship a deprecated standard-library module named ``pipes``
(removed in 3.13, PEP 594). The standard library sits before site-packages on
``sys.path``, so without help ``import pipes`` from a script outside a checkout
would load the stdlib module. ``pipes_llm.pth`` imports this module at interpreter
start-up; it installs a one-shot meta-path finder that resolves ``pipes`` from
the non-stdlib part of ``sys.path``. It costs one tiny import and imports
nothing else eagerly.
"""

from __future__ import annotations

import sys

if sys.version_info < (3, 13):
    import os

    class _PipesFinder:
        """Resolve the top-level name ``pipes`` past the standard library."""

        @staticmethod
        def find_spec(name: str, path: object = None, target: object = None) -> object:
            if name != "pipes" or path is not None:
                return None
            from importlib.machinery import PathFinder

            stdlib = os.path.dirname(os.__file__)
            search = [
                entry
                for entry in sys.path
                if entry and os.path.normcase(os.path.abspath(entry)) != os.path.normcase(stdlib)
            ]
            spec = PathFinder.find_spec(name, search)
            # Only claim the name for a package (ours); leave a plain module alone.
            if spec is None or not spec.submodule_search_locations:
                return None
            return spec

    if not any(type(f).__name__ == "_PipesFinder" or f is _PipesFinder for f in sys.meta_path):
        sys.meta_path.insert(0, _PipesFinder)  # type: ignore[arg-type]
