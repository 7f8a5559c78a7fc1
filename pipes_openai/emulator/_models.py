"""The models the emulator serves: ids, kinds, context windows and output limits.

[`ModelSpec`][pipes_openai.emulator.ModelSpec] describes one model; `DEFAULT_MODELS` holds
current OpenAI ids (with the dated snapshots clients pin) and their published limits.
`ModelRegistry` answers, for a request to an endpoint, the spec of its model or the error the
API gives: an unknown id is a 404 `model_not_found`, an embeddings model on Chat Completions a
404 "not a chat model", a chat model on embeddings a 400, a Responses-only model on Chat
Completions a 404; a prompt over the window a 400 `context_length_exceeded`, and
`max_tokens` / `max_completion_tokens` / `max_output_tokens` over the output limit a 400.

`ft:` fine-tune ids (`ft:gpt-4o-mini-2024-07-18:org::id`) are served with their base model's
kind and limits (the user's own models: the emulator cannot know which exist). Azure
deployment names are the user's own (`/openai/deployments/{name}/...`): they are not checked;
when the deployment (or the body's `model`) names a known model, its limits apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ._wire import ApiError

__all__ = ["DEFAULT_MODELS", "ModelKind", "ModelRegistry", "ModelSpec", "parse_model_option"]

ModelKind = Literal["chat", "responses", "embedding"]
_KINDS = ("chat", "responses", "embedding")
Endpoint = Literal["chat", "responses", "embeddings"]


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A model the emulator serves, with the limits it enforces.

    `kind`: `"chat"` (Chat Completions and Responses), `"responses"` (the Responses API only,
    like `o3-pro`) or `"embedding"`. `context_window` bounds the prompt (plus the requested
    output, when the request sets one) and `max_output_tokens` the requested output; `None`
    checks nothing.

    Example:
        ```python
        from pipes_openai.emulator import DEFAULT_MODELS, Emulator, ModelSpec

        emulator = Emulator(models=[*DEFAULT_MODELS, ModelSpec("my-model", 8192, 1024)])
        ```
    """

    id: str
    context_window: int | None = None
    max_output_tokens: int | None = None
    kind: ModelKind = "chat"
    owned_by: str = "system"

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"ModelSpec(id={self.id!r}) needs a non-empty model id.")
        if self.kind not in _KINDS:
            raise ValueError(
                f"ModelSpec(kind={self.kind!r}) is unknown; expected one of {', '.join(_KINDS)}."
            )
        for name in ("context_window", "max_output_tokens"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"ModelSpec({name}={value!r}) must be a positive int or None.")


def _family(
    ids: Iterable[str], context: int, output: int | None, kind: ModelKind = "chat"
) -> tuple[ModelSpec, ...]:
    return tuple(ModelSpec(i, context, output, kind) for i in ids)


