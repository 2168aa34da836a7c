"""The console's one submit helper: a form is acted on, or shown again with the service's refusal beside its field;
any other failure is the error page (raised), never a form that hides it."""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from chalice import Response

from chalicelib.console.submit import submit
from chalicelib.errors import AppError, Conflict, NotFound, RateLimited, ValidationFailed


@dataclass
class Draft:
    data: str | None
    errors: dict[str, str] = field(default_factory=dict)

    def validated(self) -> str | None:
        return self.data

    def refused(self, error: AppError) -> bool:
        for detail in error.details:
            if detail.get("path") in ("name", "emails"):
                self.errors[str(detail["path"])] = error.message
        return bool(self.errors)


def again(status: int) -> Response:
    return Response("form", status_code=status)


def failing(error: AppError) -> Callable[[str], Response]:
    def act(data: str) -> Response:
        raise error
    return act


def test_a_valid_form_is_acted_on_and_an_invalid_one_shown_again_untouched() -> None:
    acted: list[str] = []
    assert submit(Draft("SOC"), lambda data: acted.append(data) or Response("done", status_code=303),
                  again).status_code == 303
    assert submit(Draft(None), lambda data: acted.append(data) or Response("done"), again).status_code == 422
    assert acted == ["SOC"]


@pytest.mark.parametrize("error", [
    ValidationFailed("bad address", details=[{"path": "emails", "message": "not an address"}]),
    Conflict("An integration named 'SOC' already exists", details=[{"path": "name"}]),
    NotFound("an integration you chose was deleted", details=[{"path": "name"}]),
])
def test_a_refusal_about_a_field_is_the_form_again_with_its_status(error: AppError) -> None:
    draft = Draft("SOC")
    assert submit(draft, failing(error), again).status_code == error.status and draft.errors


@pytest.mark.parametrize("error", [
    RateLimited("too many tests", retry_after=60),  # a limit is the error page, with its Retry-After
    AppError("refused", details=[{"path": "name"}]),  # a status the form does not show, though about a field
    Conflict("changed meanwhile"),  # about no field of the form
    NotFound("no integration 'i-9'"),
])
def test_any_other_failure_is_raised_to_the_error_page(error: AppError) -> None:
    with pytest.raises(type(error)):
        submit(Draft("SOC"), failing(error), again)
