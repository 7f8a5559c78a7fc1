"""`/playground` in a real headless Chromium: the form comes from the input schema, and typing
an input streams the answer in."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from pipes import ChatPromptTemplate, StrOutputParser
from pipes.serve import create_app
from pipes.testing import FakeChatModel

Serve = Callable[..., str]

CHROMIUM = Path(os.environ.get("PIPES_CHROMIUM", "/usr/bin/chromium"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"no Chromium at {CHROMIUM}: `apt-get install -y chromium` (or set PIPES_CHROMIUM)"
        " to run the playground test",
    ),
]


def test_typing_an_input_streams_the_answer(serve: Serve) -> None:
    from playwright.sync_api import sync_playwright

    prompt = ChatPromptTemplate.from_messages([("human", "Translate {text} into {language}")])
    model = FakeChatModel(responses=["Bonjour le monde entier"], cycle=True)
    url = serve(create_app(prompt | model | StrOutputParser(), name="translate", api_key="pk-1"))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url + "/playground")
            assert page.title().startswith("translate")
            page.fill("#api-key", "pk-1")
            page.dispatch_event("#api-key", "change")  # the schema needs the key
            page.wait_for_selector("#field-language", timeout=10_000)
            assert page.locator("#field-text").count() == 1  # one field per variable
            # count every change of the output box: a streamed answer arrives in pieces
            page.evaluate(
                """() => { window.updates = 0; new MutationObserver(() => window.updates++)
                .observe(document.getElementById('output'),
                         {childList: true, characterData: true, subtree: true}); }"""
            )
            page.fill("#field-text", "Hello world")
            page.fill("#field-language", "French")
            page.click("#run")
            page.wait_for_selector("#status:text-is('done')", timeout=10_000)
            assert page.text_content("#output") == "Bonjour le monde entier"
            assert page.evaluate("window.updates") > 1
            events = page.locator("#events li").all_text_contents()
            assert events[0].startswith("on_chain_start")
            assert any(e.startswith("on_chat_model_stream") for e in events)
            assert errors == []
        finally:
            browser.close()


def test_a_failing_run_is_shown(serve: Serve) -> None:
    from playwright.sync_api import sync_playwright

    def refuse(value: object) -> str:
        raise ValueError("not today")

    prompt = ChatPromptTemplate.from_messages([("human", "{text}")])
    url = serve(create_app(prompt | refuse))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page()
            page.goto(url + "/playground")
            page.wait_for_selector("#field-text", timeout=10_000)
            page.fill("#field-text", "hi")
            page.click("#run")
            page.wait_for_selector("#status.error", timeout=10_000)
            assert page.text_content("#status") == "ValueError: not today"
        finally:
            browser.close()
