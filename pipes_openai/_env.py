"""Environment resolution: parameter defaults read from environment variables.

Example:
    ```python
    from_env("OPENAI_BASE_URL", "OPENAI_API_BASE")  # the first one set and non-empty, else None
    secret_from_env("OPENAI_API_KEY")  # the same as a SecretStr (never shown in reprs)
    ```
"""

from __future__ import annotations

import os

from pydantic import SecretStr

__all__ = ["from_env", "secret_from_env"]


def from_env(*names: str) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def secret_from_env(*names: str) -> SecretStr | None:
    value = from_env(*names)
    return SecretStr(value) if value else None
