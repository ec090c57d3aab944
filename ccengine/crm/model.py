"""What a CRM look-up answers, checked strictly at the edge.

The contract: ``GET {url}?phone=+48…&email=…`` answers JSON
``{"customer_id", "name", "segment"?, "orders": [{"id", "status", "total"?,
"placed_at"?, "url"?}], "links": [{"label", "url"}]}``. Anything else (wrong types,
a link that is not http(s), a body too large) is a failed look-up with a reason,
never an exception reaching the caller and never text rendered unchecked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictStr

MAX_ORDERS = 20
MAX_LINKS = 10
MAX_TEXT = 200
MAX_URL = 2000


class Outcome(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"  # the CRM answered 404: nobody there by that phone or e-mail
    NO_CONTACT = "no_contact"  # nothing to ask by: the ticket has no phone or e-mail
    FAILED = "failed"
    DISABLED = "disabled"  # no CRM configured


class Reason(StrEnum):
    TIMEOUT = "timeout"
    HTTP_STATUS = "http_status"
    INVALID_ANSWER = "invalid_answer"
    UNREACHABLE = "unreachable"


def _web_url(value: str) -> str:
    """Only absolute http(s) links with a host: no javascript:, data:, //host."""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL")
    if any(char.isspace() or ord(char) < 32 for char in value):
        raise ValueError("must not contain spaces or control characters")
    return value


def _amount(value: Any) -> Any:
    """A total may come as a number (129.99) or a text ("129,99 zł")."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return value


def _first(limit: int) -> BeforeValidator:
    """Longer lists are cut (the CRM lists the newest first), not refused."""
    return BeforeValidator(lambda value: value[:limit] if isinstance(value, list) else value)


Text = Annotated[StrictStr, Field(min_length=1, max_length=MAX_TEXT)]
Url = Annotated[StrictStr, Field(max_length=MAX_URL), AfterValidator(_web_url)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


class Order(_Strict):
    id: Text
    status: Text
    total: Annotated[Text | None, BeforeValidator(_amount)] = None
    placed_at: Annotated[datetime | None, Field(strict=False)] = None
    url: Url | None = None


class Link(_Strict):
    label: Text
    url: Url


class CrmCustomer(_Strict):
    customer_id: Text
    name: Annotated[StrictStr, Field(max_length=MAX_TEXT)]
    segment: Text | None = None
    orders: Annotated[list[Order], _first(MAX_ORDERS)] = []
    links: Annotated[list[Link], _first(MAX_LINKS)] = []


@dataclass(frozen=True, slots=True)
class Query:
    """One look-up: a phone (E.164), an e-mail, or both."""

    phone: str | None = None
    email: str | None = None

    def params(self) -> dict[str, str]:
        return {k: v for k, v in (("phone", self.phone), ("email", self.email)) if v}


@dataclass(frozen=True, slots=True)
class LookupResult:
    outcome: Outcome
    customer: CrmCustomer | None = None
    reason: Reason | None = None
    detail: str | None = None  # e.g. "HTTP 503"; ours, never the CRM's text

    def as_json(self) -> dict[str, Any]:
        return {"outcome": self.outcome.value,
                "reason": self.reason.value if self.reason else None,
                "detail": self.detail,
                "customer": self.customer.model_dump(mode="json") if self.customer else None}


def failed(reason: Reason, detail: str | None = None) -> LookupResult:
    return LookupResult(Outcome.FAILED, reason=reason, detail=detail)


DISABLED = LookupResult(Outcome.DISABLED)
NOT_FOUND = LookupResult(Outcome.NOT_FOUND)
NO_CONTACT = LookupResult(Outcome.NO_CONTACT)
