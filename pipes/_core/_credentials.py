"""Which setting names hold credentials: one rule for everything pipes must never show.

Config specs leave a credential's default out, configurable errors do not echo its value, run
metadata (`invocation_params`) leaves it out and cache keys write `<redacted>` for it. A name
holds a credential when it contains `api_key`/`apikey`, `access_key`, `private_key`, `secret`,
`password`, `passphrase`, `credential` or `token` (`auth_token`, `azure_ad_token`), but not
`tokens`: `max_tokens` counts tokens, and hiding it would, for one, give two models with
different limits the same cache key. Values of pydantic's secret types are hidden whatever
their name.

Example:
    ```python
    is_credential_name("openai_api_key")  # True
    is_credential_name("max_tokens")      # False
    ```
"""

from __future__ import annotations

import re

__all__ = ["is_credential_name"]

_CREDENTIAL = re.compile(
    r"api_?key|access_?key|private_?key|secret|password|passphrase|credential|token(?!s)",
    re.IGNORECASE,
)


def is_credential_name(name: str) -> bool:
    """Does a setting called `name` hold a credential (`api_key`, `auth_token`, ...)?"""
    return _CREDENTIAL.search(name) is not None
