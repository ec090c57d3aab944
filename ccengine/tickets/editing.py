"""What an edit of a ticket changes, decided before anything is written; pure."""

from __future__ import annotations

from dataclasses import dataclass, field

from ccengine.ticket_fields.applying import FieldChanges
from ccengine.tickets.enums import ActivityKind, Priority, TicketStatus, can_transition
from ccengine.tickets.errors import InvalidTransition


@dataclass(frozen=True, slots=True)
class TicketChanges:
    """An edit as asked: None keeps a field; ``reassign`` sets ``assignee`` (None: nobody).
    A ticket's queue can be changed, not removed."""

    status: TicketStatus | None = None
    priority: Priority | None = None
    assignee: str | None = None
    reassign: bool = False
    queue: str | None = None
    # Title, description, category, tags, custom fields (``ticket_fields.applying``).
    fields: FieldChanges = field(default_factory=FieldChanges)

    @property
    def empty(self) -> bool:
        return (self.status is None and self.priority is None and not self.reassign
                and self.queue is None and self.fields.empty)


@dataclass(frozen=True, slots=True)
class Change:
    """One field that moves, as its activity records it."""

    kind: ActivityKind
    old: str | None
    new: str | None

    @property
    def body(self) -> str:
        return f"{self.old or '-'} → {self.new or '-'}"

    @property
    def data(self) -> dict[str, str | None]:
        return {"from": self.old, "to": self.new}


@dataclass(frozen=True, slots=True)
class Current:
    number: str
    status: TicketStatus
    priority: str
    assignee: str | None
    queue: str | None = None


def plan_changes(current: Current, asked: TicketChanges) -> list[Change]:
    """The changes ``asked`` makes to ``current``; a field asked to stay as it is
    changes nothing (and records nothing). A status the workflow does not allow
    from here raises ``InvalidTransition`` before any field changes."""
    changes = []
    if asked.status is not None and asked.status != current.status:
        if not can_transition(current.status, asked.status):
            raise InvalidTransition(current.number, current.status, asked.status)
        changes.append(Change(ActivityKind.STATUS_CHANGE, current.status, asked.status))
    if asked.priority is not None and asked.priority != current.priority:
        changes.append(Change(ActivityKind.PRIORITY_CHANGE, current.priority, asked.priority))
    if asked.reassign and asked.assignee != current.assignee:
        changes.append(Change(ActivityKind.ASSIGNMENT, current.assignee, asked.assignee))
    if asked.queue is not None and asked.queue != current.queue:
        changes.append(Change(ActivityKind.QUEUE_CHANGE, current.queue, asked.queue))
    return changes
