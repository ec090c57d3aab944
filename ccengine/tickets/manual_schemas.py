"""OpenAPI component schema of ``POST /api/v1/tickets`` (``manual_api``)."""

from __future__ import annotations

from typing import Any

from ccengine.customers.rules import MAX_EMAIL
from ccengine.tickets.enums import Priority

Schema = dict[str, Any]

MAX_TITLE = 300  # the ticket's title column
MAX_QUEUE = 100  # the ticket's queue column
MAX_ASSIGNEE = 200
MAX_DESCRIPTION = 10_000  # as a note
MAX_PHONE = 40

SCHEMAS: dict[str, Schema] = {
    "NewTicket": {
        "type": "object",
        "required": ["title"],
        "additionalProperties": False,
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": MAX_TITLE},
            "description": {"type": "string", "maxLength": MAX_DESCRIPTION, "description":
                            "stored as the ticket's first note, by its creator"},
            "priority": {"type": "string", "enum": [p.value for p in Priority],
                         "default": "P3"},
            "queue": {"type": "string", "maxLength": MAX_QUEUE},
            "assignee": {"type": "string", "maxLength": MAX_ASSIGNEE, "description":
                         "a display name; by default the creator when she is an agent"},
            "for": {"type": "object", "additionalProperties": False,
                    "maxProperties": 1, "description": (
                        "who the ticket is for: a phone number in any written form or an "
                        "e-mail address (the customer is found or created), a customer id, "
                        "or nothing (nobody yet)"),
                    "properties": {
                        "phone": {"type": "string", "maxLength": MAX_PHONE},
                        "email": {"type": "string", "maxLength": MAX_EMAIL},
                        "customer": {"type": "integer", "minimum": 1},
                    }},
        },
    },
}
