"""OpenAPI component schemas of the ticket workspace API (``tickets_api``)."""

from __future__ import annotations

from typing import Any

from ccengine.sla import SlaState
from ccengine.ticket_fields.schemas import FIELD_CHANGES, TICKET_FIELD_PROPERTIES
from ccengine.tickets.enums import ActivityKind, Priority, TicketStatus
from ccengine.tickets.queries import COUNT_LIMIT
from ccengine.web.endpoints import nullable, page_of, ref

Schema = dict[str, Any]
STATUSES = [status.value for status in TicketStatus]
PRIORITIES = [priority.value for priority in Priority]
MAX_NOTE = 10_000


TIME = {"type": "string", "format": "date-time"}

TICKET_SUMMARY: Schema = {
    "type": "object",
    "properties": {
        "number": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "string", "enum": STATUSES},
        "priority": {"type": "string", "enum": PRIORITIES},
        "kind": {"type": "string"},
        "queue": nullable("string"),
        "assignee": nullable("string", description="the display name of a user"),
        "source_channel": {"type": "string"},
        "caller": nullable("string", description="E.164 where the number is valid"),
        "caller_name": nullable("string"),
        "vip": {"type": "boolean"},
        "created_at": TIME,
        "updated_at": TIME,
        "closed_at": nullable("string", format="date-time"),
        "sla": {"allOf": [ref("TicketSla")], "nullable": True,
                "description": "null when the ticket has no SLA policy"},
        "snoozed_until": nullable("string", format="date-time", description=(
            "snoozed: hidden from the lists, clocks paused, until then")),
        "category": TICKET_FIELD_PROPERTIES["category"],  # in the list's items
        "tags": TICKET_FIELD_PROPERTIES["tags"],
    },
}

_MOMENT = nullable("string", format="date-time")
_STATE = {"type": "string", "enum": [state.value for state in SlaState]}
SLA_CLOCK: Schema = {
    "type": "object",
    "required": ["due_at", "done_at", "percent", "state", "warning_at"],
    "properties": {
        "due_at": _MOMENT,
        "done_at": _MOMENT,
        "percent": {"type": "integer", "minimum": 0},
        "state": _STATE,
        "warning_at": {**_MOMENT, "description": (
            "when this running clock turns warning (null: done, paused, or it will not)")},
    },
}
TICKET_SLA: Schema = {
    "type": "object",
    "description": "the ticket's SLA clocks as of the request (computed, never stored)",
    "required": ["policy", "first_response_due_at", "resolution_due_at", "first_response_at",
                 "resolved_at", "state", "percent", "warning_at", "breach_at", "clocks"],
    "properties": {
        "policy": {"type": "string"},
        "first_response_due_at": {**_MOMENT, "description": "when the first response is due"},
        "resolution_due_at": {**_MOMENT, "description": (
            "when resolution is due; while paused, the due time if resumed now")},
        "first_response_at": _MOMENT,
        "resolved_at": _MOMENT,
        "state": _STATE,
        "percent": {"type": "integer", "minimum": 0, "description": (
            "of the allowed open time used by the clock that sets the state; past 100 "
            "once breached")},
        "warning_at": {**_MOMENT, "description": (
            "when a running clock turns warning, as the facts stand (null: it will not)")},
        "breach_at": {**_MOMENT, "description": (
            "when a running clock falls due, as the facts stand (null: it will not; a "
            "paused clock does not fall due while paused)")},
        "clocks": {"type": "object", "required": ["first_response", "resolution"],
                   "properties": {"first_response": SLA_CLOCK, "resolution": SLA_CLOCK}},
    },
}

CALL_WITH_RECORDING: Schema = {
    "allOf": [ref("Call"), {"type": "object", "properties": {
        "id": {"type": "integer"},
        "recording_url": nullable("string", description=(
            "GET it for the call's (redacted) recording; null when the call was not recorded")),
    }}],
}

