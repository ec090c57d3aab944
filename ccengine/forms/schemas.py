"""OpenAPI schemas of the web forms' endpoints."""

from __future__ import annotations

from typing import Any

from ccengine.forms.model import FieldKind
from ccengine.forms.rules import MAX_FIELD_LENGTH
from ccengine.web.endpoints import nullable, ref

Schema = dict[str, Any]
_STRING: Schema = {"type": "string"}

_FIELD: Schema = {
    "type": "object", "required": ["name", "label_pl", "label_en"],
    "properties": {
        "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,39}$"},
        "label_pl": _STRING, "label_en": _STRING,
        "kind": {"type": "string", "enum": [kind.value for kind in FieldKind]},
        "required": {"type": "boolean"},
        "max_length": {"type": "integer", "minimum": 1, "maximum": MAX_FIELD_LENGTH},
        "choices": {"type": "array", "items": _STRING},
    },
}
_DEFINITION: dict[str, Schema] = {
    "key": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,59}$"},
    "name": _STRING, "queue": _STRING,
    "fields": {"type": "array", "items": _FIELD},
    "allowed_origins": {"type": "array", "items": _STRING,
                        "description": "e.g. https://shop.example (CORS)"},
    "thank_you_url": nullable("string", description="where a plain post is redirected"),
    "active": {"type": "boolean"},
}

SCHEMAS: dict[str, Schema] = {
    "WebForm": {
        "type": "object",
        "required": ["key", "name", "queue", "fields", "allowed_origins", "active",
                     "spam_count"],
        "properties": {**_DEFINITION, "spam_count": {"type": "integer"},
                       "created_at": {"type": "string", "format": "date-time"},
                       "updated_at": {"type": "string", "format": "date-time"}},
    },
    "WebFormList": {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": ref("WebForm")}}},
    "WebFormInput": {"type": "object", "required": ["name", "queue", "fields"],
                     "properties": _DEFINITION},
    "WebFormPost": {"type": "object", "additionalProperties": _STRING,
                    "description": "the form's fields by name; 'website' is the honeypot"},
    "WebFormAccepted": {"type": "object", "required": ["ticket"], "properties": {
        "ticket": nullable("string", description="the ticket's number")}},
    "WebFormEmbed": {"type": "object", "required": ["key", "action", "html"], "properties": {
        "key": _STRING, "action": _STRING, "html": _STRING}},
}
