"""Every error the API can answer, as JSON ``{"error": id, "message": text}``.

Domain errors carry no HTTP codes; the one table below gives each its status
and a stable error id that clients can rely on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from aiohttp import web
from aiohttp.typedefs import Handler

from ccengine.customers.errors import (
    CustomerError,
    EmailTaken,
    ExternalIdTaken,
    NoSuchCustomer,
    NoSuchOrganisation,
    OrganisationValueTaken,
    PhoneTaken,
    VipNotYours,
)
from ccengine.customers.errors import (
    MergeIntoItself as CustomerMergeIntoItself,
)
from ccengine.sla.calendar import CalendarError
from ccengine.sla.errors import (
    CalendarInUse,
    CalendarNotFound,
    NameTaken,
    PolicyNotFound,
    SlaStoreError,
)
from ccengine.sla.policy import PolicyError
from ccengine.ticket_fields.errors import (
    CategoryCycle,
    CategoryNameTaken,
    CategoryParentRetired,
    CategoryRetired,
    ChoiceInUse,
    FieldKeyTaken,
    FieldsError,
    InvalidCustomValue,
    InvalidTag,
    RequiredFieldMissing,
    SharingRefused,
    UnknownCategory,
    UnknownCustomField,
    ViewNameTaken,
    ViewNotFound,
    ViewNotYours,
)
from ccengine.tickets.errors import (
    CallNotFound,
    CallNotOnTicket,
    CustomerNotFound,
    InvalidPhoneNumber,
    InvalidTransition,
    LinkExists,
    LinkNotFound,
    LinkToItself,
    MergeIntoClosed,
    MergeIntoItself,
    OnlyCall,
    SnoozeInThePast,
    SnoozeTooFar,
    TicketError,
    TicketFinished,
    TicketMerged,
    TicketNotFound,
)
from ccengine.transcribe.attach import TooManyWords

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error of the web layer itself (a request, not the domain, is wrong).

    A subclass may carry its own ``status`` and stable ``error_id`` instead of
    an entry in ``ERRORS`` (feature modules define theirs next to their code).
    """

    status: int | None = None
    error_id: str | None = None


class Refusal(ApiError):
    """A feature's domain error answered with the status and stable id its ``TABLE``
    gives the error's class (``DEFAULT`` for a class not in it); the error's ``field``,
    when it has one, rides along into the body."""

    TABLE: ClassVar[Mapping[Any, tuple[int, str]]] = {}  # error class → (status, id)
    DEFAULT: ClassVar[tuple[int, str] | None] = None

    def __init__(self, exc: Exception) -> None:
        super().__init__(str(exc))
        answer = self.TABLE.get(type(exc), self.DEFAULT)
        if answer is None:
            raise TypeError(f"{type(self).__name__} has no answer for {type(exc).__name__}")
        self.status, self.error_id = answer
        self.field = getattr(exc, "field", None)


class InvalidParameter(ApiError):
    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"parameter {name!r}: {problem}")
        self.parameter = name


class Unauthorized(ApiError):
    def __init__(self) -> None:
        super().__init__("a valid 'Authorization: Bearer <token>' header is required")


