"""What a disposition may be, and which one a wrap-up may take; pure."""

from __future__ import annotations

import re
from dataclasses import dataclass

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_LABEL = 100


class DispositionError(Exception):
    """A disposition refused; ``field`` names the request's field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidDisposition(DispositionError):
    """A code, label or queue that cannot be stored."""


class DispositionExists(DispositionError):
    pass


class DispositionNotFound(DispositionError):
    pass


class UnknownDisposition(DispositionError):
    """A wrap-up named a code that is not active for its queue."""


class DispositionRequired(DispositionError):
    """The queue requires a disposition and the wrap-up gave none."""


@dataclass(frozen=True, slots=True)
class Offered:
    """A disposition as a wrap-up needs it."""

    id: int
    code: str
    active: bool
    queue: str | None


def check_code(code: str) -> str:
    if not CODE.match(code):
        raise InvalidDisposition("code", "a code is 1-40 of a-z, 0-9, '_' and '-', "
                                         "starting with a letter or digit")
    return code


def check_label(field: str, label: str) -> str:
    label = label.strip()
    if not label or len(label) > MAX_LABEL:
        raise InvalidDisposition(field, f"a label is 1-{MAX_LABEL} characters")
    return label


def offered_for(disposition: Offered, queue: str | None) -> bool:
    """May a wrap-up of a call in ``queue`` take it? Active, and for every queue or
    for this one."""
    return disposition.active and disposition.queue in (None, queue)


def chosen(code: str | None, found: Offered | None, queue: str | None,
           required: bool) -> Offered | None:
    """The disposition a wrap-up records: None when none was asked and none is
    required; refused when unknown or not offered for the queue, or when the queue
    requires one and none was given."""
    if code is None:
        if required:
            raise DispositionRequired("disposition", f"queue {queue} needs a disposition "
                                                     "at wrap-up")
        return None
    if found is None or not offered_for(found, queue):
        raise UnknownDisposition("disposition", f"{code!r} is not an active disposition "
                                                f"of queue {queue}")
    return found
