"""The typed errors survive pickling (multiprocessing, caches, scale-out) with every attribute."""

from __future__ import annotations

import copy
import pickle

import pytest

import pipes_openai._errors as errors
from pipes import ChatModelError


class StrictError(errors.APIStatusError):
    """A subclass with a required keyword-only argument (default pickling calls cls(*args))."""

    def __init__(self, message: str, *, tenant: str, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.tenant = tenant


CLASSES = [
    cls
    for cls in (getattr(errors, name) for name in errors.__all__)
    if isinstance(cls, type) and issubclass(cls, errors.OpenAIError)
]


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("protocol", [0, pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL])
def test_every_error_pickles_with_its_attributes(
    cls: type[errors.OpenAIError], protocol: int
) -> None:
    extra = {"refusal": "I can't"} if cls is errors.RefusalError else {}
    exc = cls(
        "what happened; what to do",
        status_code=401,
        error_type="invalid_request_error",
        code="invalid_api_key",
        param="model",
        request_id="req_1",
        attempts=3,
        body={"error": {"message": "m"}},
        **extra,
    )
    exc.add_note("in step 2 of sequence 'chain'")
    for back in (pickle.loads(pickle.dumps(exc, protocol=protocol)), copy.deepcopy(exc)):
        assert type(back) is cls
        assert isinstance(back, ChatModelError)
        assert (str(back), back.args) == (str(exc), exc.args)
        assert vars(back) == vars(exc)  # attributes, details and __notes__
        assert back.__notes__ == ["in step 2 of sequence 'chain'"]


def test_subclasses_with_required_keywords_pickle() -> None:
    exc = StrictError("m", tenant="t1", status_code=403, request_id="r")
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is StrictError
    assert (back.tenant, back.status_code, back.args) == ("t1", 403, ("m",))


def test_status_errors_keep_their_builtin_base_after_pickling() -> None:
    err = errors.error_from_status(404, {"error": {"message": "no"}}, request_id=None, attempts=1)
    back = pickle.loads(pickle.dumps(err))
    assert isinstance(back, LookupError)
    assert back.status_code == 404
