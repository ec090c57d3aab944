"""OpenAPI schemas of the dispositions' endpoints."""

from __future__ import annotations

from typing import Any

from ccengine.web.endpoints import nullable, ref

Schema = dict[str, Any]
_STRING: Schema = {"type": "string"}

SCHEMAS: dict[str, Schema] = {
    "Disposition": {
        "type": "object",
        "required": ["code", "label_pl", "label_en", "active", "queue"],
        "properties": {
            "code": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,39}$"},
            "label_pl": _STRING, "label_en": _STRING, "active": {"type": "boolean"},
            "queue": nullable("string"),
        },
    },
    "DispositionList": {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": ref("Disposition")}}},
    "DispositionNew": {
        "type": "object", "required": ["code", "label_pl", "label_en"],
        "properties": {"code": _STRING, "label_pl": _STRING, "label_en": _STRING,
                       "queue": nullable("string")},
    },
    "DispositionEdit": {
        "type": "object",
        "properties": {"label_pl": _STRING, "label_en": _STRING, "active": {"type": "boolean"},
                       "queue": nullable("string")},
    },
    "DispositionReport": {
        "type": "object", "required": ["from", "to", "queue", "items"],
        "properties": {
            "from": {"type": "string", "format": "date-time"},
            "to": {"type": "string", "format": "date-time"}, "queue": nullable("string"),
            "items": {"type": "array", "items": {"type": "object", "properties": {
                "code": _STRING, "queue": nullable("string"), "count": {"type": "integer"},
                "label_pl": _STRING, "label_en": _STRING}}},
        },
    },
}
