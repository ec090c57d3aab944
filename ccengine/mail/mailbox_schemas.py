"""OpenAPI schemas of the mailboxes' endpoints."""

from __future__ import annotations

from typing import Any

from ccengine.mail.mailbox_rules import FILTER_FIELDS, MAX_WINDOW, SECURITY
from ccengine.web.endpoints import nullable, ref

Schema = dict[str, Any]
_STRING: Schema = {"type": "string"}
_MOMENT: Schema = nullable("string", format="date-time")
_SECURITY: Schema = {"type": "string", "enum": list(SECURITY)}
_PORT: Schema = nullable("integer", minimum=1, maximum=65535)
_FILTER: Schema = {
    "type": "object", "required": ["field", "contains", "queue"],
    "properties": {"field": {"type": "string", "enum": list(FILTER_FIELDS)},
                   "contains": _STRING, "queue": _STRING}}

_EDITABLE: dict[str, Schema] = {
    "name": _STRING, "queue": _STRING, "address": {"type": "string", "format": "email"},
    "display_name": nullable("string"), "active": {"type": "boolean"},
    "imap_host": nullable("string"), "imap_port": _PORT, "imap_security": _SECURITY,
    "imap_user": nullable("string"), "imap_folder": nullable("string"),
    "imap_done_folder": nullable("string"),
    "smtp_host": nullable("string"), "smtp_port": _PORT, "smtp_security": _SECURITY,
    "smtp_user": nullable("string"),
    "filters": {"type": "array", "items": _FILTER},
    "group_window_minutes": {"type": "integer", "minimum": 0, "maximum": MAX_WINDOW},
    "mask_personal_data": {"type": "boolean"}, "ack_enabled": {"type": "boolean"},
    "ack_subject": nullable("string"), "ack_body": nullable("string"),
    "signature_html": nullable("string"),
}
_PASSWORDS: dict[str, Schema] = {
    "imap_password": nullable("string", description="write-only; empty keeps the stored one"),
    "smtp_password": nullable("string", description="write-only; empty keeps the stored one"),
}

SCHEMAS: dict[str, Schema] = {
    "Mailbox": {
        "type": "object",
        "required": ["id", "name", "queue", "address", "state", "imap_password_set",
                     "smtp_password_set"],
        "properties": {
            **_EDITABLE, "id": {"type": "integer"},
            "imap_password_set": {"type": "boolean"}, "smtp_password_set": {"type": "boolean"},
            "state": {"type": "string",
                      "enum": ["ok", "failing", "never connected", "inactive"]},
            "last_ok_at": _MOMENT, "last_error": nullable("string"),
            "last_error_at": _MOMENT, "failures": {"type": "integer"},
            "next_attempt_at": _MOMENT, "created_at": _MOMENT, "updated_at": _MOMENT,
        },
    },
    "MailboxList": {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": ref("Mailbox")}}},
    "MailboxNew": {"type": "object", "required": ["name", "queue", "address"],
                   "properties": {**_EDITABLE, **_PASSWORDS}},
    "MailboxEdit": {"type": "object", "properties": {**_EDITABLE, **_PASSWORDS}},
}
