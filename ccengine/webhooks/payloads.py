"""The ``data`` of each event type, from the rows (pure). What an integration token
already reads from the API, no more: no caller numbers or names, no transcript text
(the id only: the masked text is one API call away)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from ccengine.tickets.models import Call, Ticket
from ccengine.transcribe.storage_models import Transcript

TICKET_FIELDS = ("number", "title", "status", "priority", "kind", "queue", "assignee",
                 "source_channel", "sla_state")
TICKET_TIMES = ("created_at", "updated_at", "closed_at")
CALL_FIELDS = ("id", "pbx", "linkedid", "queue", "agent_name", "outcome", "talk_seconds",
               "hold_seconds")
CALL_TIMES = ("started_at", "answered_at", "ended_at")


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def ticket_data(ticket: Ticket | Any) -> dict[str, Any]:
    """From a ``Ticket`` or a row of the tickets table."""
    return {**{name: getattr(ticket, name) for name in TICKET_FIELDS},
            **{name: iso(getattr(ticket, name)) for name in TICKET_TIMES}}


def call_data(call: Call, ticket_number: str | None) -> dict[str, Any]:
    return {"call": {**{name: getattr(call, name) for name in CALL_FIELDS},
                     **{name: iso(getattr(call, name)) for name in CALL_TIMES}},
            "ticket": ticket_number}


def transcript_data(transcript: Transcript, ticket_number: str | None) -> dict[str, Any]:
    return {"transcript_id": transcript.id, "call_id": transcript.call_id,
            "ticket": ticket_number, "language": transcript.language,
            "duration": transcript.duration, "needs_qa": transcript.needs_qa}


def sla_data(ticket: Ticket, clock: str, threshold: int) -> dict[str, Any]:
    due = ticket.first_response_due_at if clock == "first_response" else ticket.resolution_due_at
    return {"ticket": ticket.number, "clock": clock, "threshold": threshold, "due_at": iso(due),
            "priority": ticket.priority, "queue": ticket.queue}


def new_message_id() -> str:
    return "msg_" + uuid.uuid4().hex


def body_of(kind: str, data: dict[str, Any], now: datetime) -> str:
    """The exact text signed and sent (kept as is: a retry sends the same bytes)."""
    return json.dumps({"type": kind, "timestamp": iso(now), "data": data},
                      ensure_ascii=False, separators=(",", ":"), default=str)