TIMELINE_ENTRY: Schema = {
    "type": "object",
    "required": ["at", "kind", "body", "data"],
    "properties": {
        "at": TIME,
        "kind": {"type": "string", "enum": [kind.value for kind in ActivityKind]},
        "author": nullable("string"),
        "body": {"type": "string"},
        "data": {"type": "object", "description": (
            "call: route; transcript: segments (speaker, start, end, masked text), flags; "
            "status_change, priority_change, assignment, queue_change: from, to; "
            "merge: into or from; link: number, kind, removed; split: call_id, into or from; "
            "field_change: field (title, description, category, tags, custom_fields.<key>), "
            "from, to")},
        "call": {"allOf": [ref("CallWithRecording")], "nullable": True},
        "mail": {"allOf": [ref("MailMessage")], "nullable": True, "description": (
            "email_in, email_out: the message (sanitized HTML, text, quoted history, "
            "notes, files)")},
    },
}

def _capped(page: Schema) -> Schema:
    """A page whose ``total`` stops counting at a limit (``tickets.queries.COUNT_LIMIT``)."""
    properties = {
        **page["properties"],
        "total": {"type": "integer", "minimum": 0, "description": (
            f"the matching tickets, counted exactly up to {COUNT_LIMIT} (or to the end of "
            "the page asked for, when deeper); past that, that many and total_exact false")},
        "total_exact": {"type": "boolean", "description": (
            "false: more tickets than total match, and a next page exists")}}
    return {**page, "required": [*page["required"], "total_exact"], "properties": properties}


SCHEMAS: dict[str, Schema] = {
    "TicketSummary": TICKET_SUMMARY,
    "TicketSla": TICKET_SLA,
    "TicketPage": _capped(page_of("TicketSummary")),
    "CallWithRecording": CALL_WITH_RECORDING,
    "TimelineEntry": TIMELINE_ENTRY,
    "TicketDetail": {
        "type": "object",
        "required": ["ticket", "customer", "activities", "calls", "timeline", "merged",
                     "links", "merged_from"],
        "properties": {
            "ticket": ref("TicketSummary"),
            "merged": {"type": "array", "items": {"type": "string"},
                       "description": "the numbers merged into this ticket"},
            "links": {"type": "array", "items": ref("TicketLink"),
                      "description": "linked tickets the asker may see, both directions"},
            "merged_from": nullable("string", description=(
                "the number asked when it was merged into this ticket (GET of a merged "
                "number answers the ticket it was merged into)")),
            "customer": nullable("object", properties={
                "id": {"type": "integer"},
                "phone": nullable("string"),
                "name": nullable("string"),
                "vip": {"type": "boolean"},
                "created_at": TIME,
            }),
            "activities": {"type": "array", "items": {"type": "object"}},
            "calls": {"type": "array", "items": ref("CallWithRecording")},
            "timeline": {"type": "array", "items": ref("TimelineEntry")},
            "follow_up_of": nullable("string", description=(
                "the number of the finished ticket this one follows up")),
            "follow_ups": {"type": "array", "items": {"type": "string"}, "description": (
                "the numbers of the tickets opened as follow-ups of this one")},
            **TICKET_FIELD_PROPERTIES,
            "time_in_status": {"allOf": [ref("TimeInStatus")], "nullable": True, "description": (
                "seconds spent in each status, all stays summed (eskalacja łączna), and "
                "when the current stay began; as GET .../time-in-status")},
        },
    },
    "TicketChanges": {
        "type": "object",
        "description": "at least one field; a field equal to the ticket's is no change",
        "additionalProperties": False,
        "properties": {
            "status": {"type": "string", "enum": STATUSES},
            "priority": {"type": "string", "enum": PRIORITIES},
            "assignee": nullable("string", maxLength=200, description=(
                "a display name from GET /api/v1/assignees, \"me\", or null for nobody")),
            "queue": {"type": "string", "minLength": 1, "maxLength": 100,
                      "description": "move the ticket to this queue (its SLA may change)"},
            **FIELD_CHANGES,
        },
    },
    "NewNote": {
        "type": "object",
        "required": ["body"],
        "additionalProperties": False,
        "properties": {
            "body": {"type": "string", "minLength": 1, "maxLength": MAX_NOTE},
            "public": {"type": "boolean", "default": False,
                       "description": "the customer was told this (a reply): it may be the "
                                      "ticket's first response"},
        },
    },
    "Activity": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string"},
            "body": {"type": "string"},
            "author": nullable("string"),
            "created_at": TIME,
        },
    },
    "Assignees": {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {
            "display_name": {"type": "string"},
            "role": {"type": "string"},
        }}}},
    },
}
