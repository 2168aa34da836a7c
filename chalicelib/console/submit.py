"""The one way a console form is submitted: validate what was typed, act on it, or show the form again with each
refusal beside its field. Every create and save flow goes through :func:`submit`."""

from collections.abc import Callable
from typing import Protocol, TypeVar

from chalice import Response

from chalicelib.errors import AppError

Data = TypeVar("Data", covariant=True)
# The service's refusals a form shows beside its fields: invalid (422), taken or over a limit (409), and an object
# the form names that was deleted meanwhile (404 with details). Anything else is the console's error page.
SHOWN = (404, 409, 422)


class Draft(Protocol[Data]):
    """A form as typed: what it describes, or ``None`` with its errors filled in; a refusal put beside its fields."""

    def validated(self) -> Data | None: ...

    def refused(self, error: AppError) -> bool: ...


def submit(draft: Draft[Data], act: Callable[[Data], Response], again: Callable[[int], Response]) -> Response:
    """``act`` on what ``draft`` describes, or ``again(status)``: the form re-shown with the errors ``draft`` holds."""
    data = draft.validated()
    if data is None:
        return again(422)
    try:
        return act(data)
    except AppError as error:
        if error.status not in SHOWN or not draft.refused(error):
            raise
        return again(error.status)