# Published limits (platform.openai.com/docs/models), aliases and the snapshots clients pin.
DEFAULT_MODELS: tuple[ModelSpec, ...] = (
    *_family(("gpt-4o-mini", "gpt-4o-mini-2024-07-18"), 128_000, 16_384),
    *_family(("gpt-4o", "gpt-4o-2024-11-20", "gpt-4o-2024-08-06"), 128_000, 16_384),
    ModelSpec("gpt-4o-2024-05-13", 128_000, 4_096),
    *_family(("chatgpt-4o-latest", "gpt-4o-audio-preview"), 128_000, 16_384),
    *_family(
        (
            "gpt-4.1",
            "gpt-4.1-2025-04-14",
            "gpt-4.1-mini",
            "gpt-4.1-mini-2025-04-14",
            "gpt-4.1-nano",
            "gpt-4.1-nano-2025-04-14",
        ),
        1_047_576,
        32_768,
    ),
    *_family(
        (
            "gpt-5",
            "gpt-5-2025-08-07",
            "gpt-5-mini",
            "gpt-5-mini-2025-08-07",
            "gpt-5-nano",
            "gpt-5-nano-2025-08-07",
        ),
        400_000,
        128_000,
    ),
    ModelSpec("gpt-5-chat-latest", 128_000, 16_384),
    *_family(
        (
            "gpt-5.1",
            "gpt-5.1-2025-11-13",
            "gpt-5.2",
            "gpt-5.2-2025-12-11",
            "gpt-5.4-nano",
            "gpt-5.4-nano-2026-03-17",
        ),
        400_000,
        128_000,
    ),
    ModelSpec("gpt-5.1-chat-latest", 128_000, 16_384),
    *_family(("gpt-5.6-luna", "gpt-6-luna"), 1_050_000, 128_000),
    ModelSpec("gpt-5-pro", 400_000, 272_000, "responses"),
    *_family(("o1", "o1-2024-12-17"), 200_000, 100_000),
    ModelSpec("o1-pro", 200_000, 100_000, "responses"),
    *_family(
        (
            "o3",
            "o3-2025-04-16",
            "o3-mini",
            "o3-mini-2025-01-31",
            "o4-mini",
            "o4-mini-2025-04-16",
        ),
        200_000,
        100_000,
    ),
    ModelSpec("o3-pro", 200_000, 100_000, "responses"),
    *_family(("gpt-4-turbo", "gpt-4-turbo-2024-04-09"), 128_000, 4_096),
    *_family(("gpt-4", "gpt-4-0613"), 8_192, 8_192),
    *_family(("gpt-3.5-turbo", "gpt-3.5-turbo-0125", "gpt-3.5-turbo-1106"), 16_385, 4_096),
    *_family(
        ("text-embedding-3-small", "text-embedding-3-large", "text-embedding-ada-002"),
        8_192,
        None,
        "embedding",
    ),
)


def parse_model_option(text: str) -> ModelSpec:
    """`ID[:CONTEXT[:OUTPUT]]` (the `--model` option) as a chat `ModelSpec`; an id that is
    also a default model keeps that model's kind and limits unless they are given."""
    head, sep, rest = text.partition(":")
    if text.startswith("ft:"):  # a fine-tune id holds colons of its own
        head, sep, rest = text, "", ""
    base = next((m for m in DEFAULT_MODELS if m.id == head), None)
    numbers = rest.split(":") if sep else []
    if not head or len(numbers) > 2 or not all(n.isdigit() and int(n) > 0 for n in numbers):
        raise ValueError(
            f"--model {text!r}: expected ID, ID:CONTEXT or ID:CONTEXT:OUTPUT with positive"
            " token counts, e.g. --model my-model:8192:1024."
        )
    context = int(numbers[0]) if numbers else base.context_window if base else None
    output = int(numbers[1]) if len(numbers) > 1 else base.max_output_tokens if base else None
    return ModelSpec(head, context, output, base.kind if base else "chat")


def _not_found(model: str) -> ApiError:
    return ApiError(
        404,
        f"The model `{model}` does not exist or you do not have access to it."
        # The API's message, then how to serve it here (a suite upgrading must not guess).
        " (pipes emulator: serve it with Emulator(models=[*DEFAULT_MODELS,"
        f" {model!r}]) or --model {model}, or any id with Emulator(any_model=True) or"
        " --any-model.)",
        code="model_not_found",
    )


