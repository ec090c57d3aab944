"""The webhooks' values: event types, delivery states, the retry schedule."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EventType(StrEnum):
    TICKET_CREATED = "ticket.created"
    TICKET_UPDATED = "ticket.updated"
    TICKET_CLOSED = "ticket.closed"
    CALL_FINISHED = "call.finished"
    CALLBACK_DUE = "callback.due"
    SLA_WARNING = "sla.warning"
    SLA_BREACHED = "sla.breached"
    TRANSCRIPT_READY = "transcript.ready"


# Sent to one named endpoint only, whatever it subscribed to.
AUTOMATION_RULE = "automation.rule"  # an automation rule's call_webhook action
TEST = "webhook.test"  # the admin's "send a test event"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # due at next_attempt_at (a retry too)
    DELIVERED = "delivered"  # a 2xx answer
    FAILED = "failed"  # gave up after max_attempts (an admin may send it again)


# Standard Webhooks' recommendation: after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
DEFAULT_SCHEDULE: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
MAX_ERROR_CHARS = 500
MAX_EXCERPT_BYTES = 1024
MAX_URL = 2000
MAX_DESCRIPTION = 500


@dataclass(frozen=True, slots=True)
class Outcome:
    """One attempt's result, as the worker saw it."""

    status_code: int | None
    duration_ms: int
    error: str | None
    excerpt: str | None

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
