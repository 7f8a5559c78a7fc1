"""``Secrets``: every spelling of every registered value is scrubbed; the credential rule."""

from __future__ import annotations

import json
import pickle
import threading
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from pipes_openai._secrets import (
    REDACTED,
    Secrets,
    credential_values,
    hide_credentials,
    hide_url_password,
    is_credential_name,
    reveal_credentials,
    url_passwords,
)

KEY = "sk-live-0123456789abcdef"

# -- examples ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelled",
    [
        KEY,
        "\\u0073k-live-0123456789abcdef",  # the first character, as OpenAI's JSON echoes do
        "".join(f"\\u{ord(c):04x}" for c in KEY),
        "".join(f"\\u{ord(c):04X}" for c in KEY),
        "".join(f"\\u{ord(c):04x}" if i % 2 else f"\\u{ord(c):04X}" for i, c in enumerate(KEY)),
        "".join(f"%{ord(c):02x}" for c in KEY),
        "".join(f"%{ord(c):02X}" if i % 3 else c for i, c in enumerate(KEY)),
    ],
)
def test_every_spelling_is_scrubbed(spelled: str) -> None:
    secrets = Secrets([KEY])
    assert secrets.scrub(f'{{"error": "bad key {spelled}."}}') == '{"error": "bad key ***."}'


def test_json_encoder_spellings_are_scrubbed() -> None:
    secret = 'k/e"y\\with\nescapes\t€ and 😀 +'
    secrets = Secrets([secret])
    for ensure_ascii in (True, False):
        text = json.dumps({"message": f"echo {secret} end"}, ensure_ascii=ensure_ascii)
        assert json.loads(secrets.scrub(text)) == {"message": "echo *** end"}
    for encoded in (quote(secret, safe=""), quote_plus(secret), secret.replace("/", "\\/")):
        assert secrets.scrub(f"url?key={encoded}&x") == "url?key=***&x"


def test_longest_secret_wins_and_data_is_scrubbed_deeply() -> None:
    secrets = Secrets(["abc", "abcdef"])
    assert secrets.scrub("abcdef abc") == "*** ***"
    data = {"abc": ["x abcdef", {"k": "abc"}, 3, None], "n": 1.5}
    assert secrets.scrub_data(data) == {"***": ["x ***", {"k": "***"}, 3, None], "n": 1.5}
    assert Secrets().scrub_data(data) is data  # nothing to scrub: no copy


def test_values_are_never_shown() -> None:
    secrets = Secrets([KEY, "", None])  # type: ignore[list-item]
    secrets.add(KEY)
    assert (len(secrets), bool(secrets), KEY in secrets) == (1, True, True)
    assert KEY not in repr(secrets)
    assert repr(secrets) == "Secrets(<1 hidden>)"
    assert not Secrets()
    assert Secrets().scrub(KEY) == KEY


def test_short_lived_values_are_bounded_lasting_ones_are_not() -> None:
    secrets = Secrets([KEY], max_short_lived=2)
    for i in range(4):
        secrets.add(f"token-{i}", short_lived=True)
    secrets.add("token-3", short_lived=True)  # known: no reordering, no growth
    assert secrets.scrub(f"{KEY} token-0 token-1 token-2 token-3") == "*** token-0 token-1 *** ***"
    secrets.add("token-2")  # promoted: never dropped again
    for i in range(4, 8):
        secrets.add(f"token-{i}", short_lived=True)
    assert secrets.scrub("token-2 token-5 token-6 token-7") == "*** token-5 *** ***"
    assert len(secrets) == 4
    with pytest.raises(ValueError, match="max_short_lived"):
        Secrets(max_short_lived=0)


def test_pickle_keeps_values_and_their_kind() -> None:
    secrets = Secrets([KEY], max_short_lived=2)
    secrets.add("tok-a", short_lived=True)
    back = pickle.loads(pickle.dumps(secrets))
    assert back.scrub(f"{KEY} tok-a") == "*** ***"
    back.add("tok-b", short_lived=True)
    back.add("tok-c", short_lived=True)
    assert back.scrub(f"{KEY} tok-a") == "*** tok-a"  # tok-a was short-lived after the trip


def test_concurrent_adds_lose_nothing() -> None:
    secrets = Secrets()
    barrier = threading.Barrier(8)

    def add_many(worker: int) -> None:
        barrier.wait()
        for i in range(50):
            secrets.add(f"secret-{worker}-{i:03d}")
            secrets.scrub("secret-0-000")

    threads = [threading.Thread(target=add_many, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(secrets) == 400
    assert secrets.scrub("secret-7-049 secret-0-000") == "*** ***"


# -- the credential rule --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Authorization",
        "proxy-authorization",
        "api-key",
        "X-API-Key",
        "x-auth-token",
        "Cookie",
        "client_secret",
        "password",
        "X-Amz-Signature",
        "sig",
        "code",
        "access_token",
        "credential",
    ],
)
def test_credential_names(name: str) -> None:
    assert is_credential_name(name)


@pytest.mark.parametrize(
    "name", ["user-agent", "x-request-id", "api-version", "OpenAI-Organization", "signal"]
)
def test_other_names(name: str) -> None:
    assert not is_credential_name(name)


