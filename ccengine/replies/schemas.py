"""OpenAPI schemas of the replies' endpoints."""

from __future__ import annotations

from typing import Any

from ccengine.web.endpoints import nullable, ref

Schema = dict[str, Any]
_STRING: Schema = {"type": "string"}
_STRINGS: Schema = {"type": "array", "items": _STRING}

SCHEMAS: dict[str, Schema] = {
    "ReplySent": {
        "type": "object",
        "required": ["activity_id", "outgoing_id", "mail_message_id", "message_id", "subject",
                     "to", "cc", "status", "delivery"],
        "properties": {
            "activity_id": {"type": "integer"}, "outgoing_id": {"type": "integer"},
            "mail_message_id": {"type": "integer"}, "message_id": _STRING,
            "subject": _STRING, "to": _STRINGS, "cc": _STRINGS,
            "status": {"type": "string", "description": "the ticket's, after the reply"},
            "delivery": {"type": "string", "enum": ["queued", "sent", "failed"]},
        },
    },
    "ReplyDraft": {
        "type": "object",
        "required": ["to", "subject", "mailbox", "signature_html", "queue_signature_html"],
        "properties": {"to": _STRINGS, "subject": _STRING, "mailbox": _STRING,
                       "signature_html": _STRING, "queue_signature_html": _STRING},
    },
    "TicketMail": {
        "type": "object",
        "properties": {
            "mail_message_id": nullable("integer"), "activity_id": nullable("integer"),
            "direction": {"type": "string", "enum": ["in", "out"]}, "message_id": _STRING,
            "subject": _STRING, "from": nullable("string"), "to": _STRINGS, "cc": _STRINGS,
            "at": {"type": "string", "format": "date-time"},
            "outgoing_id": nullable("integer"),
            "delivery": nullable("string"),
            "attempts": nullable("integer"), "last_error": nullable("string"),
        },
    },
    "TicketMailList": {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": ref("TicketMail")}}},
    "ReplyTemplate": {
        "type": "object", "required": ["id", "name", "subject", "body_html", "queue", "active"],
        "properties": {"id": {"type": "integer"}, "name": _STRING, "subject": _STRING,
                       "body_html": _STRING, "queue": nullable("string"),
                       "active": {"type": "boolean"}},
    },
    "ReplyTemplateNew": {
        "type": "object", "required": ["name", "body_html"],
        "properties": {"name": _STRING, "subject": _STRING, "body_html": _STRING,
                       "queue": nullable("string"), "active": {"type": "boolean"}},
    },
    "ReplyTemplateList": {"type": "object", "required": ["items", "placeholders"],
                          "properties": {"items": {"type": "array",
                                                   "items": ref("ReplyTemplate")},
                                         "placeholders": _STRINGS}},
    "ReplyPreview": {"type": "object", "required": ["id", "subject", "html"],
                     "properties": {"id": {"type": "integer"}, "subject": _STRING,
                                    "html": _STRING}},
    "Signature": {"type": "object", "required": ["html"], "properties": {"html": _STRING}},
}
