"""OpenAPI component schemas of the agent console API (see webspec's protocol)."""

from __future__ import annotations

from typing import Any

from ccengine.agents.presence import AgentState

Schema = dict[str, Any]


def _nullable(kind: str, **more: Any) -> Schema:
    return {"type": kind, "nullable": True, **more}  # OpenAPI 3.0


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


_STRING = {"type": "string"}

SCHEMAS: dict[str, Schema] = {
    "AgentPresence": {
        "type": "object",
        "properties": {
            "interface": _STRING,
            "state": {"type": "string", "enum": [s.value for s in AgentState]},
            "pause_reason": _nullable("string"),
            "queues": {"type": "array", "items": {"type": "object", "properties": {
                "queue": _STRING, "penalty": {"type": "integer"},
                "paused": {"type": "boolean"}}}},
            "since": _nullable("string", format="date-time"),
            "call": _nullable("string"),
            "wrap_up_until": _nullable("string", format="date-time"),
        },
    },
    "ScreenPop": {
        "type": "object",
        "properties": {
            "linkedid": _STRING, "caller_number": _nullable("string"),
            "caller_name": _nullable("string"), "did": _nullable("string"), "queue": _STRING,
            "wait_seconds": {"type": "integer"}, "rang_at": {"type": "string"},
            "ivr_path": {"type": "array", "items": _STRING}, "ivr_summary": _STRING,
            "customer": _nullable("object"), "recent_tickets": {"type": "array"},
            "ticket": _nullable("object"),
            "state": {"type": "string", "enum": ["ringing", "connected", "wrap_up", "missed"]},
            "call_tickets": {"type": "string",
                             "enum": ["new", "open_ticket", "customer_only"]},
            "disposition_required": {"type": "boolean"},
        },
    },
    "AgentConsoleState": {
        "type": "object",
        "required": ["agent", "pop", "pause_reasons", "queues"],
        "properties": {
            "agent": {"allOf": [_ref("AgentPresence")], "nullable": True},
            "pop": {"allOf": [_ref("ScreenPop")], "nullable": True},
            "pause_reasons": {"type": "array", "items": _STRING},
            "queues": {"type": "array", "items": {"type": "object", "properties": {
                "queue": _STRING, "penalty": {"type": "integer"}}}},
        },
    },
    "AgentMessage": {
        "type": "object",
        "properties": {"type": {"type": "string", "enum": ["agent"]},
                       "agent": _ref("AgentPresence")},
    },
    "AgentLogin": {
        "type": "object",
        "properties": {"queues": {"type": "array", "items": _STRING, "maxItems": 100}},
    },
    "AgentPause": {
        "type": "object", "required": ["reason"],
        "properties": {"reason": {"type": "string", "maxLength": 50}},
    },
    "AgentWrapUp": {
        "type": "object",
        "properties": {"ticket": {"type": "string", "maxLength": 64},
                       "status": {"type": "string"}, "note": {"type": "string"},
                       "disposition": {"type": "string", "maxLength": 40}},
    },
    "CallbackAttempt": {
        "type": "object",
        "properties": {"id": {"type": "integer"}, "at": _STRING, "agent": _STRING,
                       "outcome": _nullable("string"), "agent_answered": _nullable("boolean"),
                       "note": _nullable("string")},
    },
    "CallbackList": {
        "type": "object", "required": ["items"],
        "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {
            "ticket": _STRING, "title": _STRING, "caller": _nullable("string"),
            "caller_name": _nullable("string"), "vip": {"type": "boolean"},
            "priority": _STRING, "created_at": _STRING, "assignee": _nullable("string"),
            "scheduled_at": _nullable("string"),
            "voicemail": {"type": "object", "nullable": True, "description":
                          "the caller's message: ready once transcribed and silenced "
                          "(GET /callbacks/{ticket}/voicemail plays it)",
                          "properties": {"ticket": _STRING, "ready": {"type": "boolean"}}},
            "missed_calls": {"type": "integer",
                             "description": "missed calls waiting on the caller's open callbacks"},
            "also": {"type": "array", "items": _STRING,
                     "description": "the caller's other open callback tickets"},
            "attempts": {"type": "array", "items": _ref("CallbackAttempt")}}}}},
    },
    "CallbackSchedule": {
        "type": "object", "properties": {"at": _nullable("string")},
    },
    "CallbackScheduled": {
        "type": "object", "properties": {"scheduled_at": _nullable("string")},
    },
    "CallbackClaimed": {
        "type": "object", "required": ["holder"], "properties": {"holder": _STRING},
    },
    "CallbackStarted": {
        "type": "object", "required": ["attempt"],
        "properties": {"attempt": {"type": "integer"}},
    },
    "CallbackOutcome": {
        "type": "object", "required": ["attempt", "outcome"],
        "properties": {"attempt": {"type": "integer", "minimum": 1},
                       "outcome": {"type": "string",
                                   "enum": ["reached", "no_answer", "busy", "wrong_number"]},
                       "note": {"type": "string"}},
    },
    "CallbackRecorded": {
        "type": "object", "properties": {"attempt": _ref("CallbackAttempt")},
    },
}
