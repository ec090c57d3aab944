"""OpenAPI component schemas of the ticket life endpoints (``life_api``)."""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

SCHEMAS: dict[str, Schema] = {
    "Snooze": {
        "type": "object",
        "required": ["until"],
        "additionalProperties": False,
        "properties": {
            "until": {"type": "string", "format": "date-time", "description": (
                "when the ticket comes back, ISO 8601 with an offset; in the future "
                "(else 400 snooze-in-the-past) and within a year (else 400 snooze-too-far)")},
        },
    },
}
