"""Small pieces every batch writer of tickets shares: IN (...) chunks, the system's
name in a ticket's history, and the activity of a status change.

(They lived in ``assigning``, which still re-exports them; ``returning`` needs
them too and is itself used by ``assigning``.)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TypeVar

from ccengine.tickets.enums import ActivityKind, TicketStatus
from ccengine.tickets.models import Ticket, TicketActivity

CHUNK = 500  # bound parameters per IN (...), well under every driver's limit
SYSTEM_AUTHOR = "ccengine"  # who changes a ticket by the call's outcome, in its history

T = TypeVar("T")


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``values`` in slices of at most ``size``, one IN (...) list each."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def status_change(ticket: Ticket, status: TicketStatus, author: str,
                  at: datetime) -> TicketActivity:
    """The activity of a status change made on the call path, as ``TicketService.update``
    records an agent's (the ticket's history shows every change, whoever made it)."""
    old = ticket.status
    return TicketActivity(ticket=ticket, kind=ActivityKind.STATUS_CHANGE,
                          body=f"{old} → {status}", data={"from": str(old), "to": str(status)},
                          author=author, created_at=at)
