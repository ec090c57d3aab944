"""The QA API's JSON: calls, transcripts and reviews as the page reads them.

Transcript text is the stored, masked text; the word timings are left out
(the page follows the audio by segments).
"""

from __future__ import annotations

from typing import Any

from ccengine.config import QaCriterion
from ccengine.qa.queries import CallDetail, CallPage, ListedCall
from ccengine.qa.storage_models import QaReview
from ccengine.tickets.models import Call
from ccengine.transcribe.storage_models import Transcript

SEGMENT_KEYS = ("speaker", "start", "end", "text")


def recording_url(call_id: int) -> str:
    return f"/api/v1/calls/{call_id}/recording"


def call_json(call: Call, ticket: str | None) -> dict[str, Any]:
    return {
        "id": call.id, "linkedid": call.linkedid, "caller_number": call.caller_number,
        "caller_name": call.caller_name, "did": call.did, "queue": call.queue,
        "agent": call.agent_name, "agent_interface": call.agent_interface,
        "outcome": call.outcome, "started_at": call.started_at.isoformat(),
        "answered_at": call.answered_at.isoformat() if call.answered_at else None,
        "ended_at": call.ended_at.isoformat(),
        "duration": round((call.ended_at - call.started_at).total_seconds()),
        "hold_seconds": call.hold_seconds, "talk_seconds": call.talk_seconds,
        "ivr_digits": call.ivr_digits, "ticket": ticket,
        "recording": recording_url(call.id) if call.recording_file else None,
    }


def listed_json(item: ListedCall) -> dict[str, Any]:
    last = item.last_review
    return {
        **call_json(item.call, item.ticket), "has_transcript": item.has_transcript,
        "needs_qa": item.needs_qa, "flags": [flag_json(f) for f in item.flags],
        "reviews": item.reviews,
        "last_score": {"total": last.total, "max_total": last.max_total} if last else None,
        "match": segment_json(item.match) if item.match else None,
    }


def page_json(result: CallPage, page: int, per_page: int) -> dict[str, Any]:
    return {"page": page, "per_page": per_page, "total": result.total,
            "pages": -(-result.total // per_page),
            "items": [listed_json(item) for item in result.items]}


def detail_json(detail: CallDetail) -> dict[str, Any]:
    return {"call": {**call_json(detail.call, detail.ticket),
                     "route": route_json(detail.call.route)},
            "transcript": transcript_json(detail.transcript) if detail.transcript else None,
            "reviews": [review_json(review) for review in detail.reviews]}


def route_json(route: dict[str, Any] | None) -> dict[str, Any] | None:
    """Which graph and which path the caller went through (not the files it made)."""
    if not route:
        return None
    return {"graph": route.get("graph"), "version": route.get("version"),
            "ended_by": route.get("ended_by"), "digits": route.get("digits", ""),
            "path": [{key: step.get(key) for key in ("node", "kind", "branch", "reason")}
                     for step in route.get("path") or []]}


def transcript_json(transcript: Transcript) -> dict[str, Any]:
    return {"language": transcript.language, "model": transcript.model,
            "duration": transcript.duration, "needs_qa": transcript.needs_qa,
            "flags": [flag_json(flag) for flag in transcript.flags],
            "redacted_seconds": transcript.redacted_seconds,
            "created_at": transcript.created_at.isoformat(),
            "segments": [segment_json(segment) for segment in transcript.segments]}


def segment_json(segment: dict[str, Any]) -> dict[str, Any]:
    return {key: segment.get(key) for key in SEGMENT_KEYS}


def flag_json(flag: dict[str, Any]) -> dict[str, Any]:
    return {key: flag.get(key) for key in ("reason", "kind", "speaker", "at")}


def review_json(review: QaReview) -> dict[str, Any]:
    return {"id": review.id, "call_id": review.call_id, "reviewer": review.reviewer,
            "scores": review.scores, "total": review.total, "max_total": review.max_total,
            "comment": review.comment, "created_at": review.created_at.isoformat()}


def criteria_json(criteria: tuple[QaCriterion, ...]) -> dict[str, Any]:
    return {"criteria": [{"name": c.name, "max_points": c.max_points, "label": c.label}
                         for c in criteria],
            "max_total": sum(c.max_points for c in criteria)}
