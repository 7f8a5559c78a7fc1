"""The chat-model conformance kit: a pytest base class a provider's test suite subclasses.

Subclass :class:`ChatModelConformanceTests`, provide the ``chat_model`` fixture, declare what
the provider supports, and (when you have a test server) say how to script a reply or an
error; every behaviour pipes promises to users is then checked for your provider::

    import pytest
    from pipes.testing import ChatModelConformanceTests, ScriptedReply

    class TestChatAcme(ChatModelConformanceTests):
        supports_structured_output = True
        structured_output_methods = ("function_calling", "json_schema")
        provider_error_type = AcmeError

        @pytest.fixture
        def chat_model(self, acme_server):
            self.server = acme_server
            return ChatAcme(base_url=acme_server.url, api_key="test")

        def script_replies(self, chat_model, replies):
            for reply in replies:
                self.server.enqueue(text=reply.text, tool_calls=reply.tool_calls, usage=reply.usage)
            return True

        def script_error(self, chat_model):
            self.server.fail(500)
            return True

Without scripting (e.g. against a live API) the tests check shapes instead of exact values,
and the error tests are skipped. Async tests run their own event loop (``asyncio.run``), so
the kit needs no pytest plugin. This module imports pytest; ``pipes.testing`` loads it only
when ``ChatModelConformanceTests`` is used.
"""

from __future__ import annotations

from ._conformance_async import _AsyncTests
from ._conformance_structured import _StructuredOutputTests
from ._conformance_support import ScriptedReply
from ._conformance_sync import _SyncTests

__all__ = ["ChatModelConformanceTests", "ScriptedReply"]


class ChatModelConformanceTests(_SyncTests, _AsyncTests, _StructuredOutputTests):
    """Tests every pipes chat-model provider must pass; subclass it in your test suite.

    Override the ``chat_model`` fixture and the capability flags; override
    :meth:`script_replies` / :meth:`script_error` when a test server lets you decide the
    next reply (then exact values are checked and the error tests run).
    """
