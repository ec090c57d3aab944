"""OpenAPI schemas of the e-mail endpoints and of a ticket's messages."""

from __future__ import annotations

from typing import Any

from ccengine.web.endpoints import nullable, ref

__all__ = ["MAIL_MESSAGE", "SCHEMAS"]

_STRINGS = {"type": "array", "items": {"type": "string"}}

MAIL_MESSAGE: dict[str, Any] = {
    "type": "object",
    "required": ["id", "direction", "subject", "text", "html", "quoted_text", "notes",
                 "attachments"],
    "properties": {
        "id": {"type": "integer"},
        "direction": {"type": "string", "enum": ["in", "out"]},
        "message_id": {"type": "string"},
        "subject": {"type": "string"},
        "from_address": nullable("string"),
        "from_name": nullable("string"),
        "to": _STRINGS,
        "cc": _STRINGS,
        "text": {"type": "string", "description": "the new text, quoted history folded off"},
        "html": nullable("string", description=(
            "sanitized HTML (allow-listed tags, no scripts, styles or remote images; "
            "images only cid: or data:); render it sandboxed")),
        "quoted_text": nullable("string", description="the quoted history, folded"),
        "notes": {**_STRINGS, "description": "e.g. broken MIME kept as wiadomosc.eml, "
                                             "an attachment over the size limit"},
        "received_at": {"type": "string", "format": "date-time"},
        "attachments": {"type": "array", "items": ref("MailAttachmentInfo")},
    },
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "MailMessage": MAIL_MESSAGE,
    "MailAttachmentInfo": {
        "type": "object",
        "required": ["id", "filename", "content_type", "size", "inline", "url"],
        "properties": {
            "id": {"type": "integer"},
            "filename": {"type": "string"},
            "content_type": {"type": "string", "description": "sniffed from the bytes"},
            "size": {"type": "integer", "minimum": 0},
            "inline": {"type": "boolean", "description": "an image the HTML shows (cid:)"},
            "content_id": nullable("string"),
            "url": {"type": "string", "description": "GET it (add ?inline=1 for an image)"},
        },
    },
    "Attachment": {"type": "string", "format": "binary", "description": (
        "the file, as a download (Content-Disposition: attachment), sandboxed, with its "
        "sniffed type; ?inline=1 shows an image inline")},
}
