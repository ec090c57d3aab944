"""The alert and notification vocabulary; pure types, no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ccengine.sla.calendar import BusinessCalendar
from ccengine.sla.policy import SlaPolicy

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from ccengine.notifications.storage_models import Notification

SLA_KIND = "sla_alert"  # the notification kind of an SLA alert
SLA_AUTHOR = "SLA"  # the author of escalation activities
Fired = tuple[str, int]  # (clock, threshold) already alerted


class AlertBook(Protocol):
    """Calendars and policies, as the stored SLA book (``SlaBook``) holds them."""

    @property
    def calendars(self) -> Mapping[str, BusinessCalendar]: ...

    @property
    def policies(self) -> Sequence[SlaPolicy]: ...


class AlertBookProvider(Protocol):
    """Where the scheduler gets the book each tick: the stored one once it exists."""

    async def current(self) -> AlertBook: ...


class QueueMembers(Protocol):
    """The SIP interfaces that are members of a queue (any tier)."""

    def interfaces(self, queue: str) -> frozenset[str]: ...


class AlertMail(Protocol):
    """Where e-mail plugs in: called in the alert's own transaction for each
    notification, so it can write its outbox row there and a restart loses no mail.
    Users have no e-mail address yet, so the scheduler has none and mails nothing."""

    async def queue(self, session: AsyncSession, to: Person,
                    notification: Notification) -> None: ...


@dataclass(frozen=True, slots=True)
class AlertDue:
    clock: str  # "first_response" or "resolution"
    threshold: int  # 50, 80 or 100
    moment: datetime  # when the clock reached it, in business time


@dataclass(frozen=True, slots=True)
class Person:
    """A user an alert may reach: the assignee, or a leader of the ticket's queue."""

    user_id: int
    login: str
    display_name: str


@dataclass(frozen=True, slots=True)
class NotificationView:
    id: int
    kind: str
    ticket_number: str | None
    title: str
    body: str
    data: Mapping[str, Any]
    created_at: datetime
    read_at: datetime | None

    def as_api(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "ticket_number": self.ticket_number,
                "title": self.title, "body": self.body, "data": dict(self.data),
                "created_at": self.created_at.isoformat(),
                "read_at": self.read_at.isoformat() if self.read_at else None}
