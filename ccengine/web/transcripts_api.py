"""GET /api/v1/transcripts: masked transcripts, searchable by words."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import select

from ccengine.tickets.models import Ticket
from ccengine.transcribe.attach import holding_words
from ccengine.transcribe.storage_models import Transcript
from ccengine.web.params import DATABASE, optional, paging, text_param, yes_no


def setup_transcripts_api(app: web.Application) -> None:
    app.router.add_get("/api/v1/transcripts", list_transcripts)


async def list_transcripts(request: web.Request) -> web.Response:
    page, per_page = paging(request)
    needs_qa = optional(request, "needs_qa", yes_no)
    query = (select(Transcript, Ticket.number)
             .outerjoin(Ticket, Transcript.ticket_id == Ticket.id)
             .order_by(Transcript.id.desc())
             .offset((page - 1) * per_page).limit(per_page))
    query = holding_words(query, text_param(request, "q") or "")
    if needs_qa is not None:
        query = query.where(Transcript.needs_qa == needs_qa)
    async with request.app[DATABASE].sessions() as session:
        rows = (await session.execute(query)).all()
    return web.json_response({"page": page, "per_page": per_page,
                              "items": [_as_json(t, number) for t, number in rows]})


def _as_json(transcript: Transcript, ticket_number: str | None) -> dict[str, Any]:
    return {
        "id": transcript.id, "call_id": transcript.call_id, "ticket": ticket_number,
        "created_at": transcript.created_at.isoformat(), "language": transcript.language,
        "model": transcript.model, "layout": transcript.layout,
        "duration": transcript.duration, "needs_qa": transcript.needs_qa,
        "flags": transcript.flags, "redacted_seconds": transcript.redacted_seconds,
        "segments": transcript.segments,
    }
