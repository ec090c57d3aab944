"""OpenAPI component schemas of merge, links, split and bulk edit (``relations_api``)."""

from __future__ import annotations

from typing import Any

from ccengine.tickets.relations import MAX_BULK
from ccengine.tickets.relations_rules import LinkKind
from ccengine.web.endpoints import nullable, ref
from ccengine.web.tickets_schemas import PRIORITIES, STATUSES

Schema = dict[str, Any]
NUMBER: Schema = {"type": "string", "minLength": 1, "maxLength": 64,
                  "description": "a ticket number, e.g. TK-2026-000001"}
KINDS = [kind.value for kind in LinkKind]

TICKET_LINK: Schema = {
    "type": "object",
    "required": ["number", "kind", "title", "status"],
    "properties": {
        "number": {"type": "string"},
        "kind": {"type": "string", "enum": KINDS,
                 "description": "what that ticket is to this one"},
        "title": {"type": "string"},
        "status": {"type": "string", "enum": STATUSES},
    },
}

SCHEMAS: dict[str, Schema] = {
    "TicketLink": TICKET_LINK,
    "TicketTies": {
        "type": "object",
        "required": ["merged", "links"],
        "properties": {
            "merged": {"type": "array", "items": {"type": "string"},
                       "description": "the numbers merged into this ticket"},
            "links": {"type": "array", "items": ref("TicketLink")},
        },
    },
    "MergeRequest": {
        "type": "object", "required": ["into"], "additionalProperties": False,
        "properties": {"into": {**NUMBER, "description": (
            "the ticket that takes this one's calls, notes and transcripts; an open one")}},
    },
    "MergeResult": {
        "type": "object", "required": ["merged", "into"],
        "properties": {"merged": {"type": "string"}, "into": {"type": "string"}},
    },
    "NewLink": {
        "type": "object", "required": ["number", "kind"], "additionalProperties": False,
        "properties": {"number": NUMBER,
                       "kind": {"type": "string", "enum": KINDS,
                                "description": "what that ticket is to this one"}},
    },
    "SplitRequest": {
        "type": "object", "required": ["call_id"], "additionalProperties": False,
        "properties": {"call_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1,
                                   "description": "a call of this ticket (its calls[].id)"}},
    },
    "SplitResult": {
        "type": "object", "required": ["number", "from"],
        "properties": {"number": {"type": "string", "description": "the new ticket"},
                       "from": {"type": "string"}},
    },
    "BulkChanges": {
        "type": "object", "required": ["numbers", "changes"], "additionalProperties": False,
        "properties": {
            "numbers": {"type": "array", "items": NUMBER, "minItems": 1, "maxItems": MAX_BULK,
                        "uniqueItems": True},
            "changes": {
                "type": "object", "additionalProperties": False,
                "description": "at least one field, as in PATCH /api/v1/tickets/{number}",
                "properties": {
                    "status": {"type": "string", "enum": STATUSES},
                    "priority": {"type": "string", "enum": PRIORITIES},
                    "assignee": nullable("string", maxLength=200, description=(
                        "a display name from GET /api/v1/assignees, \"me\", or null")),
                    "queue": {"type": "string", "minLength": 1, "maxLength": 100},
                    "add_tags": {"type": "array", "maxItems": 30,
                                 "items": {"type": "string", "maxLength": 200}},
                    "remove_tags": {"type": "array", "maxItems": 30,
                                    "items": {"type": "string", "maxLength": 200}},
                },
            },
        },
    },
    "BulkResult": {
        "type": "object", "required": ["items"],
        "description": "per ticket, in the order asked: each ticket is changed on its own",
        "properties": {"items": {"type": "array", "items": {
            "type": "object", "required": ["number", "ok", "error"],
            "properties": {
                "number": {"type": "string"},
                "ok": {"type": "boolean"},
                "error": nullable("string", description="the error id when not ok"),
                "message": {"type": "string"},
            }}}},
    },
}
