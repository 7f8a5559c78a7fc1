"""The Batch API: pipes_openai.batch against the emulator's /v1/files and /v1/batches.

Every object the emulator returns validates against the official schema
(openai-batch-files-models), and so does every request line pipes uploads.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import openai
import pytest
from conftest import KEY
from openai import OpenAI
from openai_helpers import _with_nullable, assert_valid_request, assert_valid_responses

from pipes import ChatPromptTemplate, RunnableLambda, StrOutputParser
from pipes_openai import AzureChatOpenAI, BadRequestError, ChatOpenAI
from pipes_openai.batch import BatchError, BatchJob, submit_batch
from pipes_openai.emulator import Emulator, Fault

DATA = Path(__file__).resolve().parent / "data"
SCHEMA = DATA / "openai-batch-files-models.schema.json"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / SCHEMA.name
PROMPT = ChatPromptTemplate.from_messages([("system", "Echo."), ("human", "{q}")])


@cache
def _validator(name: str) -> jsonschema.Draft202012Validator:
    document = _with_nullable(json.loads(SCHEMA.read_text()))
    return jsonschema.Draft202012Validator({"$defs": document["$defs"], "$ref": f"#/$defs/{name}"})


def assert_valid(name: str, obj: Any) -> None:
    errors = sorted(_validator(name).iter_errors(obj), key=str)
    assert not errors, f"not a valid {name}:\n" + "\n".join(
        f"- {list(e.absolute_path)}: {e.message[:200]}" for e in errors
    )


@pytest.fixture
def batch_emu(emu: Emulator) -> Iterator[Emulator]:
    yield emu
    emu.batch_delay = 0.0
    emu.batch_expire_after = None


def _llm(emu: Emulator, **kwargs: Any) -> ChatOpenAI:
    return ChatOpenAI(model="gpt-4o-mini", api_key=KEY, base_url=emu.base_url, **kwargs)


def _uploaded_lines(emu: Emulator) -> list[dict[str, Any]]:
    client = OpenAI(base_url=emu.base_url, api_key=KEY)
    files = [f for f in client.files.list().data if f.purpose == "batch"]
    content = client.files.content(files[-1].id).content
    return [json.loads(line) for line in content.decode().splitlines()]


def test_the_vendored_schema_is_the_shared_one() -> None:
    if SHARED.exists():
        assert SCHEMA.read_bytes() == SHARED.read_bytes()


def test_a_chain_runs_as_a_batch_and_results_come_back_in_input_order(
    batch_emu: Emulator,
) -> None:
    chain = PROMPT | _llm(batch_emu) | StrOutputParser() | str.upper
    job = submit_batch(chain, [{"q": f"question {i}"} for i in range(5)], metadata={"job": "t"})
    assert job.info["status"] == "validating"
    assert_valid("Batch", job.info)
    assert job.wait(poll_interval=0.01).info["status"] == "completed"
    assert job.results() == [f"QUESTION {i}" for i in range(5)]
    lines = _uploaded_lines(batch_emu)
    assert [line["custom_id"] for line in lines] == ["0", "1", "2", "3", "4"]
    for line in lines:
        assert line["method"] == "POST"
        assert line["url"] == "/v1/chat/completions"
        assert_valid_request(line["body"])
        assert line["body"]["messages"][0] == {"role": "system", "content": "Echo."}


def test_a_failing_row_is_its_typed_error_and_the_others_still_arrive(
    batch_emu: Emulator,
) -> None:
    batch_emu.script("first", Fault.error(400, message="bad row"), "third")
    job = submit_batch(_llm(batch_emu) | StrOutputParser(), ["a", "b", "c"]).wait(
        poll_interval=0.01
    )
    assert job.info["request_counts"] == {"total": 3, "completed": 2, "failed": 1}
    first, second, third = job.results()
    assert (first, third) == ("first", "third")
    assert isinstance(second, BadRequestError)
    assert "bad row" in str(second)


def test_a_model_without_downstream_steps_gives_messages(batch_emu: Emulator) -> None:
    llm = _llm(batch_emu).bind(temperature=0.5)
    job = submit_batch(llm, ["hello"]).wait(poll_interval=0.01)
    (message,) = job.results()
    assert message.text == "hello"
    assert _uploaded_lines(batch_emu)[0]["body"]["temperature"] == 0.5


def test_resume_reads_a_batch_by_id(batch_emu: Emulator) -> None:
    chain = PROMPT | _llm(batch_emu) | StrOutputParser()
    job_id = submit_batch(chain, [{"q": "kept"}]).id
    later = BatchJob.resume(job_id, chain)  # as another process would
    assert later.wait(poll_interval=0.01).results() == ["kept"]


def test_cancel_stops_a_batch_and_it_has_no_results(batch_emu: Emulator) -> None:
    batch_emu.batch_delay = 3600
    job = submit_batch(_llm(batch_emu), ["x"])
    assert job.cancel()["status"] in ("cancelling", "cancelled")
    assert job.wait(poll_interval=0.01).info["status"] == "cancelled"
    assert_valid("Batch", job.info)
    with pytest.raises(BatchError, match="ended cancelled without results"):
        job.results()


def test_an_expired_batch_gives_each_row_an_error(batch_emu: Emulator) -> None:
    batch_emu.batch_delay, batch_emu.batch_expire_after = 3600, 0
    job = submit_batch(_llm(batch_emu), ["x", "y"]).wait(poll_interval=0.01)
    assert job.info["status"] == "expired"
    rows = job.results()
    assert all(isinstance(r, BatchError) and r.status == "batch_expired" for r in rows)


def test_wait_gives_up_after_its_timeout_without_cancelling(batch_emu: Emulator) -> None:
    batch_emu.batch_delay = 3600
    job = submit_batch(_llm(batch_emu), ["x"])
    naps: list[float] = []
    with pytest.raises(BatchError, match="still in_progress after 5s"):
        job.wait(poll_interval=2, timeout=5, sleep=naps.append, clock=lambda: sum(naps))
    assert naps == [2, 2]  # polls at 0, 2 and 4 s: one more nap would end past 5 s
    assert job.status() == "in_progress"
    with pytest.raises(BatchError, match="wait\\(\\) for it before reading results"):
        job.results()


def test_progress_prints_one_line_per_change(
    batch_emu: Emulator, capsys: pytest.CaptureFixture[str]
) -> None:
    submit_batch(_llm(batch_emu), ["x"]).wait(poll_interval=0.01, progress=True)
    err = capsys.readouterr().err
    assert "completed, 1/1 requests (0 failed)" in err


def test_runnables_without_exactly_one_chat_model_are_refused(batch_emu: Emulator) -> None:
    llm = _llm(batch_emu)
    with pytest.raises(TypeError, match="exactly one of them at its top level"):
        submit_batch(RunnableLambda(str), ["x"])
    with pytest.raises(TypeError, match="with 2 chat models"):
        submit_batch(llm | StrOutputParser() | llm, ["x"])
    with pytest.raises(ValueError, match="at least one input"):
        submit_batch(llm, [])


def test_the_sdk_sees_api_shaped_files_and_batches(batch_emu: Emulator) -> None:
    client = OpenAI(base_url=batch_emu.base_url, api_key=KEY)
    line = {
        "custom_id": "r1",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
    }
    # The raw JSON is what is validated: the SDK's models fill in absent fields with None.
    raw = client.files.with_raw_response.create(
        file=("in.jsonl", io.BytesIO(json.dumps(line).encode())), purpose="batch"
    )
    assert_valid("OpenAIFile", raw.http_response.json())
    uploaded = raw.parse()
    batch = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    raw_batch = client.batches.with_raw_response.retrieve(batch.id)
    assert_valid("Batch", raw_batch.http_response.json())
    done = raw_batch.parse()
    assert done.status == "completed"
    raw_list = client.batches.with_raw_response.list(limit=5)
    assert_valid("ListBatchesResponse", raw_list.http_response.json())
    assert done.output_file_id is not None
    output = json.loads(client.files.content(done.output_file_id).content)
    assert output["custom_id"] == "r1"
    assert output["response"]["status_code"] == 200
    assert output["response"]["body"]["choices"][0]["message"]["content"] == "hi"
    assert client.files.delete(uploaded.id).deleted is True


def test_invalid_input_files_fail_the_batch_with_the_lines_at_fault(batch_emu: Emulator) -> None:
    client = OpenAI(base_url=batch_emu.base_url, api_key=KEY)
    bad = (
        b'{"custom_id": "a", "method": "GET", "url": "/v1/chat/completions", "body": {}}\n'
        b"not json\n"
    )
    uploaded = client.files.create(file=("bad.jsonl", io.BytesIO(bad)), purpose="batch")
    batch = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert batch.status == "failed"
    assert batch.errors is not None
    assert [(e.code, e.line) for e in batch.errors.data or []] == [
        ("invalid_method", 1),
        ("invalid_json_line", 2),
    ]
    job = BatchJob.resume(batch.id, _llm(batch_emu))
    with pytest.raises(BatchError, match="ended failed without results") as caught:
        job.results()
    assert caught.value.errors is not None


def test_azure_batches_use_its_openai_routes(batch_emu: Emulator) -> None:
    llm = AzureChatOpenAI(
        azure_endpoint=batch_emu.url,
        azure_deployment="gpt-4o-mini",
        api_version="2024-10-21",
        api_key=KEY,
    )
    job = submit_batch(llm | StrOutputParser(), ["from azure"]).wait(poll_interval=0.01)
    assert job.results() == ["from azure"]
    paths = {r.path for r in batch_emu.requests}
    assert {"/openai/files", "/openai/batches"} <= paths


def test_a_responses_api_model_batches_to_v1_responses(batch_emu: Emulator) -> None:
    llm = _llm(batch_emu, use_responses_api=True)
    job = submit_batch(PROMPT | llm | StrOutputParser(), [{"q": "one"}, {"q": "two"}])
    assert job.info["endpoint"] == "/v1/responses"
    assert job.wait(poll_interval=0.01).results() == ["one", "two"]
    lines = _uploaded_lines(batch_emu)
    assert {line["url"] for line in lines} == {"/v1/responses"}
    for line in lines:
        assert_valid_responses("CreateResponse", line["body"])
    client = OpenAI(base_url=batch_emu.base_url, api_key=KEY)
    output_id = job.info["output_file_id"]
    for raw in client.files.content(output_id).content.decode().splitlines():
        assert_valid_responses("Response", json.loads(raw)["response"]["body"])


def test_a_plain_model_can_be_sent_to_v1_responses(batch_emu: Emulator) -> None:
    job = submit_batch(_llm(batch_emu), ["hello"], endpoint="/v1/responses")
    (message,) = job.wait(poll_interval=0.01).results()
    assert message.text == "hello"
    assert message.id.startswith("resp")
    with pytest.raises(ValueError, match="got endpoint='/v1/embeddings'"):
        submit_batch(_llm(batch_emu), ["x"], endpoint="/v1/embeddings")


def test_the_emulator_says_which_batch_endpoints_it_plays(batch_emu: Emulator) -> None:
    client = OpenAI(base_url=batch_emu.base_url, api_key=KEY)
    line = {"custom_id": "e", "method": "POST", "url": "/v1/embeddings", "body": {}}
    uploaded = client.files.create(
        file=("e.jsonl", io.BytesIO(json.dumps(line).encode())), purpose="batch"
    )
    with pytest.raises(openai.BadRequestError, match="/v1/embeddings is not emulated"):
        client.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/embeddings", completion_window="24h"
        )


def test_hostile_json_gets_the_apis_400_not_a_crash(batch_emu: Emulator) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    client = OpenAI(base_url=batch_emu.base_url, api_key=KEY, max_retries=0)
    uploaded = client.files.create(file=("deep.jsonl", io.BytesIO(deep)), purpose="batch")
    batch = client.batches.create(
        input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert batch.status == "failed"
    assert batch.errors is not None
    assert [(e.code, e.line) for e in batch.errors.data or []] == [("invalid_json_line", 1)]
    raw = httpx.post(
        batch_emu.base_url + "/batches", content=deep, headers={"authorization": f"Bearer {KEY}"}
    )
    assert raw.status_code == 400
    assert raw.json()["error"]["code"] == "json_too_deep"
