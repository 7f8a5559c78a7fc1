"""An OpenAI-compatible Chat Completions server for tests, demos and benchmarks.

Standalone (it never imports `pipes`): asyncio HTTP/1.1 parsed by h11, on an ephemeral
loopback port in a background thread, or as a command:

```text
python -m pipes_openai.emulator --port 8000
```

In tests:

```python
from pipes_openai.emulator import Emulator, Fault, Reply, ToolCall

with Emulator() as emulator:
    emulator.script("Bonjour !", ToolCall("GetWeather", {"location": "Paris"}))
    emulator.fail(429, retry_after=0.01, times=2)   # queued after the two replies
    client = OpenAI(base_url=emulator.base_url, api_key="x")
    ...
    assert emulator.requests[-1].body["model"] == "gpt-4o-mini"
```

or with the pytest fixture: `pytest_plugins = ["pipes_openai.emulator.pytest_plugin"]` and a
test argument `openai_emulator`.

Endpoints: `POST /v1/chat/completions` (and `/chat/completions`), Azure's
`POST /openai/deployments/{deployment}/chat/completions?api-version=...` and
`POST /openai/v1/chat/completions` (key in `api-key` or `Authorization: Bearer`),
`POST /v1/embeddings` (and Azure's `/openai/deployments/{deployment}/embeddings`:
deterministic unit vectors where related texts are close, `dimensions`, float or base64,
token-array inputs, the API's per-request limits; see `pipes_openai.emulator._embeddings`),
`GET /v1/models` and `GET /v1/models/{id}`; the Responses API: `POST /v1/responses` (plain
and SSE, typed events), `GET` / `DELETE /v1/responses/{id}`, `POST /v1/responses/input_tokens`
(also under Azure's `/openai/v1/`); the Files and Batch APIs (`/v1/files`: upload, list,
retrieve, content, delete; `/v1/batches`: create, list, retrieve, cancel; also under
`/openai/` for Azure), whose batches answer each line like a chat completion once
`batch_delay` seconds have passed (or expire after `batch_expire_after`). HTTP/1.1 with
keep-alive, pipelining, chunked request bodies and `Expect: 100-continue`.

Headers, on every response as the API sends them (`._exchange`): `x-request-id`,
`openai-processing-ms` (the handler's real time), `openai-version: 2020-10-01`,
`openai-organization` (not on a 401), and `x-ratelimit-*` with `rpm` / `tpm`;
`Reply(headers=...)` and `Fault.error(headers=...)` add or replace any.

Models (`._models`): `Emulator(models=...)` takes ids or
[`ModelSpec`][pipes_openai.emulator.ModelSpec]s (default `DEFAULT_MODELS`: current OpenAI ids
and dated snapshots with their real context windows and output limits). On every endpoint an
unknown model is a 404 `model_not_found` (the API's message, then how to add the model), a
prompt over the window a 400 `context_length_exceeded`, `max_tokens` /
`max_completion_tokens` / `max_output_tokens` over the model's limit a 400, and a model of the
wrong kind (embedding on chat, chat on embeddings, Responses-only on chat) the API's refusal.
`any_model=True` (`--any-model`) serves any id; `ft:` ids get their base's limits; Azure
deployment names are not checked (a known model's name brings its limits).

Every client is bounded (`Limits`: header and body size, header and idle timeouts, JSON
depth, `n`, `top_logprobs`, `max_tokens` and the size of the reply a request asks for):
crossing a bound answers a 4xx naming it, and no other client notices. A client that goes away
(FIN or RST) cancels its held, delayed or streaming request.

What the assistant answers (deterministic), one queue item per chat completion (or Responses)
request:

1. the next queued item: a scripted [`Reply`][pipes_openai.emulator.Reply] (text, tool calls,
   refusal, `reasoning_content`, a finish reason, usage overrides, delays), or a
   [`Fault`][pipes_openai.emulator.Fault] (error status with `retry-after`, dropped connection, slow
   chunks, non-JSON body, mid-stream error event, stream cut before `[DONE]`);
2. with `tools` (function or custom) or legacy `functions`: a `tool_choice` naming a tool
   (`{"type": "function"|"custom", ...}`, or `function_call: {"name": ...}`) or `"required"`
   calls it (`required` picks the tool mentioned in the last user message, else the first)
   with arguments synthesized from its JSON schema (a custom tool gets the last user text as
   its free-form `input`); `"auto"` calls every tool whose name (or a 4+ letter word of its
   name, split on `_`/camelCase) appears in the last user message (only the first when
   `parallel_tool_calls` is false), else answers text; `allowed_tools` limits the candidates
   and sets the mode; `"none"` answers text; a conversation ending in tool (or function)
   results gets those results' text as the answer. Legacy `functions` are answered with
   `message.function_call` and `finish_reason: "function_call"` (streamed as
   `delta.function_call`), custom tools with a `type: "custom"` call;
3. `response_format` `json_schema`: JSON synthesized from the schema (all properties when
   `strict`); `json_object`: `{"echo": "<last user text>"}`;
4. otherwise an **echo**: the text of the last user message, verbatim.

A Responses request is answered by the same rules and the same queue: its `input` items,
`instructions`, function and custom tools, `tool_choice` (named, `allowed_tools`),
`text.format` and `max_output_tokens` are read as their Chat Completions counterparts (custom
calls come back as `custom_tool_call` items); built-in tools (web search, file search, MCP,
shell...) are accepted and never called unless scripted with `Reply(output_items=...)`.
Reasoning models give a reasoning item (a summary when `reasoning.summary` is set or
`Reply(reasoning_content=...)` scripts one, `encrypted_content` with
`include=["reasoning.encrypted_content"]`); `Reply(output_items=[...],
annotations=[...])` adds built-in tool calls with their results and citations;
`finish_reason` `length` / `content_filter` gives an incomplete response; `Fault.stream_error`
a `response.failed` event. Responses are stored in memory unless `store` is false:
`previous_response_id` continues their conversation, and reasoning items sent back by id must be
stored (or carry the emulator's encrypted content), as on OpenAI.

`modalities: ["text", "audio"]` with `audio: {"voice", "format"}` answers with
`message.audio` (`id`, `expires_at`, the text as `transcript`, and as base64 `data` 10 ms of
silence in the requested container: a complete WAV, raw `pcm16`, a FLAC/Ogg-Opus/MP3/ADTS
header) and `content: null`; streamed as `delta.audio` pieces (`pcm16` only, as on OpenAI).

`max_tokens` cuts the content (finish `length`); `stop` cuts at the first stop sequence.
`n` gives n identical choices (streamed one after another); `logprobs`/`top_logprobs`
give deterministic per-token logprobs; `seed` is accepted. Token counts come from a
word/punctuation tokenizer (each word or punctuation mark with its leading whitespace is one
token; a prompt costs 3 tokens per message + 3; an image 85; audio 1 per 1 KiB of base64).

Error bodies are the API's `{"error": {"message", "type", "param", "code"}}`, `null` where it
sends null. Requests are validated like the real API (400 `invalid_request_error` with
`param` and `code`; malformed JSON, missing `model`/`messages`, unknown roles, a tool message
without a pending tool call, out-of-range parameters, unknown `tool_choice` functions, JSON mode
without the word "json", strict schemas that break OpenAI's strict rules). Reasoning models
(`o1`, `o3`, `o4-mini`, `gpt-5`...) refuse `max_tokens` (use `max_completion_tokens`)
and `temperature`/`top_p` other than 1, and report hidden reasoning tokens in their usage;
other models refuse `reasoning_effort`. Unknown top-level parameters are accepted, as vLLM does.
Requests are validated like the real API (400 `invalid_request_error` with `param` and
`code`; malformed JSON, missing `model`/`messages`, unknown roles, a tool message without
a pending tool call, an assistant message that says nothing, out-of-range parameters, a
`tool_choice` or `function_call` naming a tool that was not sent, audio output without
`audio`, JSON mode without the word "json", strict schemas that break OpenAI's strict rules).
Every other body the official request schema allows is accepted (a test walks the schema);
the one form the emulator deliberately refuses is a custom tool with a `grammar` format, with
the API's `unsupported_value` error (it cannot write text a grammar accepts: script the call).
Reasoning models (`o1`, `o3`, `o4-mini`, `gpt-5`...) refuse `max_tokens` (use
`max_completion_tokens`) and `temperature`/`top_p` other than 1, and report hidden reasoning
tokens in their usage; other models refuse `reasoning_effort`. Unknown top-level parameters
are accepted, as vLLM does.

Quirk modes (`Emulator(quirks={...})`, see [`Quirk`][pipes_openai.emulator.Quirk]) reproduce real
servers' deviations: `reject_stream_options` (400 on `stream_options`: old vLLM, LM Studio),
`repeat_tool_call_id` (id and name in every tool-call delta: vLLM), `reject_null_content`
(400 on `content: null` beside tool calls), `errors_as_500` (validation errors as HTTP 500),
`omit_usage` (no usage anywhere), `null_choices_in_usage_chunk` (`"choices": null` in the
usage chunk), `empty_tool_call_id_in_deltas` (`"id": ""` in continuation deltas: vLLM),
`parallel_tool_calls_same_index` (every streamed call at `index` 0, told apart by `id`),
`tool_call_delta_without_index` and `reasoning_content` (DeepSeek/vLLM reasoning in
messages and deltas).

Record/replay: `Emulator(upstream="https://api.openai.com/v1", record="cassette.json")` proxies
(streams pass through) and records, with every credential of the request scrubbed from what is
stored (headers, and response bodies that echo it, in any spelling);
`Emulator(cassette="cassette.json")` replays offline, matching method, path and the
normalised JSON body, and answers a miss with 400 `cassette_miss` naming the closest recorded
request and the differing fields (also in `.misses`).

Benchmarks: run the server out of process so it does not share the GIL with the client being
measured: `with EmulatorProcess() as server: ...` (or `python -m pipes_openai.emulator
--port 0 --no-record-requests --quiet`). On a 2-core box it serves several thousand small
requests/s to a raw client at concurrency 64 and streams over a million SSE chunks/s
(`bench/bench_emulator.py`).
"""

from __future__ import annotations

from ._cassette import CassetteMiss
from ._limits import Limits
from ._models import DEFAULT_MODELS, ModelSpec
from ._process import EmulatorProcess
from ._quirks import Quirk
from ._recording import RecordedRequest
from ._script import Fault, Reply, ToolCall
from ._server import Emulator
from ._synth import synthesize
from ._wire import count_tokens, tokenize

__all__ = [
    "DEFAULT_MODELS",
    "CassetteMiss",
    "Emulator",
    "EmulatorProcess",
    "Fault",
    "Limits",
    "ModelSpec",
    "Quirk",
    "RecordedRequest",
    "Reply",
    "ToolCall",
    "count_tokens",
    "synthesize",
    "tokenize",
]
