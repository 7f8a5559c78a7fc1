"""No credential leaks from an error, whatever a hostile server echoes back.

A tiny server on 127.0.0.1 answers with the credential it received, spelled verbatim,
JSON-escaped (the first character, every character, mixed-case hex), percent-encoded, in a
non-JSON body, in a stream ``error`` event and in headers. For ``ChatOpenAI`` and
``AzureChatOpenAI`` with each kind of credential (API key, ``x-api-key`` header, static AD
token, sync and async AD token providers), the raised exception must not show it in ``str``,
``repr``, a formatted traceback, ``body``, notes, ``vars`` or its pickle.
"""

from __future__ import annotations

import itertools
import json
import pickle
import threading
import traceback
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from pipes import RunnableLambda
from pipes_openai import (
    AuthenticationError,
    AzureChatOpenAI,
    ChatOpenAI,
    OpenAIError,
    ResponseProtocolError,
    StreamEventError,
)
from pipes_openai._base import BaseChatOpenAI
from pipes_openai._secrets import Secrets

SECRET = "sk-hostile-SECRET-0123456789abcdefXYZ"


# -- the hostile server ------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        credential = self.server.credential_of(self.headers, self.path)
        answer = self.server.respond(credential)
        self.send_response(answer.status)
        self.send_header("content-type", answer.content_type)
        self.send_header("content-length", str(len(answer.body)))
        self.send_header("connection", "close")
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    respond: Callable[[str], Answer]
    credential_header = "authorization"
    received: list[str]

    def credential_of(self, headers: Any, path: str) -> str:
        if self.credential_header.startswith("?"):  # a query parameter
            query = parse_qs(urlsplit(path).query)
            value = query.get(self.credential_header[1:], [""])[0]
        else:
            value = str(headers.get(self.credential_header, ""))
        credential = value.removeprefix("Bearer ")
        self.received.append(credential)
        return credential


