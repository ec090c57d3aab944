"""OpenAPI parameters and component schemas of the automation endpoints."""

from __future__ import annotations

from typing import Any

from ccengine.automation.actions import ACTIONS
from ccengine.automation.conditions import CONDITIONS
from ccengine.automation.model import Event
from ccengine.web.endpoints import nullable, path_param, ref
from ccengine.web.params import MAX_SQL_INT

Schema = dict[str, Any]

RULE_ID = path_param("rule_id", "the rule's id",
                     {"type": "integer", "minimum": 1, "maximum": MAX_SQL_INT})
_ITEM = {"type": "object", "required": ["kind"],
         "properties": {"kind": {"type": "string"}, "value": {}}}
_TRIGGER = {
    "type": "object", "required": ["event"],
    "properties": {
        "event": {"type": "string", "enum": [str(event) for event in Event]},
        "status": {"type": "string", "description": "time_in_status: the status"},
        "hours": {"type": "number", "description": "time_in_status: hours in it"},
        "clock": {"type": "string", "enum": ["first_response", "resolution"],
                  "description": "sla_threshold: which clock (absent: either)"},
        "threshold": {"type": "integer", "enum": [50, 80, 100],
                      "description": "sla_threshold: which threshold (absent: any)"},
    },
}

SCHEMAS: dict[str, Schema] = {
    "AutomationRuleInput": {
        "type": "object", "required": ["name", "trigger", "actions"],
        "properties": {
            "name": {"type": "string", "maxLength": 200},
            "enabled": {"type": "boolean", "default": True},
            "trigger": _TRIGGER,
            "conditions": {"type": "array", "maxItems": 20, "items": _ITEM,
                           "description": "all must hold; kinds: " + ", ".join(CONDITIONS)},
            "actions": {"type": "array", "minItems": 1, "maxItems": 20, "items": _ITEM,
                        "description": "kinds: " + ", ".join(ACTIONS) + " (send_reply_template: a"
                        " reply template's name; call_webhook: a webhook endpoint's id)"},
        },
    },
    "AutomationRule": {
        "type": "object",
        "required": ["id", "position", "name", "enabled", "trigger", "conditions", "actions"],
        "properties": {
            "id": {"type": "integer"}, "position": {"type": "integer"},
            "name": {"type": "string"}, "enabled": {"type": "boolean"},
            "trigger": _TRIGGER,
            "conditions": {"type": "array", "items": _ITEM},
            "actions": {"type": "array", "items": _ITEM},
        },
    },
    "AutomationRuleList": {
        "type": "object", "required": ["items"],
        "properties": {"items": {"type": "array", "items": ref("AutomationRule")}},
    },
    "AutomationEnabled": {
        "type": "object", "required": ["enabled"],
        "properties": {"enabled": {"type": "boolean"}},
    },
    "AutomationOrder": {
        "type": "object", "required": ["ids"],
        "properties": {"ids": {"type": "array", "items": {"type": "integer"},
                               "description": "every rule's id once, in running order"}},
    },
    "AutomationTestInput": {
        "type": "object", "required": ["ticket"],
        "properties": {"ticket": {"type": "string", "description": "a ticket number"}},
    },
    "AutomationTestResult": {
        "type": "object", "required": ["ticket", "rules"],
        "properties": {
            "ticket": {"type": "string"},
            "rules": {"type": "array", "items": {
                "type": "object",
                "required": ["id", "name", "enabled", "event", "triggered", "fires", "checks"],
                "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"},
                    "enabled": {"type": "boolean"}, "event": {"type": "string"},
                    "triggered": {"type": "boolean", "description":
                                  "its event could fire it now (a time rule: the ticket has "
                                  "been in the status long enough)"},
                    "fires": {"type": "boolean"},
                    "checks": {"type": "array", "items": {
                        "type": "object",
                        "required": ["kind", "passed", "detail", "code", "params"],
                        "properties": {"kind": {"type": "string"},
                                       "passed": {"type": "boolean"},
                                       "detail": {"type": "string",
                                                  "description": "why, in English"},
                                       "code": {"type": "string", "description":
                                                "the detail's stable code: in_list, under, "
                                                "found, none_of, has_tags, no_tags, vip, "
                                                "not_vip, open, closed, no_calendar"},
                                       "params": {"type": "object", "description":
                                                  "the detail's values by name",
                                                  "additionalProperties": {
                                                      "type": "string"}}}}},
                }}},
        },
    },
    "AutomationCatalog": {
        "type": "object", "required": ["events", "conditions", "actions"],
        "properties": {
            "events": {"type": "array", "items": {"type": "string"}},
            "conditions": {"type": "array", "items": {"type": "object"}},
            "actions": {"type": "array", "items": {"type": "object"}},
        },
    },
    "TimeInStatus": {
        "type": "object", "required": ["number", "status", "since", "seconds"],
        "properties": {
            "number": {"type": "string"}, "status": {"type": "string"},
            "since": nullable("string", format="date-time",
                              description="when the current stay began"),
            "seconds": {"type": "object", "additionalProperties": {"type": "integer"},
                        "description": "whole seconds spent in each status, all stays "
                                       "summed (eskalacja łączna)"},
        },
    },
}
