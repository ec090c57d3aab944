"""The survey e-mail, queued by the change that resolves a ticket, in its transaction.

Every status change goes through ``sla_marks.move_status`` on a ``Ticket`` row, from
many writers (the API, the wrap-up, bulk edits, automation). Like automation's
recording, a session's ``before_flush`` sees them all: a ticket whose status becomes
``resolved`` gets a survey row and its message in the outbox, or nothing (no e-mail
on the customer's card, no active mailbox for the queue, the queue turned off in
``[csat] email_off_queues``, or a survey sent for that ticket within
``resend_after_days``). Only sessions of a ``Database`` given ``install`` do this: the
settings ride in ``session.info``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import event, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from ccengine.csat import rules
from ccengine.csat.storage_models import CsatSurvey
from ccengine.customers.storage_models import CustomerEmail
from ccengine.db import Database
from ccengine.mail.composing import Outgoing
from ccengine.mail.outbox import enqueue
from ccengine.mail.storage_models import Mailbox
from ccengine.tickets.enums import TicketStatus
from ccengine.tickets.models import Ticket

__all__ = ["MailSettings", "install", "survey_text"]

SETTINGS = "ccengine.csat.settings"  # session.info key
_DONE = "ccengine.csat.surveyed"  # session.info key: tickets surveyed in this transaction
SUBJECT = "Jak oceniasz naszą pomoc w sprawie {number}?"
HEADERS = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}


@dataclass(frozen=True, slots=True)
class MailSettings:
    secret: str
    public_url: str  # without a trailing slash
    link_for: timedelta
    resend_after: timedelta
    off_queues: frozenset[str] = frozenset()


def install(database: Database, settings: MailSettings) -> None:
    """From now on, this database's sessions queue a survey when they resolve a ticket."""
    info = dict(database.sessions.kw.get("info") or {})
    info[SETTINGS] = settings
    database.sessions.configure(info=info)


def survey_links(settings: MailSettings, token: str) -> list[str]:
    return [f"{settings.public_url}/csat/{token}?score={score}" for score in rules.SCORES]


def survey_text(number: str, links: list[str], mailbox_name: str) -> str:
    choices = "\n".join(f"{score} – {link}" for score, link in zip(rules.SCORES, links,
                                                                   strict=True))
    return ("Dzień dobry,\n\n"
            f"Twoja sprawa {number} została rozwiązana. Jak oceniasz naszą pomoc?\n"
            "Wybierz ocenę od 1 (źle) do 5 (bardzo dobrze):\n\n"
            f"{choices}\n\n"
            "Wystarczy kliknąć jeden link; na stronie można też dodać komentarz.\n\n"
            f"{mailbox_name}")


@event.listens_for(Session, "before_flush")
def _survey_resolved(session: Session, _context: Any, _instances: Any) -> None:
    settings = session.info.get(SETTINGS)
    if not isinstance(settings, MailSettings):
        return
    for item in list(session.dirty):
        if isinstance(item, Ticket) and _resolved_now(item):
            with session.no_autoflush:
                _survey(session, item, settings, datetime.now(UTC))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_DONE, None)


def _resolved_now(ticket: Ticket) -> bool:
    history = inspect(ticket).attrs.status.history
    return TicketStatus.RESOLVED in history.added and TicketStatus.RESOLVED not in (
        history.deleted or ())


def _survey(session: Session, ticket: Ticket, settings: MailSettings, now: datetime) -> None:
    done: set[int] = session.info.setdefault(_DONE, set())
    if ticket.id in done or ticket.queue is None or ticket.queue in settings.off_queues:
        return
    done.add(ticket.id)
    if not rules.may_send_again(_last_survey(session, ticket.id), now, settings.resend_after):
        return
    address = _email_of(session, ticket.customer_id)
    mailbox = _mailbox(session, ticket.queue)
    if address is None or mailbox is None:
        return
    survey = CsatSurvey(public_id=secrets.token_urlsafe(12), channel="email",
                        ticket_id=ticket.id, queue=ticket.queue, agent=ticket.assignee,
                        created_at=now, expires_at=now + settings.link_for)
    assert survey.expires_at is not None
    token = rules.sign(settings.secret, survey.public_id, survey.expires_at)
    name = mailbox.display_name or mailbox.name
    mail = Outgoing(from_address=mailbox.address, from_name=mailbox.display_name,
                    to=(address,), subject=SUBJECT.format(number=ticket.number),
                    text=survey_text(ticket.number, survey_links(settings, token), name),
                    ticket_number=ticket.number, headers=HEADERS)
    # ``enqueue`` only adds the row; the flush under way writes it with the ticket.
    row, _message = enqueue(cast(AsyncSession, session), mailbox, mail, kind="csat", now=now,
                            ticket_id=ticket.id)
    session.add(survey)
    survey.outgoing = row


def _last_survey(session: Session, ticket_id: int) -> datetime | None:
    return session.execute(
        select(func.max(CsatSurvey.created_at)).where(CsatSurvey.ticket_id == ticket_id,
                                                      CsatSurvey.channel == "email")
    ).scalar_one_or_none()


def _email_of(session: Session, customer_id: int | None) -> str | None:
    if customer_id is None:
        return None
    return session.execute(
        select(CustomerEmail.address).where(CustomerEmail.customer_id == customer_id)
        .order_by(CustomerEmail.id).limit(1)).scalar_one_or_none()


def _mailbox(session: Session, queue: str) -> Mailbox | None:
    return session.execute(
        select(Mailbox).where(Mailbox.queue == queue, Mailbox.active.is_(True))
        .order_by(Mailbox.id).limit(1)).scalar_one_or_none()
