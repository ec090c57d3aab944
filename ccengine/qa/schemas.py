"""OpenAPI parameters and component schemas of the QA endpoints."""

from __future__ import annotations

from typing import Any

from ccengine.calls.model import Outcome
from ccengine.web.endpoints import nullable, query, ref

Schema = dict[str, Any]
BOOLEAN = {"type": "boolean"}
DAY = {"type": "string", "format": "date"}


FILTERS = [
    query("from", DAY, "first day (YYYY-MM-DD, the contact center's time zone)"),
    query("to", DAY, "last day, included"),
    query("queue", {"type": "string"}, "only calls of this queue"),
    query("agent", {"type": "string"}, "only calls taken by this agent (name)"),
    query("outcome", {"type": "string", "enum": [o.value for o in Outcome]},
          "only calls with this outcome"),
    query("has_transcript", BOOLEAN, "only calls with (true) or without (false) a transcript"),
    query("q", {"type": "string", "maxLength": 200},
          "words that must all appear in the masked transcript"),
    query("flagged", BOOLEAN, "only calls (not) flagged for QA by transcription"),
    query("reviewed", BOOLEAN, "only calls (not) reviewed yet"),
]

SEGMENT: Schema = {"type": "object", "properties": {
    "speaker": {"type": "string"}, "start": {"type": "number"}, "end": {"type": "number"},
    "text": {"type": "string", "description": "masked: [PESEL], [CARD], [CVV]"}}}
FLAG: Schema = {"type": "object", "properties": {
    "reason": {"type": "string", "description": "pii_number_lost, asr_loop"},
    "kind": nullable("string"), "speaker": {"type": "string"}, "at": {"type": "number"}}}

CALL_PROPERTIES: Schema = {
    "id": {"type": "integer"}, "linkedid": {"type": "string"},
    "caller_number": nullable("string"), "caller_name": nullable("string"),
    "did": nullable("string"), "queue": nullable("string"), "agent": nullable("string"),
    "agent_interface": nullable("string"), "outcome": {"type": "string"},
    "started_at": {"type": "string", "format": "date-time"},
    "answered_at": {"type": "string", "format": "date-time", "nullable": True},
    "ended_at": {"type": "string", "format": "date-time"},
    "duration": {"type": "integer"}, "hold_seconds": nullable("integer"),
    "talk_seconds": nullable("integer"), "ivr_digits": {"type": "string"},
    "ticket": nullable("string"),
    "recording": {"type": "string", "nullable": True, "description": "URL of the audio"},
}

SCORE: Schema = {"type": "object", "properties": {
    "criterion": {"type": "string"}, "points": {"type": "integer"},
    "max_points": {"type": "integer"}}}

SCHEMAS: dict[str, Schema] = {
    "QaCall": {"type": "object", "properties": {
        **CALL_PROPERTIES, "has_transcript": BOOLEAN, "needs_qa": BOOLEAN,
        "flags": {"type": "array", "items": FLAG}, "reviews": {"type": "integer"},
        "last_score": {"type": "object", "nullable": True, "properties": {
            "total": {"type": "integer"}, "max_total": {"type": "integer"}}},
        "match": {**SEGMENT, "nullable": True,
                  "description": "the first segment holding a searched word"}}},
    "QaCallPage": {"type": "object", "required": ["items", "page", "per_page", "total"],
                   "properties": {"items": {"type": "array", "items": ref("QaCall")},
                                  "page": {"type": "integer"}, "per_page": {"type": "integer"},
                                  "total": {"type": "integer"}, "pages": {"type": "integer"}}},
    "QaCallDetail": {"type": "object", "required": ["call", "transcript", "reviews"],
                     "properties": {
        "call": {"type": "object", "properties": {**CALL_PROPERTIES, "route": {
            "type": "object", "nullable": True, "description": "graph, version, path"}}},
        "transcript": {"type": "object", "nullable": True, "properties": {
            "language": {"type": "string"}, "model": {"type": "string"},
            "duration": {"type": "number"}, "needs_qa": BOOLEAN,
            "flags": {"type": "array", "items": FLAG}, "redacted_seconds": {"type": "number"},
            "created_at": {"type": "string", "format": "date-time"},
            "segments": {"type": "array", "items": SEGMENT}}},
        "reviews": {"type": "array", "items": ref("QaReview")}}},
    "QaReviewInput": {"type": "object", "required": ["scores"], "properties": {
        "scores": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0},
                   "description": "points per configured criterion, each 0..max_points"},
        "comment": {"type": "string", "maxLength": 4000}}},
    "QaReview": {"type": "object", "properties": {
        "id": {"type": "integer"}, "call_id": {"type": "integer"},
        "reviewer": {"type": "string"}, "scores": {"type": "array", "items": SCORE},
        "total": {"type": "integer"}, "max_total": {"type": "integer"},
        "comment": nullable("string"), "created_at": {"type": "string", "format": "date-time"}}},
    "QaCriteria": {"type": "object", "properties": {
        "criteria": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "max_points": {"type": "integer"},
            "label": nullable("string")}}},
        "max_total": {"type": "integer"}}},
    "QaFacets": {"type": "object", "properties": {
        "queues": {"type": "array", "items": {"type": "string"}},
        "agents": {"type": "array", "items": {"type": "string"}}}},
    "Recording": {"type": "string", "format": "binary",
                  "description": "audio/wav (or the recording's type); Range requests → 206"},
}
