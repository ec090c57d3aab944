"""The ticket vocabulary and its one rule of motion; pure, no I/O."""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING_FOR_CUSTOMER = "waiting_for_customer"
    RESOLVED = "resolved"  # done, the customer may still answer; auto-closes after N days
    CLOSED = "closed"


class Priority(StrEnum):
    P1 = "P1"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    def raised(self) -> Priority:
        """One step more urgent (a VIP caller), P1 staying P1."""
        members = list(Priority)
        return members[max(members.index(self) - 1, 0)]

    def more_urgent(self, other: Priority) -> Priority:
        """The more urgent of the two (P1 before P4); ``self`` when they are equal."""
        members = list(Priority)
        return other if members.index(other) < members.index(self) else self


class TicketKind(StrEnum):
    CALL = "call"
    CALLBACK = "callback"


class SourceChannel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    FORM = "form"
    API = "api"
    MANUAL = "manual"


class ActivityKind(StrEnum):
    CALL = "call"
    NOTE = "note"
    STATUS_CHANGE = "status_change"
    ASSIGNMENT = "assignment"
    PRIORITY_CHANGE = "priority_change"
    TRANSCRIPT = "transcript"
    QUEUE_CHANGE = "queue_change"
    MERGE = "merge"  # data: into (on the merged ticket) or from (on the survivor)
    LINK = "link"  # data: number, kind, removed
    SPLIT = "split"  # data: call_id, into (on the old ticket) or from (on the new one)
    SNOOZE = "snooze"  # snoozed, woken early, or woken when its time came
    FOLLOW_UP = "follow_up"  # a follow-up of this ticket was opened (or this one is one)
    AUTOMATION = "automation"  # an automation rule ran (data: rule_id, rule, event, done)
    FIELD_CHANGE = "field_change"  # title, description, category, tags, a custom field
    DISPOSITION = "disposition"  # the reason code chosen at a call's wrap-up
    EMAIL_IN = "email_in"  # a customer's e-mail (data: mail_message_id)
    EMAIL_OUT = "email_out"  # an e-mail the ticket sent (data: mail_message_id, outgoing_id)
    CSAT = "csat"  # the customer's satisfaction score (data: score, channel, agent)


# The workflow runs New → In progress → Waiting for customer → Resolved → Closed.
# Work can also be resolved or closed early from any open state (a wrong number
# needs no reply), a customer's answer puts a waiting ticket back in progress, a
# resolved ticket closes (by hand or after N days) or reopens, and a closed
# ticket reopens into progress.
_FINISHING = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})
_TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    TicketStatus.NEW: frozenset({TicketStatus.IN_PROGRESS}) | _FINISHING,
    TicketStatus.IN_PROGRESS: frozenset({TicketStatus.WAITING_FOR_CUSTOMER}) | _FINISHING,
    TicketStatus.WAITING_FOR_CUSTOMER: frozenset({TicketStatus.IN_PROGRESS}) | _FINISHING,
    TicketStatus.RESOLVED: frozenset({TicketStatus.IN_PROGRESS, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset({TicketStatus.IN_PROGRESS}),
}

# The statuses in which the work is done: no clock runs, no call joins, no snooze.
FINISHED: frozenset[TicketStatus] = _FINISHING


def is_finished(status: str) -> bool:
    return status in FINISHED


def can_transition(current: TicketStatus, target: TicketStatus) -> bool:
    return target in _TRANSITIONS[current]


class ResponseKind(StrEnum):
    """What may count as the first response to the customer (``tickets.first_response``)."""

    ANSWERED_CALL = "answered_call"  # an agent answered an inbound call on the ticket
    REACHED_CALLBACK = "reached_callback"  # a callback attempt reported "reached"
    PUBLIC_NOTE = "public_note"  # a note marked public (a reply the customer sees)
    AGENT_REPLY = "agent_reply"  # an agent's e-mail reply from the ticket