def test_credential_values_split_schemes_and_lists() -> None:
    params: dict[str, Any] = {
        "Authorization": "Bearer tok-1",
        "x-api-key": SecretStr("hk"),
        "key": ["q1", "q2"],
        "user-agent": "me",
    }
    assert list(credential_values(params)) == ["Bearer tok-1", "tok-1", "hk", "q1", "q2"]
    assert list(credential_values(None)) == []


# -- properties ------------------------------------------------------------------------------------

# Filler never takes part in a spelling (no backslash, %, +, hex digit, u or escape letter), and
# secrets never contain it: the scrubbed text must then be exactly the filler around "***".
_FILLER = "#!~^|<>;"
_secret_chars = st.characters(exclude_categories=("Cs",), exclude_characters=_FILLER)
_SHORT = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n"}
_SHORT |= {"\r": "\\r", "\t": "\\t"}


def _cased(text: str, upper: bool) -> str:
    return text.upper() if upper else text.lower()


@st.composite
def _spelled(draw: st.DrawFn, secret: str) -> str:
    """``secret`` with each character in a randomly chosen spelling a server may use."""
    out = []
    for char in secret:
        code = ord(char)
        options = ["raw", "json", "percent"]
        if char in _SHORT:
            options.append("short")
        if char == " ":
            options.append("plus")
        how = draw(st.sampled_from(options))
        upper = draw(st.booleans())
        if how == "raw":
            out.append(char)
        elif how == "json" and code < 0x10000:
            out.append("\\u" + _cased(f"{code:04x}", upper))
        elif how == "json":
            high, low = divmod(code - 0x10000, 0x400)
            pair = (0xD800 + high, 0xDC00 + low)
            out.append("".join("\\u" + _cased(f"{unit:04x}", upper) for unit in pair))
        elif how == "percent":
            out.append("".join("%" + _cased(f"{b:02x}", upper) for b in char.encode()))
        elif how == "short":
            out.append(_SHORT[char])
        else:
            out.append("+")
    return "".join(out)


@settings(derandomize=True, max_examples=300, deadline=None)
@given(
    secret=st.text(_secret_chars, min_size=1, max_size=24),
    fillers=st.lists(st.text(_FILLER, max_size=6), min_size=2, max_size=4),
    data=st.data(),
)
def test_no_spelling_mix_survives(secret: str, fillers: list[str], data: st.DataObject) -> None:
    spelled = [data.draw(_spelled(secret)) for _ in fillers[1:]]
    text = fillers[0] + "".join(s + f for s, f in zip(spelled, fillers[1:], strict=True))
    expected = fillers[0] + "".join(REDACTED + f for f in fillers[1:])
    assert Secrets([secret]).scrub(text) == expected


@settings(derandomize=True, max_examples=200, deadline=None)
@given(
    secret=st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=24),
    before=st.text(max_size=10),
    after=st.text(max_size=10),
    ensure_ascii=st.booleans(),
)
def test_json_and_urls_never_carry_the_secret_after_scrubbing(
    secret: str, before: str, after: str, ensure_ascii: bool
) -> None:
    assume("*" not in secret)  # "***" itself would spell it
    secrets = Secrets([secret])
    text = json.dumps({"m": before + secret + after}, ensure_ascii=ensure_ascii)
    try:
        scrubbed = json.loads(secrets.scrub(text))
    except ValueError:  # the secret spells JSON structure too ('{"'): nothing left to decode
        assume(False)
    for value in (scrubbed, secrets.scrub_data(json.loads(text))):
        assert secret not in json.dumps(value, ensure_ascii=False)
    url = "https://h/v1?key=" + quote_plus(before + secret + after)
    assert secret not in unquote_plus(secrets.scrub(url))


@pytest.mark.parametrize(
    ("url", "hidden", "passwords"),
    [
        ("https://me:pw@proxy/v1", "https://me:***@proxy/v1", ["pw"]),
        ("http://u:p@ss@host:8/v1?x=a:b@c", "http://u:***@host:8/v1?x=a:b@c", ["p@ss"]),
        ("http://u:p%40ss@h/v1", "http://u:***@h/v1", ["p%40ss", "p@ss"]),
        ("http://host/v1?k=a:b@c", "http://host/v1?k=a:b@c", []),
        ("http://u@host/v1", "http://u@host/v1", []),
        ("http://[::1", "http://[::1", []),  # urlsplit raises here; a repr must not
        (None, None, []),
    ],
)
def test_url_passwords(url: str | None, hidden: str | None, passwords: list[str]) -> None:
    assert hide_url_password(url) == hidden
    assert list(dict.fromkeys(url_passwords(url))) == passwords


def test_hide_and_reveal_credentials_round_trip() -> None:
    params = {"x-api-key": "k", "key": ["a", "b"], "x-team": "t"}
    hidden = hide_credentials(params)
    assert hidden == {
        "x-api-key": SecretStr("k"),
        "key": [SecretStr("a"), SecretStr("b")],
        "x-team": "t",
    }
    assert reveal_credentials(hidden) == params
    assert hide_credentials(None) is None
    assert reveal_credentials(None) is None
