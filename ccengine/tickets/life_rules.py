"""The ticket's life after the work, as rules; pure, no I/O.

- Snooze: an open ticket leaves the lists until a moment in the future, its
  resolution clock paused. When the moment comes it is open work again: it wakes
  ``in_progress`` whatever it was before (someone has to look at it now, and a
  ticket that waited for its customer was woken because the wait is over).
- Auto-close: a resolved ticket closes by itself N days after it was resolved,
  unless the customer came back meanwhile (that reopened it).
- Return: a customer's new contact (a call, an e-mail) whose latest ticket is
  finished reopens it within the reopen window, counted from when it was
  resolved; after the window it opens a follow-up linked to the old ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ccengine.tickets.enums import TicketStatus, is_finished

WOKEN_STATUS = TicketStatus.IN_PROGRESS  # a snooze ends as open work, see above
REOPENED_STATUS = TicketStatus.IN_PROGRESS
MAX_SNOOZE = timedelta(days=366)  # a snooze longer than a year is a typo, not a plan


class SnoozeRefusal(StrEnum):
    PAST = "past"  # the moment is not in the future
    TOO_FAR = "too_far"  # beyond MAX_SNOOZE
    FINISHED = "finished"  # a resolved or closed ticket has no work to put off


def snooze_refusal(status: str, until: datetime, now: datetime) -> SnoozeRefusal | None:
    """Why a ticket in ``status`` may not be snoozed until ``until``; None: it may."""
    if is_finished(status):
        return SnoozeRefusal.FINISHED
    if until <= now:
        return SnoozeRefusal.PAST
    if until - now > MAX_SNOOZE:
        return SnoozeRefusal.TOO_FAR
    return None


def is_due(snoozed_until: datetime | None, now: datetime) -> bool:
    return snoozed_until is not None and snoozed_until <= now


def auto_close_cutoff(now: datetime, after_days: float) -> datetime | None:
    """Tickets resolved before this moment close now; None: auto-close is off."""
    if after_days <= 0:
        return None
    return now - timedelta(days=after_days)


class Return(StrEnum):
    """What a customer's new contact does with their latest ticket."""

    JOIN = "join"  # it is open: the contact belongs to it
    REOPEN = "reopen"  # finished within the window: it opens again
    FOLLOW_UP = "follow_up"  # finished before the window: a new ticket linked to it
    NEW = "new"  # no ticket yet: a new one


@dataclass(frozen=True, slots=True)
class Latest:
    """The customer's latest ticket, as the return rule needs it."""

    status: str
    resolved_at: datetime | None  # when it was resolved (or closed unresolved)
    updated_at: datetime  # a finished ticket without resolved_at (older rows) uses this


def on_return(latest: Latest | None, at: datetime, within_days: float) -> Return:
    if latest is None:
        return Return.NEW
    if not is_finished(latest.status):
        return Return.JOIN
    finished_at = latest.resolved_at or latest.updated_at
    if within_days > 0 and at - finished_at <= timedelta(days=within_days):
        return Return.REOPEN
    return Return.FOLLOW_UP


def snoozed_body(until: datetime) -> str:
    return f"snoozed until {until.isoformat()}"


WOKEN_EARLY = "snooze ended early"
WOKEN_ON_TIME = "snooze ended: back to work"
REOPENED_BY = {"phone": "reopened by the customer's call",
               "email": "reopened by the customer's e-mail"}


def woken_title(number: str) -> str:
    return f"{number} is back from its snooze"


def reopened_body(channel: str) -> str:
    return REOPENED_BY.get(channel, f"reopened by the customer's contact ({channel})")


def auto_closed_body(after_days: float) -> str:
    return f"closed automatically after {after_days:g} days resolved"
