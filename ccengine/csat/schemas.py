"""OpenAPI schemas of the CSAT endpoints."""

from __future__ import annotations

from typing import Any

from ccengine.web.endpoints import nullable

Schema = dict[str, Any]

_FIGURES: dict[str, Schema] = {
    "count": {"type": "integer", "minimum": 0},
    "average": nullable("number"),
    "distribution": {"type": "object", "properties": {
        str(score): {"type": "integer", "minimum": 0} for score in range(1, 6)}},
}


def _group(key: str) -> Schema:
    return {"type": "array", "items": {"type": "object", "properties": {
        key: nullable("string"), **_FIGURES}}}


SCHEMAS: dict[str, Schema] = {
    "CsatSurvey": {"type": "object", "required": ["ticket", "answered"], "properties": {
        "ticket": nullable("string"), "answered": {"type": "boolean"}}},
    "CsatAnswer": {"type": "object", "required": ["score"], "properties": {
        "score": {"type": "integer", "minimum": 1, "maximum": 5},
        "comment": nullable("string", maxLength=2000)}},
    "CsatReport": {
        "type": "object",
        "required": ["from", "to", "count", "average", "distribution", "by_agent",
                     "by_queue"],
        "properties": {
            "from": {"type": "string", "format": "date-time"},
            "to": {"type": "string", "format": "date-time"},
            "queue": nullable("string"), "agent": nullable("string"), **_FIGURES,
            "by_agent": _group("agent"), "by_queue": _group("queue"),
        },
    },
}