@pytest.fixture(scope="module")
def hostile() -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def root(server: _Server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


# -- spellings of the echoed credential ---------------------------------------------------------


def json_escape(text: str, *, upper: bool = False, every: int = 1) -> str:
    """Every ``every``-th character as ``\\uXXXX`` (hex in upper or lower case)."""
    out = []
    for i, char in enumerate(text):
        if i % every == 0:
            code = f"{ord(char):04x}"
            out.append("\\u" + (code.upper() if upper else code))
        else:
            out.append(char)
    return "".join(out)


def mixed_case_json_escape(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" if i % 2 else f"\\u{ord(c):04X}" for i, c in enumerate(text))


def percent_encode(text: str) -> str:
    return "".join(f"%{ord(c):02x}" if i % 2 else f"%{ord(c):02X}" for i, c in enumerate(text))


SPELLINGS: dict[str, Callable[[str], str]] = {
    "verbatim": lambda s: s,
    "json_first_char": lambda s: json_escape(s[:1]) + s[1:],  # \u0073k-...
    "json_every_char": json_escape,
    "json_every_char_upper": lambda s: json_escape(s, upper=True),
    "json_mixed_case_hex": mixed_case_json_escape,
    "json_every_other_char": lambda s: json_escape(s, every=2),
    "percent_encoded": lambda s: "https://proxy.example/v1?api-key=" + percent_encode(s),
}


def error_json(spelled: str) -> bytes:
    """An OpenAI-style 401 that echoes the credential in every field a server controls."""
    return (
        '{"error": {"message": "Incorrect API key provided: ' + spelled + '.", '
        '"type": "invalid_request_error ' + spelled + '", "code": "' + spelled + '", '
        '"param": "' + spelled + '", "innererror": {"' + spelled + '": ["' + spelled + '"]}}}'
    ).encode()


# -- the credentials under test -----------------------------------------------------------------


@dataclass
class Credential:
    name: str
    header: str  # where the server finds it
    build: Callable[[str], BaseChatOpenAI]
    async_only: bool = False


def _azure(url: str, **kwargs: Any) -> AzureChatOpenAI:
    return AzureChatOpenAI(
        azure_endpoint=url,
        azure_deployment="dep",
        api_version="2024-10-21",
        max_retries=0,
        **kwargs,
    )


def _fresh_tokens() -> Callable[[], str]:
    counter = itertools.count()
    return lambda: f"{SECRET}-aad-{next(counter)}"  # a new token per request, like a refresh


def _fresh_async_tokens() -> Callable[[], Awaitable[str]]:
    sync = _fresh_tokens()

    async def provider() -> str:
        return sync()

    return provider


CREDENTIALS = [
    Credential(
        "openai_api_key",
        "authorization",
        lambda url: ChatOpenAI(api_key=SECRET, base_url=url + "/v1", max_retries=0),
    ),
    Credential(
        "openai_x_api_key_header",
        "x-api-key",
        lambda url: ChatOpenAI(
            api_key="not-the-secret",
            base_url=url + "/v1",
            max_retries=0,
            default_headers={"x-api-key": SECRET},
        ),
    ),
    Credential(
        "openai_sig_query_parameter",
        "?sig",
        lambda url: ChatOpenAI(
            api_key="not-the-secret",
            base_url=url + "/v1",
            max_retries=0,
            default_query={"sig": SECRET},
        ),
    ),
    Credential("azure_api_key", "api-key", lambda url: _azure(url, api_key=SECRET)),
    Credential("azure_ad_token", "authorization", lambda url: _azure(url, azure_ad_token=SECRET)),
    Credential(
        "azure_ad_token_provider",
        "authorization",
        lambda url: _azure(url, azure_ad_token_provider=_fresh_tokens()),
    ),
    Credential(
        "azure_ad_async_token_provider",
        "authorization",
        lambda url: _azure(url, azure_ad_async_token_provider=_fresh_async_tokens()),
        async_only=True,
    ),
    Credential(
        "azure_async_fn_as_token_provider",
        "authorization",
        lambda url: _azure(url, azure_ad_token_provider=_fresh_async_tokens()),
        async_only=True,
    ),
]

MODES = ("invoke", "stream", "ainvoke", "astream")


def cred_named(name: str) -> Credential:
    return next(cred for cred in CREDENTIALS if cred.name == name)


def run(llm: Any, mode: str) -> None:
    """One call in ``mode`` (the async ones on their own event loop)."""
    import asyncio

    async def consume() -> None:
        if mode == "ainvoke":
            await llm.ainvoke("hi")
        else:
            async for _ in llm.astream("hi"):
                pass

    if mode == "invoke":
        llm.invoke("hi")
    elif mode == "stream":
        list(llm.stream("hi"))
    else:
        asyncio.run(consume())


def call(llm: Any, mode: str) -> BaseException:
    """Run one call that must fail; return what it raised."""
    with pytest.raises(OpenAIError) as info:
        run(llm, mode)
    return info.value


def views(exc: BaseException) -> dict[str, str]:
    """Everything of an exception a user, a log or a pickle can see."""
    pickled = pickle.dumps(exc)
    back = pickle.loads(pickled)
    return {
        "str": str(exc),
        "repr": repr(exc),
        "traceback": "".join(traceback.format_exception(exc)),
        "body": json.dumps(getattr(exc, "body", None), default=repr),
        "notes": repr(getattr(exc, "__notes__", [])),
        "vars": repr(vars(exc)),
        "args": repr(exc.args),
        "pickle": pickled.decode("latin-1"),
        "unpickled": repr(vars(back)) + str(back),
    }


def leaks(exc: BaseException, secret: str, *, only: tuple[str, ...] = ()) -> list[str]:
    """The views showing ``secret`` in any spelling, or a 10-character piece of it verbatim."""
    probe = Secrets([secret])
    pieces = [secret[i : i + 10] for i in range(len(secret) - 9)]
    found = []
    for name, text in views(exc).items():
        if only and name not in only:
            continue
        if probe.scrub(text) != text or any(piece in text for piece in pieces):
            found.append(name)
    return found


def mode_params() -> list[Any]:
    return [
        pytest.param(cred, mode, id=f"{cred.name}-{mode}")
        for cred in CREDENTIALS
        for mode in MODES
        if not (cred.async_only and not mode.startswith("a"))
    ]


def arm(server: _Server, cred: Credential, respond: Callable[[str], Answer]) -> BaseChatOpenAI:
    server.credential_header = cred.header
    server.received = []
    server.respond = respond
    return cred.build(root(server))


def sent_credentials(server: _Server) -> list[str]:
    # Proves each test really sent the secret (else it could not fail).
    assert server.received, "the server saw no request"
    assert all(c.startswith(SECRET) for c in server.received), "the credential was not sent"
    return server.received


# -- HTTP error statuses ------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", list(SPELLINGS))
@pytest.mark.parametrize(("cred", "mode"), mode_params())
def test_echoed_credential_never_leaks_from_a_status_error(
    hostile: _Server, cred: Credential, mode: str, spelling: str
) -> None:
    spell = SPELLINGS[spelling]
    llm = arm(hostile, cred, lambda c: Answer(401, error_json(spell(c))))
    exc = call(llm, mode)
    assert isinstance(exc, AuthenticationError)
    assert "***" in str(exc)  # scrubbed, not dropped: the user sees where the key was
    for credential in sent_credentials(hostile):
        assert leaks(exc, credential) == []


@pytest.mark.parametrize(
    ("content_type", "template"),
    [
        ("text/plain", "401 Unauthorized: invalid credential {} for this resource"),
        ("text/html", "<html><body><h1>401</h1><p>key={}</p></body></html>"),
    ],
    ids=["text", "html"],
)
@pytest.mark.parametrize(("cred", "mode"), mode_params())
def test_echoed_credential_never_leaks_from_a_non_json_body(
    hostile: _Server, cred: Credential, mode: str, content_type: str, template: str
) -> None:
    llm = arm(hostile, cred, lambda c: Answer(401, template.format(c).encode(), content_type))
    exc = call(llm, mode)
    assert isinstance(exc, AuthenticationError)
    assert exc.body is None
    for credential in sent_credentials(hostile):
        assert leaks(exc, credential) == []


def test_notes_added_by_a_sequence_do_not_leak(hostile: _Server) -> None:
    cred = cred_named("openai_api_key")
    llm = arm(hostile, cred, lambda c: Answer(401, error_json(c)))
    chain = RunnableLambda(lambda text: text) | llm
    with pytest.raises(AuthenticationError) as info:
        chain.invoke("hi")
    assert getattr(info.value, "__notes__", [])  # the sequence did add a note
    assert leaks(info.value, SECRET) == []


def test_rotated_tokens_are_all_scrubbed(hostile: _Server) -> None:
    # The server answers with the token of the previous request: still scrubbed.
    cred = cred_named("azure_ad_token_provider")
    previous: list[str] = []

    def respond(credential: str) -> Answer:
        echoed = previous[-1] if previous else credential
        previous.append(credential)
        return Answer(401, error_json(f"{echoed} (now {credential})"))

    llm = arm(hostile, cred, respond)
    for _ in range(3):
        exc = call(llm, "invoke")
        for credential in sent_credentials(hostile):
            assert leaks(exc, credential) == []
    assert len(set(hostile.received)) == 3


# -- stream error events ------------------------------------------------------------------------

_CHUNK = (
    b'data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m",'
    b'"choices":[{"index":0,"delta":{"role":"assistant","content":"hi"},"finish_reason":null}]}'
    b"\n\n"
)


def stream_error(spelled: str, *, named: bool) -> Answer:
    event = b"event: error\n" if named else b""
    body = (
        '{"error": {"message": "upstream rejected ' + spelled + '", "type": "server_error", '
        '"code": null}}'
    ).encode()
    return Answer(200, _CHUNK + event + b"data: " + body + b"\n\n", "text/event-stream")


def stream_params() -> list[Any]:
    return [
        pytest.param(cred, mode, spelling, named, id=f"{cred.name}-{mode}-{spelling}-{named}")
        for cred in CREDENTIALS
        for mode in ("stream", "astream")
        for spelling in ("verbatim", "json_every_char", "json_mixed_case_hex")
        for named in (True, False)
        if not (cred.async_only and mode == "stream")
    ]


@pytest.mark.parametrize(("cred", "mode", "spelling", "named"), stream_params())
def test_stream_error_event_message_never_leaks(
    hostile: _Server, cred: Credential, mode: str, spelling: str, named: bool
) -> None:
    spell = SPELLINGS[spelling]
    llm = arm(hostile, cred, lambda c: stream_error(spell(c), named=named))
    exc = call(llm, mode)
    assert isinstance(exc, StreamEventError)
    assert "***" in str(exc)
    for credential in sent_credentials(hostile):
        assert leaks(exc, credential, only=("str", "repr", "traceback", "notes", "args")) == []


@pytest.mark.parametrize(
    ("cred", "mode"),
    [
        (cred_named("openai_api_key"), "stream"),
        (cred_named("azure_ad_async_token_provider"), "astream"),
    ],
    ids=["api_key-stream", "async_token_provider-astream"],
)
def test_stream_error_event_body_never_leaks(hostile: _Server, cred: Credential, mode: str) -> None:
    llm = arm(hostile, cred, lambda c: stream_error(json_escape(c), named=True))
    exc = call(llm, mode)
    assert isinstance(exc, StreamEventError)
    for credential in sent_credentials(hostile):
        assert leaks(exc, credential) == []


# -- echoes outside the body: a request id, a snippet cut around the key -------------------------


def test_credential_echoed_as_request_id_never_leaks(hostile: _Server) -> None:
    cred = cred_named("openai_api_key")
    llm = arm(hostile, cred, lambda c: Answer(401, error_json("x"), headers={"x-request-id": c}))
    exc = call(llm, "invoke")
    assert leaks(exc, SECRET) == []


@pytest.mark.parametrize("mode", ["invoke", "stream"])
def test_credential_cut_by_a_snippet_never_leaks_in_part(hostile: _Server, mode: str) -> None:
    cred = cred_named("openai_api_key")

    def respond(credential: str) -> Answer:
        junk = "x" * (200 - len(credential) // 2)  # the key straddles byte 200
        if mode == "invoke":
            return Answer(200, (junk + credential).encode(), "text/plain")
        return Answer(200, f"data: {junk}{credential}\n\n".encode(), "text/event-stream")

    llm = arm(hostile, cred, respond)
    exc = call(llm, mode)
    assert isinstance(exc, ResponseProtocolError)
    assert leaks(exc, SECRET) == []
