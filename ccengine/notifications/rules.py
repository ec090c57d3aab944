"""Which alerts are due, when the next one falls, what they say, how a breach escalates.

Pure: the scheduler (``scheduler``) and the SLA facts' sync call these with what
they read.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from ccengine.notifications.model import AlertDue, Fired, Person
from ccengine.sla.calendar import BusinessCalendar
from ccengine.sla.clock import SlaFacts, threshold_moments
from ccengine.sla.policy import EscalationAction, SlaPolicy
from ccengine.tickets.enums import Priority

CLOCK_WORDS = {"first_response": "first response", "resolution": "resolution"}


def pending_alerts(policy: SlaPolicy, calendars: Mapping[str, BusinessCalendar],
                   facts: SlaFacts, already_fired: Collection[Fired]) -> list[AlertDue]:
    """Every threshold moment not alerted yet, earliest first (past ones included)."""
    moments = threshold_moments(policy, calendars, facts)
    pending = [AlertDue(clock, percent, moment) for clock, percent, moment in moments
               if (clock, percent) not in already_fired]
    return sorted(pending, key=lambda alert: (alert.moment, alert.threshold))


def next_alert_at(policy: SlaPolicy, calendars: Mapping[str, BusinessCalendar],
                  facts: SlaFacts, already_fired: Collection[Fired]) -> datetime | None:
    """What ``tickets.sla_next_alert_at`` holds: the earliest threshold moment not yet
    alerted, None when there is none (done, or waiting for an open pause to end).

    Call it whenever a ticket's facts change (the SLA facts' sync), so the
    scheduler's one indexed range scan finds it. A caller that does not know what
    fired may pass ``()``: a moment already alerted only costs the scheduler one
    visit, where it skips the alert and moves the column on.
    """
    pending = pending_alerts(policy, calendars, facts, already_fired)
    return pending[0].moment if pending else None


def due_now(pending: Sequence[AlertDue], now: datetime) -> list[AlertDue]:
    """The pending alerts whose moment has come; a clock that jumped several thresholds
    at once (a restart, a late tick) sends each of them."""
    return [alert for alert in pending if alert.moment <= now]


def alert_title(ticket_number: str, alert: AlertDue) -> str:
    clock = CLOCK_WORDS.get(alert.clock, alert.clock)
    if alert.threshold >= 100:
        return f"SLA breached: {clock} of {ticket_number}"
    return f"SLA {alert.threshold} %: {clock} of {ticket_number}"


def alert_body(ticket_title: str, alert: AlertDue) -> str:
    used = f"{alert.threshold} % of the time used at {alert.moment:%Y-%m-%d %H:%M} UTC"
    return f"{ticket_title} — {used}"


def recipients(assignee: Person | None, leaders: Sequence[Person]) -> list[Person]:
    """The assignee, then each leader, each person once."""
    chosen: dict[int, Person] = {}
    for person in ([assignee] if assignee else []) + list(leaders):
        chosen.setdefault(person.user_id, person)
    return list(chosen.values())


@dataclass(frozen=True, slots=True)
class Escalation:
    """One field an escalation moves, and the activity line that says so."""

    field: str  # "priority", "assignee" or "queue"
    old: str | None
    new: str

    def body(self, clock: str) -> str:
        words = CLOCK_WORDS.get(clock, clock)
        return f"SLA: {words} breached — {self.field} {self.old or '-'} → {self.new}"


@dataclass(frozen=True, slots=True)
class TicketFields:
    priority: str
    assignee: str | None
    queue: str | None


def escalations(actions: Sequence[EscalationAction], current: TicketFields,
                leaders: Sequence[Person]) -> list[Escalation]:
    """What the policy's actions change on a breached ticket; an action that would change
    nothing (P1 already, a leader already assigned, no leader, same queue) is left out."""
    planned = []
    for action in actions:
        change = _escalation(action, current, leaders)
        if change is not None:
            planned.append(change)
    return planned


def _escalation(action: EscalationAction, current: TicketFields,
                leaders: Sequence[Person]) -> Escalation | None:
    if action == "raise_priority":
        raised = Priority(current.priority).raised()
        return Escalation("priority", current.priority, raised) if raised != current.priority \
            else None
    if action == "assign_leader":
        names = [leader.display_name for leader in leaders]
        if not names or current.assignee in names:
            return None
        return Escalation("assignee", current.assignee, names[0])
    _, queue = action
    return Escalation("queue", current.queue, queue) if queue != current.queue else None
