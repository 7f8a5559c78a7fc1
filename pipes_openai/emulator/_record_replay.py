"""Record and replay: proxy to a real upstream and save the exchanges, or answer from a cassette."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._cassette import (
    Cassette,
    CassetteMiss,
    body_entry,
    redact_headers,
    redact_query,
    request_secrets,
    response_headers_to_keep,
)
from ._exchange import Exchange
from ._frames import build_response, chunk, stream_head
from ._http import Connection, HttpRequest
from ._wire import ApiError, dumps

if TYPE_CHECKING:
    import httpx

__all__ = ["RecordReplay"]

_HOP_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "accept-encoding",
        "te",
        "upgrade",
        "proxy-connection",
    }
)


class RecordReplay:
    """Loop side of `Emulator(upstream=..., record=...)` and `Emulator(cassette=...)`.

    The state is set up by `Emulator.__init__`; the httpx client is made on first use and
    closed with the server.
    """

    upstream: str | None
    _recorder: Cassette | None
    _player: Cassette | None
    _misses: list[CassetteMiss]
    _http: httpx.AsyncClient | None

    def _replay(self, req: HttpRequest, ex: Exchange) -> bytes:
        assert self._player is not None
        entry = body_entry(req.body)
        response = self._player.match(req.method, req.path, entry)
        if response is None:
            miss = self._player.miss(req.method, req.path, entry)
            self._misses.append(miss)
            return ex.error(
                ApiError(400, miss.message, type="invalid_request_error", code="cassette_miss")
            )
        # A replay sends the recorded headers (no more, no fewer: a cassette keeps what it
        # kept), and an x-request-id when the recording has none.
        headers = dict(response.get("headers") or {})
        content_type = headers.pop("content-type", "application/json")
        headers.setdefault("x-request-id", ex.request_id)
        if "json" in response:
            payload = dumps(response["json"]).encode()
        else:
            payload = str(response.get("text", "")).encode()
        return build_response(
            int(response.get("status", 200)),
            payload,
            headers.items(),
            content_type=content_type,
            keep_alive=ex.keep,
        )

    def _upstream_url(self, req: HttpRequest) -> str:
        assert self.upstream is not None
        path = req.path[3:] if req.path.startswith("/v1/") else req.path
        query = req.target.partition("?")[2]
        return self.upstream + path + (f"?{query}" if query else "")

    async def _proxy(self, conn: Connection, req: HttpRequest, request_id: str) -> bool:
        import httpx

        if self._http is None:
            self._http = httpx.AsyncClient(timeout=httpx.Timeout(120.0, connect=10.0))
        headers = {k: v for k, v in req.headers.items() if k not in _HOP_HEADERS}
        headers["accept-encoding"] = "identity"  # relay bytes exactly as the upstream sends them
        upstream_request = self._http.build_request(
            req.method, self._upstream_url(req), headers=headers, content=req.body
        )
        # Everything stored (and the 502 below, which names the URL) is scrubbed of these.
        secrets = request_secrets(req.headers, req.query)
        try:
            response = await self._http.send(upstream_request, stream=True)
        except httpx.HTTPError as exc:
            error = ApiError(
                502,
                secrets.scrub(
                    f"The emulator could not reach the upstream {self.upstream!r}: {exc!r}."
                ),
                code="upstream_unreachable",
            )
            conn.write(Exchange(request_id, req.keep_alive).error(error))
            return True
        received = bytearray()
        try:
            passthrough = [
                (k, v)
                for k, v in response.headers.items()
                if k.lower() not in _HOP_HEADERS and k.lower() not in ("content-type", "set-cookie")
            ]
            content_type = response.headers.get("content-type", "application/json")
            conn.write(stream_head(response.status_code, passthrough, content_type))
            async for piece in response.aiter_raw():
                received += piece
                conn.write(chunk(piece))
                await conn.drain()
            conn.write(b"0\r\n\r\n")
        finally:
            await response.aclose()
        if self._recorder is not None:
            request_entry: dict[str, Any] = {
                "method": req.method,
                "path": req.path,
                "query": redact_query(req.query),
                "headers": redact_headers(
                    {k: v for k, v in req.headers.items() if k not in _HOP_HEADERS},
                    private=True,
                ),
                **body_entry(req.body),
            }
            response_entry: dict[str, Any] = {
                "status": response.status_code,
                "headers": response_headers_to_keep(dict(response.headers)),
                **body_entry(bytes(received)),
            }
            self._recorder.add(
                secrets.scrub_data(request_entry), secrets.scrub_data(response_entry)
            )
        return True
