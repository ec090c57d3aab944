"""What the replies' endpoints share: the roles, the refusals' statuses and ids, who
asks, the clock, the sender's key."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from ccengine.mail.sender import MailSender
from ccengine.replies import rules
from ccengine.replies.model import Author
from ccengine.users.models import Role
from ccengine.users.service import Principal
from ccengine.web.auth import principal
from ccengine.web.errors import Refusal, Unauthorized
from ccengine.web.keys import clock_of

__all__ = ["ADMINS", "EDITORS", "READERS", "SENDER", "ReplyRefused", "author_of", "now_of",
           "who_of"]

ADMINS = frozenset({Role.ADMIN})
EDITORS = frozenset({Role.ADMIN, Role.AGENT, Role.PRIVILEGED_AGENT})
READERS = EDITORS | {Role.QA_LEAD, Role.INTEGRATION}
SENDER = web.AppKey("ccengine.mail_sender", MailSender)

_REFUSALS: dict[type[rules.ReplyError], tuple[int, str]] = {
    rules.TemplateInvalid: (400, "invalid-template"),
    rules.TemplateNotFound: (404, "template-not-found"),
    rules.TemplateNameTaken: (409, "template-name-taken"),
    rules.NoMailbox: (409, "no-mailbox"),
    rules.NoRecipient: (400, "no-recipient"),
    rules.InvalidAddress: (400, "invalid-address"),
    rules.SignatureInvalid: (400, "invalid-signature"),
}


class ReplyRefused(Refusal):
    TABLE = _REFUSALS


def who_of(request: web.Request) -> Principal:
    who = principal(request)
    if who is None:
        raise Unauthorized()
    return who


def author_of(who: Principal) -> Author:
    return Author(who.display_name, who.login if "@" in who.login else "", who.user_id)


def now_of(request: web.Request) -> datetime:
    return clock_of(request.app).now()