ERRORS: dict[type[Exception], tuple[int, str]] = {
    TicketNotFound: (404, "ticket-not-found"),
    CallNotFound: (404, "call-not-found"),
    CustomerNotFound: (404, "customer-not-found"),
    InvalidTransition: (409, "invalid-transition"),
    InvalidPhoneNumber: (400, "invalid-phone-number"),
    InvalidParameter: (400, "invalid-parameter"),
    Unauthorized: (401, "unauthorized"),
    TooManyWords: (400, "too-many-words"),
    CalendarError: (400, "invalid-calendar"),
    PolicyError: (400, "invalid-policy"),
    CalendarNotFound: (404, "calendar-not-found"),
    PolicyNotFound: (404, "policy-not-found"),
    NameTaken: (409, "name-taken"),
    CalendarInUse: (409, "calendar-in-use"),
    MergeIntoItself: (409, "merge-into-itself"),
    MergeIntoClosed: (409, "merge-into-closed"),
    TicketMerged: (409, "ticket-merged"),
    LinkToItself: (409, "link-to-itself"),
    LinkExists: (409, "link-exists"),
    LinkNotFound: (404, "link-not-found"),
    CallNotOnTicket: (404, "call-not-on-ticket"),
    OnlyCall: (409, "split-only-call"),
    SnoozeInThePast: (400, "snooze-in-the-past"),
    SnoozeTooFar: (400, "snooze-too-far"),
    TicketFinished: (409, "ticket-finished"),
    NoSuchCustomer: (404, "customer-not-found"),
    PhoneTaken: (409, "phone-taken"),
    EmailTaken: (409, "email-taken"),
    ExternalIdTaken: (409, "external-id-taken"),
    CustomerMergeIntoItself: (409, "merge-into-itself"),
    VipNotYours: (403, "vip-not-yours"),
    NoSuchOrganisation: (404, "organisation-not-found"),
    OrganisationValueTaken: (409, "organisation-taken"),
    UnknownCategory: (400, "unknown-category"),
    CategoryRetired: (400, "category-retired"),
    CategoryParentRetired: (409, "category-parent-retired"),
    CategoryCycle: (409, "category-cycle"),
    CategoryNameTaken: (409, "category-name-taken"),
    InvalidTag: (400, "invalid-tag"),
    UnknownCustomField: (400, "unknown-custom-field"),
    InvalidCustomValue: (400, "invalid-custom-field-value"),
    RequiredFieldMissing: (409, "custom-field-required"),
    FieldKeyTaken: (409, "custom-field-exists"),
    ChoiceInUse: (409, "choice-in-use"),
    ViewNotFound: (404, "view-not-found"),
    ViewNotYours: (403, "view-not-yours"),
    SharingRefused: (403, "view-sharing-refused"),
    ViewNameTaken: (409, "view-name-taken"),
}

# Errors of the domain that the middleware answers through ``ERRORS``.
DOMAIN_ERRORS = (ApiError, TicketError, TooManyWords, SlaStoreError, CalendarError, PolicyError,
                 CustomerError, FieldsError)

# aiohttp's own answers (no route, wrong method, ...) by status.
HTTP_ERRORS: dict[int, str] = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    413: "request-too-large",
}


def error_response(status: int, error: str, message: str,
                   field: str | None = None) -> web.Response:
    """The error body; ``field`` (e.g. 'hours.mon[1]') when one field is to blame."""
    body = {"error": error, "message": message}
    if field:
        body["field"] = field
    return web.json_response(body, status=status)


def error_id(exc: Exception) -> str:
    """The stable id of a domain error (a per-item answer of a bulk request)."""
    mapped = _mapped(exc)
    return mapped[1] if mapped else "internal-error"


def _mapped(exc: Exception) -> tuple[int, str] | None:
    if isinstance(exc, ApiError) and exc.status is not None and exc.error_id is not None:
        return exc.status, exc.error_id
    for kind in type(exc).__mro__:
        if kind in ERRORS:
            return ERRORS[kind]
    return None


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        error = HTTP_ERRORS.get(exc.status, f"http-{exc.status}")
        return error_response(exc.status, error, exc.reason)
    except DOMAIN_ERRORS as exc:
        mapped = _mapped(exc)
        if mapped is None:
            return _internal(request, exc)
        field = getattr(exc, "field", None)
        return error_response(mapped[0], mapped[1], str(exc),
                              field if isinstance(field, str) else None)
    except Exception as exc:
        return _internal(request, exc)


def _internal(request: web.Request, exc: Exception) -> web.Response:
    # The exception text may hold SQL or data; it goes to the log, not the client.
    log.error("%s %s failed", request.method, request.path, exc_info=exc)
    return error_response(500, "internal-error", "internal server error")
