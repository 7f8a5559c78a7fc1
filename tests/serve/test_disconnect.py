"""A client that goes away cancels its run, down to the upstream model request; shutdown lets
in-flight requests finish."""

from __future__ import annotations

import json
import socket
import threading
from typing import Any

import httpx

from pipes import ChatPromptTemplate, StrOutputParser
from pipes.serve import RemoteRunnable, create_app
from pipes_openai import ChatOpenAI
from pipes_openai.emulator import Emulator

from .conftest import serving


def _chain(emu: Emulator) -> Any:
    prompt = ChatPromptTemplate.from_messages([("human", "{text}")])
    model = ChatOpenAI(model="gpt-4o-mini", base_url=emu.base_url, api_key="sk-test", max_retries=0)
    return prompt | model | StrOutputParser()


def _wait_released(emu: Emulator) -> None:
    # Emulator.held drops when a parked request's handler is cancelled, which happens only when
    # its connection closes; the emulator notifies `_changed` on every change of `held`.
    with emu._changed:
        assert emu._changed.wait_for(lambda: emu.held == 0, 10), (
            "the emulator still holds the upstream request: the run was not cancelled"
        )


def test_client_disconnect_mid_stream_closes_the_upstream_request(emu: Emulator) -> None:
    emu.hold()
    with serving(create_app(_chain(emu))) as served:
        with httpx.Client(timeout=10) as client:
            with client.stream("POST", served.url + "/stream", json={"input": {"text": "hi"}}) as r:
                assert r.status_code == 200
                lines = r.iter_lines()  # kept: a dropped iterator would close the stream
                assert next(lines).startswith("event: metadata")  # the run is under way
                emu.wait_held(1)  # the upstream model request is parked in the emulator
            # leaving the block closes the connection mid-stream
        _wait_released(emu)
        assert emu.pending == 0


def test_client_disconnect_during_invoke_closes_the_upstream_request(emu: Emulator) -> None:
    emu.hold()
    with serving(create_app(_chain(emu))) as served:
        body = json.dumps({"input": {"text": "hi"}}).encode()
        port = int(served.url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                b"POST /invoke HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                + f"content-length: {len(body)}\r\n\r\n".encode()
                + body
            )
            emu.wait_held(1)  # the run waits for the model
        # the socket is closed: the client went away before the answer
        _wait_released(emu)


def test_graceful_shutdown_finishes_in_flight_requests(emu: Emulator) -> None:
    emu.hold()
    emu.script("finished anyway")
    served_cm = serving(create_app(_chain(emu)))
    served = served_cm.__enter__()
    remote = RemoteRunnable(served.url, timeout=10)
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(remote.invoke({"text": "hi"})))
    thread.start()
    try:
        emu.wait_held(1)
        served.server.should_exit = True  # what SIGTERM does: stop accepting, drain
        emu.release()
        thread.join(10)
        assert result == ["finished anyway"]
    finally:
        served_cm.__exit__(None, None, None)
        remote.close()
