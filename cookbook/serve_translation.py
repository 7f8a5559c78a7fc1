"""Serve the notebook's translation chain over HTTP, then call it with `RemoteRunnable` and with
the official `openai` SDK.

    python cookbook/serve_translation.py

In your own project the server is one command, `pipes serve translate:app`, and the clients run
elsewhere; here the server runs in a thread of this script (uvicorn on a free loopback port), so
the whole round trip fits in one file.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openai
import uvicorn
from _backend import Emulator, run, say, section

from pipes import ChatPromptTemplate, RunnableLambda, StrOutputParser
from pipes.serve import RemoteInputError, RemoteRunnable, add_routes
from pipes_openai import ChatOpenAI


def build_app() -> Any:
    """What `translate.py` holds in a real project: the chain, and the app serving it."""
    from starlette.applications import Starlette

    prompt = ChatPromptTemplate.from_messages(
        [
            (
                "system",
                "You are a helpful assistant that translates {input_language} to "
                "{output_language}.",
            ),
            ("human", "{input}"),
        ]
    )
    chain = prompt | ChatOpenAI(model="gpt-4o-mini", temperature=0) | StrOutputParser()
    # the same chain as an OpenAI "model": a conversation in, its last message translated
    to_french = RunnableLambda(
        lambda messages: {
            "input_language": "English",
            "output_language": "French",
            "input": messages[-1].content,
        }
    )
    app = Starlette()
    add_routes(app, chain, path="/translate", name="translate")
    add_routes(app, to_french | chain, path="/french", name="french")
    return app


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Serve `app` on a free loopback port for the duration of the block; yield its URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # listening already: clients may connect before uvicorn is up
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True  # graceful: in-flight requests finish first
        thread.join(10)
        sock.close()


def main(emulator: Emulator | None) -> None:
    with serving(build_app()) as url:
        print(f"serving on {url}: /translate and /french (see {url}/translate/playground)")

        section("RemoteRunnable: the served chain, called like a local one")
        translate = RemoteRunnable(url + "/translate")
        question = {
            "input_language": "English",
            "output_language": "German",
            "input": "I love programming.",
        }
        say(emulator, "Ich liebe das Programmieren.")
        print("invoke:", translate.invoke(question))

        say(emulator, "J'adore la programmation.")
        print("stream: ", end="")
        for chunk in translate.stream({**question, "output_language": "French"}):
            print(chunk, end="|", flush=True)
        print()

        say(emulator, "Me encanta programar.", "Amo programmare.")
        answers = translate.batch(
            [
                {**question, "output_language": "Spanish"},
                {**question, "output_language": "Italian"},
            ]
        )
        # The server runs a batch concurrently, so on the emulator each scripted reply goes to
        # whichever request arrives first: print them in a stable order.
        print("batch:", " / ".join(sorted(answers)))

        say(emulator, "Ich liebe das Programmieren.")
        print("composed:", (translate | str.upper).invoke(question))

        try:
            translate.invoke({"input": "I love programming."})
        except RemoteInputError as exc:
            print(f"bad input: {exc.status_code} {exc.message}")

        section("the openai SDK: the chain as a model")
        client = openai.OpenAI(base_url=url + "/french/v1", api_key="unused", max_retries=0)
        print("models:", [model.id for model in client.models.list()])
        say(emulator, "J'adore la programmation.")
        reply = client.chat.completions.create(
            model="french", messages=[{"role": "user", "content": "I love programming."}]
        )
        print("completion:", reply.choices[0].message.content)
        say(emulator, "Bonjour tout le monde !")
        stream = client.chat.completions.create(
            model="french", messages=[{"role": "user", "content": "Hello everyone!"}], stream=True
        )
        pieces = [c.choices[0].delta.content for c in stream if c.choices]
        print("streamed:", "|".join(piece for piece in pieces if piece))
        # This chain ends in StrOutputParser, so it reports no token usage; serve a chain that
        # ends in the model (a message with usage_metadata) to get `usage` in the answers.


if __name__ == "__main__":
    run(main)
