"""OpenAPI component schemas of ticket fields and saved views."""

from __future__ import annotations

from typing import Any

from ccengine.ticket_fields.rules import FieldKind
from ccengine.web.endpoints import nullable, ref

Schema = dict[str, Any]

# The ticket list parameters a saved view may hold (``GET /api/v1/tickets``).
VIEW_PARAMETERS = ("status", "queue", "priority", "assignee", "caller", "text", "snoozed",
                   "sla_state", "due_within", "at_risk", "category", "tag", "custom_field",
                   "open", "my_queues")
_LABEL = {"type": "string", "minLength": 1, "maxLength": 100}
_KEY = {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,49}$"}
CHOICE: Schema = {"type": "object", "required": ["key", "label_pl", "label_en"],
                  "properties": {"key": _KEY, "label_pl": _LABEL, "label_en": _LABEL}}

CATEGORY: Schema = {
    "type": "object",
    "required": ["id", "name", "parent_id", "path", "position", "retired", "depth"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "parent_id": nullable("integer"),
        "path": {"type": "array", "items": {"type": "string"},
                 "description": "names from the top category down to this one"},
        "position": {"type": "integer"},
        "retired": {"type": "boolean", "description": "takes no new tickets; stays on old"},
        "depth": {"type": "integer", "minimum": 0},
    },
}

CUSTOM_FIELD: Schema = {
    "type": "object",
    "required": ["key", "kind", "label_pl", "label_en", "choices", "required", "retired"],
    "properties": {
        "key": {"type": "string"},
        "kind": {"type": "string", "enum": [kind.value for kind in FieldKind]},
        "label_pl": {"type": "string"}, "label_en": {"type": "string"},
        "choices": {"type": "array", "items": ref("CustomFieldChoice")},
        "required": {"type": "boolean", "description": (
            "a ticket is not resolved or closed without it, and it cannot be cleared")},
        "position": {"type": "integer"},
        "retired": {"type": "boolean"},
    },
}

VIEW: Schema = {
    "type": "object",
    "required": ["id", "name", "built_in", "shared", "owner", "mine", "query", "sort"],
    "properties": {
        "id": {"type": "string", "description": "a number, or a built-in view's key"},
        "name": {"type": "string"},
        "built_in": {"type": "boolean"},
        "shared": {"type": "boolean"},
        "owner": nullable("string"),
        "mine": {"type": "boolean"},
        "query": {"type": "object", "additionalProperties": {"type": "string"}},
        "sort": nullable("string"),
    },
}

SCHEMAS: dict[str, Schema] = {
    "TicketCategory": CATEGORY,
    "TicketCategories": {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": ref("TicketCategory")}}},
    "NewTicketCategory": {"type": "object", "required": ["name"], "additionalProperties": False,
                          "properties": {"name": _LABEL, "parent_id": nullable("integer")}},
    "TicketCategoryChanges": {
        "type": "object", "additionalProperties": False, "properties": {
            "name": _LABEL, "parent_id": nullable("integer", description="null: top level"),
            "position": {"type": "integer", "minimum": 0, "maximum": 10_000},
            "retired": {"type": "boolean"}}},
    "CustomFieldChoice": CHOICE,
    "CustomField": CUSTOM_FIELD,
    "CustomFields": {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": ref("CustomField")}}},
    "NewCustomField": {
        "type": "object", "required": ["key", "kind", "label_pl", "label_en"],
        "additionalProperties": False, "properties": {
            "key": _KEY, "kind": {"type": "string", "enum": [k.value for k in FieldKind]},
            "label_pl": _LABEL, "label_en": _LABEL,
            "choices": {"type": "array", "items": ref("CustomFieldChoice"),
                        "description": "a choice field's choices (and only its)"},
            "required": {"type": "boolean", "default": False}}},
    "CustomFieldChanges": {
        "type": "object", "additionalProperties": False, "properties": {
            "label_pl": _LABEL, "label_en": _LABEL,
            "choices": {"type": "array", "items": ref("CustomFieldChoice"), "description": (
                "replaces the choices; one on tickets cannot be left out")},
            "required": {"type": "boolean"}, "retired": {"type": "boolean"},
            "position": {"type": "integer", "minimum": 0, "maximum": 10_000}}},
    "TicketTags": {"type": "object", "required": ["items"], "properties": {"items": {
        "type": "array", "items": {"type": "object", "properties": {
            "tag": {"type": "string"}, "tickets": {"type": "integer"}}}}}},
    "TicketView": VIEW,
    "TicketViews": {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": ref("TicketView")}}},
    "TicketViewChanges": {
        "type": "object", "additionalProperties": False, "properties": {
            "name": _LABEL,
            "query": {"type": "object", "description": (
                "ticket list parameters: " + ", ".join(VIEW_PARAMETERS)),
                "additionalProperties": {"type": "string", "maxLength": 200}},
            "sort": nullable("string", description="a sort of GET /api/v1/tickets"),
            "shared": {"type": "boolean", "description": "admins and privileged agents"}}},
    "Deleted": {"type": "object", "required": ["deleted"],
                "properties": {"deleted": {"type": "boolean"}}},
}

# What GET /api/v1/tickets/{number} and the list add to a ticket (``reads``).
TICKET_FIELD_PROPERTIES: Schema = {
    "description": nullable("string"),
    "category": {"allOf": [ref("TicketCategory")], "nullable": True},
    "tags": {"type": "array", "items": {"type": "string"}},
    "custom_fields": {"type": "object", "description": "key → value (numbers as numbers)"},
}

# What PATCH /api/v1/tickets/{number} takes besides status, priority, assignee, queue.
FIELD_CHANGES: Schema = {
    "title": {"type": "string", "minLength": 1, "maxLength": 300},
    "description": nullable("string", maxLength=20_000, description="null or empty clears"),
    "category": nullable("integer", minimum=1, description=(
        "a category id (not a retired one); null for none")),
    "tags": {"type": "array", "maxItems": 30, "items": {"type": "string", "maxLength": 200},
             "description": "replaces the tags; each normalised (case, spaces folded)"},
    "custom_fields": {"type": "object", "maxProperties": 50, "description": (
        "key → value as the field's kind takes it (text, number, choice key, "
        "YYYY-MM-DD); null clears (not a required field)")},
}
