"""OpenAPI parameters and component schemas of the notification endpoints."""

from __future__ import annotations

from typing import Any

from ccengine.web.endpoints import nullable, path_param, query, ref
from ccengine.web.params import MAX_SQL_INT

Schema = dict[str, Any]
MAX_LIMIT = 100
DEFAULT_LIMIT = 20

LIST_PARAMETERS = [
    query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                    "default": DEFAULT_LIMIT}, "notifications per page"),
    query("cursor", {"type": "string", "pattern": "^[ur][0-9]{1,10}$"},
          "next_cursor of the previous page"),
]
NOTIFICATION_ID = path_param("notification_id", "the notification's id",
                             {"type": "integer", "minimum": 1, "maximum": MAX_SQL_INT})

SCHEMAS: dict[str, Schema] = {
    "Notification": {
        "type": "object",
        "required": ["id", "kind", "title", "body", "data", "created_at", "read_at"],
        "properties": {
            "id": {"type": "integer"},
            "kind": {"type": "string", "description": "sla_alert"},
            "ticket_number": nullable("string"),
            "title": {"type": "string"},
            "body": {"type": "string"},
            "data": {"type": "object", "description":
                     "sla_alert: clock (first_response, resolution), threshold (50, 80, 100), "
                     "moment (ISO 8601), ticket_title"},
            "created_at": {"type": "string", "format": "date-time"},
            "read_at": nullable("string", format="date-time"),
        },
    },
    "NotificationPage": {
        "type": "object",
        "required": ["items", "unread", "next_cursor"],
        "properties": {
            "items": {"type": "array", "items": ref("Notification"),
                      "description": "unread first, then read; newest first in each"},
            "unread": {"type": "integer", "minimum": 0},
            "next_cursor": nullable("string", description="null: this was the last page"),
        },
    },
    "NotificationsMarked": {
        "type": "object", "required": ["marked", "unread"],
        "properties": {"marked": {"type": "integer", "minimum": 0},
                       "unread": {"type": "integer", "minimum": 0}},
    },
}
