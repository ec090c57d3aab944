"""Mailboxes over HTTP (admins only): the channel's configuration and its health.

A password never leaves: answers say ``imap_password_set``; a PATCH without one
keeps the stored one.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from ccengine.mail import mailbox_rules as rules
from ccengine.mail import mailboxes as service
from ccengine.mail.mailbox_schemas import SCHEMAS
from ccengine.users.models import Role
from ccengine.web import body as bodies
from ccengine.web.endpoints import Endpoint, path_param
from ccengine.web.errors import InvalidParameter, Refusal
from ccengine.web.params import DATABASE, MAX_SQL_INT

__all__ = ["ENDPOINTS", "SCHEMAS"]

ADMINS = frozenset({Role.ADMIN})
MAILBOXES = "/api/v1/mail/mailboxes"

_REFUSALS: dict[type[rules.MailboxError], tuple[int, str]] = {
    rules.InvalidMailbox: (400, "invalid-mailbox"),
    rules.MailboxExists: (409, "mailbox-exists"),
    rules.MailboxNotFound: (404, "mailbox-not-found"),
    rules.MailboxInUse: (409, "mailbox-in-use"),
}


class MailboxRefused(Refusal):
    TABLE = _REFUSALS


def _now() -> datetime:
    return datetime.now(UTC)


def _mailbox_id(request: web.Request) -> int:
    raw = request.match_info["mailbox_id"]
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_SQL_INT:
        raise InvalidParameter("mailbox_id", "expected a mailbox id")
    return int(raw)


async def list_all(request: web.Request) -> web.Response:
    return web.json_response({"items": await service.list_mailboxes(request.app[DATABASE])})


async def show(request: web.Request) -> web.Response:
    try:
        return web.json_response(await service.get(request.app[DATABASE],
                                                   _mailbox_id(request)))
    except rules.MailboxError as exc:
        raise MailboxRefused(exc) from None


async def create(request: web.Request) -> web.Response:
    body = await bodies.json_object(request)
    try:
        made = await service.create(request.app[DATABASE], rules.checked(body, new=True),
                                    _now())
    except rules.MailboxError as exc:
        raise MailboxRefused(exc) from None
    return web.json_response(made, status=201)


async def edit(request: web.Request) -> web.Response:
    mailbox_id = _mailbox_id(request)
    body = await bodies.json_object(request)
    try:
        changed = await service.update(request.app[DATABASE], mailbox_id,
                                       rules.checked(body, new=False), _now())
    except rules.MailboxError as exc:
        raise MailboxRefused(exc) from None
    return web.json_response(changed)


async def remove(request: web.Request) -> web.Response:
    try:
        await service.delete(request.app[DATABASE], _mailbox_id(request))
    except rules.MailboxError as exc:
        raise MailboxRefused(exc) from None
    return web.json_response({"deleted": True})


_ID = path_param("mailbox_id", "the mailbox's id", {"type": "integer", "minimum": 1})

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", MAILBOXES, list_all, ADMINS,
             "Mailboxes with their health (state: ok, failing, never connected, inactive); "
             "passwords are never shown", result="MailboxList"),
    Endpoint("POST", MAILBOXES, create, ADMINS,
             "Add a mailbox (400 invalid-mailbox names the field, e.g. filters[2].queue; "
             "409 mailbox-exists)", body="MailboxNew", result="Mailbox"),
    Endpoint("GET", MAILBOXES + "/{mailbox_id}", show, ADMINS, "One mailbox",
             parameters=[_ID], result="Mailbox"),
    Endpoint("PATCH", MAILBOXES + "/{mailbox_id}", edit, ADMINS,
             "Change a mailbox; a password left out (or empty) is kept",
             parameters=[_ID], body="MailboxEdit", result="Mailbox"),
    Endpoint("DELETE", MAILBOXES + "/{mailbox_id}", remove, ADMINS,
             "Remove a mailbox with no mail (409 mailbox-in-use: switch it off instead)",
             parameters=[_ID], result="Deleted"),
)