class ModelRegistry:
    """The models one emulator serves (`models`), or any id (`any_model`)."""

    def __init__(self, models: Iterable[str | ModelSpec], *, any_model: bool = False) -> None:
        defaults = {m.id: m for m in DEFAULT_MODELS}
        specs: dict[str, ModelSpec] = {}
        for model in models:
            if isinstance(model, str):
                model = defaults.get(model) or ModelSpec(model)
            elif not isinstance(model, ModelSpec):
                raise TypeError(
                    "Emulator(models=...) takes model ids or ModelSpec, got"
                    f" {type(model).__name__}: {model!r}."
                )
            specs[model.id] = model
        self.specs = specs
        self.any_model = any_model

    def find(self, model: str) -> ModelSpec | None:
        """The spec of `model`, `None` when unknown. A fine-tune (`ft:BASE:org::id`) is the
        user's own model, like an Azure deployment: always served, with its base's kind and
        limits when the base is known."""
        spec = self.specs.get(model)
        if spec is None and model.startswith("ft:"):
            base = self.specs.get(model.split(":")[1])
            if base is None:
                return ModelSpec(model, owned_by="user-emulator")
            return ModelSpec(
                model, base.context_window, base.max_output_tokens, base.kind, "user-emulator"
            )
        return spec

    def retrieve(self, model: str) -> ModelSpec:
        """`GET /v1/models/{model}`: its spec, or the 404."""
        spec = self.find(model)
        if spec is not None:
            return spec
        if self.any_model:
            return ModelSpec(model)
        raise _not_found(model)

    def resolve(
        self, model: object, endpoint: Endpoint, *, azure: bool = False
    ) -> ModelSpec | None:
        """The spec a request to `endpoint` runs on (`None`: no limits to check), or the
        error the API answers for its model."""
        if not isinstance(model, str):
            return None  # the request validation names a missing or mistyped model
        spec = self.find(model)
        if spec is None:
            if azure or self.any_model:
                return None
            raise _not_found(model)
        if endpoint == "embeddings" and spec.kind != "embedding":
            raise ApiError(
                400,
                f"The model `{model}` does not support embeddings: use an embedding model"
                " such as text-embedding-3-small.",
                param="model",
            )
        if endpoint != "embeddings" and spec.kind == "embedding":
            raise ApiError(
                404,
                "This is not a chat model and thus not supported in the v1/chat/completions"
                " endpoint. Did you mean to use v1/completions?",
                param="model",
                code=None,
            )
        if endpoint == "chat" and spec.kind == "responses":
            raise ApiError(
                404,
                "This model is only supported in v1/responses and not in v1/chat/completions.",
                param="model",
                code=None,
            )
        return spec


def check_output_limit(spec: ModelSpec | None, param: str, requested: object) -> None:
    """`requested` output tokens (`max_tokens`...) within the model's limit, or the 400."""
    limit = spec.max_output_tokens if spec is not None else None
    if limit is None or not isinstance(requested, int) or requested <= limit:
        return
    raise ApiError(
        400,
        f"{param} is too large: {requested}. This model supports at most {limit} completion"
        f" tokens, whereas you provided {requested}.",
        param=param,
        code=None,
    )


def check_chat_context(spec: ModelSpec | None, prompt: int, completion: object) -> None:
    """A Chat Completions prompt (plus the requested completion) within the window."""
    window = spec.context_window if spec is not None else None
    if window is None:
        return
    if isinstance(completion, int) and prompt + completion > window:
        message = (
            f"This model's maximum context length is {window} tokens. However, you requested"
            f" {prompt + completion} tokens ({prompt} in the messages, {completion} in the"
            " completion). Please reduce the length of the messages or completion."
        )
    elif prompt > window:
        message = (
            f"This model's maximum context length is {window} tokens. However, your messages"
            f" resulted in {prompt} tokens. Please reduce the length of the messages."
        )
    else:
        return
    raise ApiError(400, message, param="messages", code="context_length_exceeded")


def check_responses_context(spec: ModelSpec | None, prompt: int, output: object) -> None:
    """A Responses input (plus `max_output_tokens`) within the window."""
    window = spec.context_window if spec is not None else None
    total = prompt + (output if isinstance(output, int) else 0)
    if window is not None and total > window:
        raise ApiError(
            400,
            "Your input exceeds the context window of this model. Please adjust your input"
            " and try again.",
            param="input",
            code="context_length_exceeded",
        )
