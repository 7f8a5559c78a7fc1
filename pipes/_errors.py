"""The exception tree of pipes.

Every exception pipes raises derives from [`PipesError`][pipes.PipesError] *and* from the builtin it
refines (as attrs does), so `except ValueError` keeps working for code that does not
know about pipes:

```python
try:
    prompt.invoke({})
except KeyError as exc:  # a MissingVariablesError is a KeyError too
    ...
```

Tree:

```text
PipesError(Exception)
├── InvalidRunnableError(PipesError, TypeError)      piping or coercing a non-runnable
├── InputTypeError(PipesError, TypeError)            input of the wrong type where checkable
├── RecursionLimitError(PipesError, RecursionError)  runnables returning runnables too deep
├── NotImplementedInvokeError(PipesError, NotImplementedError)
├── ConfigurationError(PipesError, ValueError)       bad configurable fields, keys or providers
├── TemplateError(PipesError, ValueError)            a template that cannot be built
│   └── UnsafeTemplateError(TemplateError)           attribute/index/format-spec access etc.
├── MissingVariablesError(PipesError, KeyError)      prompt invoked without some variables
├── MessageConversionError(PipesError, ValueError)   something that is not a message-like
│   └── MessageMergeError                            chunks that cannot be added together
├── SchemaConversionError(PipesError, ValueError)    (pipes._schema._errors)
│   ├── StrictSchemaError                            what strict mode cannot express
│   └── InvalidDocstringError                        a docstring that cannot be parsed
├── OutputParserException(PipesError, ValueError)    a parser could not parse (keeps the text)
├── ToolException(PipesError, RuntimeError)          a tool failed in a way meant for the model
├── ToolInputError(PipesError, ValueError)           (pipes._tools._errors) bad tool arguments
├── LoadError(PipesError, ValueError)               (pipes._load._errors) a refused document
├── ScriptExhaustedError(PipesError, IndexError)     (pipes.testing) a fake ran out of replies
├── RemoteRunnableError(PipesError, RuntimeError)    (pipes.serve) a server answered an error
│   ├── RemoteInputError                             422/413/400: the request was refused
│   └── RemoteAuthenticationError                    401: wrong or missing API key
├── ServeTargetError(PipesError, ValueError)         (pipes.serve) a bad `pipes serve` target
└── ChatModelError(PipesError, RuntimeError)         base for provider errors (see providers)
```

The schema, tool, testing and serve exceptions live in their packages (named above), each package's
in one module; the others are here, where every layer can import them.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ChatModelError",
    "ConfigurationError",
    "InputTypeError",
    "InvalidRunnableError",
    "MessageConversionError",
    "MessageMergeError",
    "MissingVariablesError",
    "NotImplementedInvokeError",
    "OutputParserException",
    "PipesError",
    "RecursionLimitError",
    "TemplateError",
    "ToolException",
    "UnsafeTemplateError",
]


class PipesError(Exception):
    """Base class of every exception raised by pipes and its providers."""


class InvalidRunnableError(PipesError, TypeError):
    """An object cannot be used as a runnable (e.g. `chain | 42`)."""


class InputTypeError(PipesError, TypeError):
    """A runnable received input of a type it cannot accept."""


class RecursionLimitError(PipesError, RecursionError):
    """Runnables kept returning runnables past `config["recursion_limit"]`."""


class NotImplementedInvokeError(PipesError, NotImplementedError):
    """A runnable does not implement the method that was called (e.g. sync on async-only)."""


class ConfigurationError(PipesError, ValueError):
    """A configurable runnable or `init_chat_model` got something it cannot use.

    A field that does not exist, a per-call value of the wrong type, an unknown alternative
    or an unknown model provider; the message names it and what would be accepted.
    """


class TemplateError(PipesError, ValueError):
    """A template is malformed."""


class UnsafeTemplateError(TemplateError):
    """A template tries to reach something templates may not reach (attributes, indexes, ...)."""


class MissingVariablesError(PipesError, KeyError):
    """A prompt was invoked without all the variables it needs.

    `missing`, `expected` and `supplied` hold the variable names.
    """

    def __init__(
        self, message: str, *, missing: list[str], expected: list[str], supplied: list[str]
    ) -> None:
        super().__init__(message)
        self.message = message
        self.missing = missing
        self.expected = expected
        self.supplied = supplied

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


class MessageConversionError(PipesError, ValueError):
    """A value could not be converted to a chat message."""


class OutputParserException(PipesError, ValueError):
    """A parser could not parse the model output; `llm_output` keeps the raw text."""

    def __init__(
        self,
        message: str,
        *,
        llm_output: str | None = None,
        observation: str | None = None,
        send_to_llm: bool = False,
    ) -> None:
        super().__init__(message)
        self.llm_output = llm_output
        self.observation = observation
        self.send_to_llm = send_to_llm


class ToolException(PipesError, RuntimeError):
    """Raised by a tool to report an error that may be handed back to the model."""


class ChatModelError(PipesError, RuntimeError):
    """Base class for errors raised by chat-model providers."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.details = details


class MessageMergeError(MessageConversionError):
    """Message chunks that cannot be merged (different message types, roles or tool call ids)."""


def missing_extra(package: str, needs: str, extra: str, instead: str) -> ImportError:
    """The error of an optional package whose dependency is not installed: what it needs and
    how to install it (raise it `from` the original ImportError)."""
    return ImportError(
        f"{package} needs {needs}: install it with `pip install 'pipes-llm[{extra}]'` "
        f"(or `pip install {instead}`)."
    )
