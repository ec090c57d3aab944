"""What an admin may write into a mailbox, and the state its health fields add up to;
pure.

``checked`` reads a JSON body field by field; every refusal names the field
(``filters[2].queue``), and no refusal ever quotes a password.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import nh3

from ccengine.customers.rules import InvalidValue, valid_email
from ccengine.mail.templates import unknown_placeholders
from ccengine.routes.model import QUEUE_NAME

SECURITY = ("tls", "starttls", "none")
FILTER_FIELDS = ("sender", "subject", "body")
MAX_FILTERS = 50
MAX_WINDOW = 10_080  # a week, in minutes
_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9-]{1,63})*$")
PASSWORDS = ("imap_password", "smtp_password")


class MailboxError(Exception):
    """A mailbox refused; ``field`` names the request's field it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class InvalidMailbox(MailboxError):
    pass


class MailboxNotFound(MailboxError):
    pass


class MailboxExists(MailboxError):
    pass


class MailboxInUse(MailboxError):
    """Its mail is on tickets' threads or in the outbox: switch it off instead."""


def _text(limit: int, *, required: bool = False) -> Callable[[str, Any], str | None]:
    def check(field: str, value: Any) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip() and not required):
            if required:
                raise InvalidMailbox(field, "is required")
            return None
        if not isinstance(value, str) or "\x00" in value:
            raise InvalidMailbox(field, "must be a string without NUL characters")
        text = value.strip()
        if not text or len(text) > limit:
            raise InvalidMailbox(field, f"must be 1-{limit} characters")
        return text
    return check


def _password(field: str, value: Any) -> str | None:
    if value is None or value == "":
        return None  # "leave empty to keep": the service keeps the stored one
    if not isinstance(value, str) or "\x00" in value or len(value) > 500:
        raise InvalidMailbox(field, "must be a string of at most 500 characters")
    return str(value)


def _queue(field: str, value: Any) -> str:
    if not isinstance(value, str) or not QUEUE_NAME.match(value):
        raise InvalidMailbox(field, "a queue name: a-z, 0-9, '_' and '-'")
    return value


def _address(field: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidMailbox(field, "must be an e-mail address")
    try:
        return valid_email(value, field)
    except InvalidValue:
        raise InvalidMailbox(field, "is not an e-mail address") from None


def _host(field: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _HOST.match(value):
        raise InvalidMailbox(field, "must be a host name or an IPv4 address")
    return value.lower()


def _port(field: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise InvalidMailbox(field, "must be a port number 1..65535")
    return value


def _security(field: str, value: Any) -> str:
    if value not in SECURITY:
        raise InvalidMailbox(field, f"must be one of {', '.join(SECURITY)}")
    return str(value)


def _flag(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidMailbox(field, "must be true or false")
    return value


def _window(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_WINDOW:
        raise InvalidMailbox(field, f"must be a whole number of minutes 0..{MAX_WINDOW}")
    return value


def _template(limit: int) -> Callable[[str, Any], str | None]:
    plain = _text(limit)

    def check(field: str, value: Any) -> str | None:
        text = plain(field, value)
        unknown = unknown_placeholders(text or "")
        if unknown:
            raise InvalidMailbox(field, f"unknown placeholders: {', '.join(unknown)}")
        return text
    return check


def _signature(field: str, value: Any) -> str | None:
    text = _text(20_000)(field, value)
    return None if text is None else clean_html(text)


def clean_html(text: str) -> str:
    """Only harmless markup stays: no scripts, no event handlers, no javascript: links."""
    return nh3.clean(text, link_rel="noopener noreferrer")


def _filters(field: str, value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_FILTERS:
        raise InvalidMailbox(field, f"must be a list of at most {MAX_FILTERS} filters")
    return [_filter(f"{field}[{index}]", item) for index, item in enumerate(value)]


def _filter(field: str, item: Any) -> dict[str, str]:
    if not isinstance(item, dict) or set(item) != {"field", "contains", "queue"}:
        raise InvalidMailbox(field, "a filter is {field, contains, queue}")
    if item["field"] not in FILTER_FIELDS:
        raise InvalidMailbox(f"{field}.field", f"must be one of {', '.join(FILTER_FIELDS)}")
    contains = _text(200)(f"{field}.contains", item["contains"])
    if contains is None:
        raise InvalidMailbox(f"{field}.contains", "must not be empty")
    return {"field": item["field"], "contains": contains,
            "queue": _queue(f"{field}.queue", item["queue"])}


CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "name": _text(100, required=True), "queue": _queue, "address": _address,
    "display_name": _text(200), "active": _flag,
    "imap_host": _host, "imap_port": _port, "imap_security": _security,
    "imap_user": _text(320), "imap_password": _password, "imap_folder": _text(200),
    "imap_done_folder": _text(200),
    "smtp_host": _host, "smtp_port": _port, "smtp_security": _security,
    "smtp_user": _text(320), "smtp_password": _password,
    "filters": _filters, "group_window_minutes": _window, "mask_personal_data": _flag,
    "ack_enabled": _flag, "ack_subject": _template(300), "ack_body": _template(10_000),
    "signature_html": _signature,
}
REQUIRED = ("name", "queue", "address")


def checked(body: Mapping[str, Any], *, new: bool) -> dict[str, Any]:
    """The fields given, each checked; a new mailbox needs its name, queue and address."""
    unknown = sorted(set(body) - set(CHECKS))
    if unknown:
        raise InvalidMailbox(unknown[0], "unknown field")
    if new:
        for name in REQUIRED:
            if body.get(name) is None:
                raise InvalidMailbox(name, "is required")
    values = {name: CHECKS[name](name, value) for name, value in body.items()}
    if "imap_folder" in values and values["imap_folder"] is None:
        values["imap_folder"] = "INBOX"
    for name in PASSWORDS:
        if values.get(name, "") is None:
            del values[name]  # empty: keep what is stored
    return values


def state(active: bool, last_ok_at: datetime | None, last_error_at: datetime | None) -> str:
    """ok, failing, never connected or inactive: what the page colours."""
    if not active:
        return "inactive"
    if last_error_at is not None and (last_ok_at is None or last_error_at >= last_ok_at):
        return "failing"
    return "ok" if last_ok_at is not None else "never connected"
