"""Reading calls for QA: the filtered list with totals, and one call with all it has."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Select, exists, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.qa.filters import CallFilter, matching_segment
from ccengine.qa.storage_models import QaReview
from ccengine.tickets.models import Call, Ticket
from ccengine.transcribe.attach import holding_words
from ccengine.transcribe.storage_models import Transcript

# Transcript columns the list needs: segments can be long, the list loads them only to
# show the segment a search matched.
LISTED = (Call, Ticket.number, Transcript.id, Transcript.needs_qa, Transcript.flags)


@dataclass(frozen=True, slots=True)
class ListedCall:
    call: Call
    ticket: str | None
    has_transcript: bool
    needs_qa: bool
    flags: list[dict[str, Any]]
    reviews: int = 0
    last_review: QaReview | None = None
    match: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class CallPage:
    total: int
    items: list[ListedCall] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CallDetail:
    call: Call
    ticket: str | None
    transcript: Transcript | None
    reviews: list[QaReview]


def _reviewed() -> Any:
    return exists().where(QaReview.call_id == Call.id)


def narrowed(query: Select[Any], f: CallFilter) -> Select[Any]:
    """``query`` (over calls outer-joined to transcripts) narrowed to ``f``."""
    conditions = [
        Call.started_at >= f.start if f.start else None,
        Call.started_at < f.end if f.end else None,
        Call.queue == f.queue if f.queue else None,
        Call.agent_name == f.agent if f.agent else None,
        Call.outcome == f.outcome.value if f.outcome else None,
        _either(f.has_transcript, Transcript.id.is_not(None)),
        _either(f.flagged, func.coalesce(Transcript.needs_qa, false()).is_(True)),
        _either(f.reviewed, _reviewed()),
    ]
    query = query.where(*(c for c in conditions if c is not None))
    return holding_words(query, f.words)


def _either(wanted: bool | None, condition: Any) -> Any:
    """``condition`` when True is wanted, its negation for False, nothing for None."""
    if wanted is None:
        return None
    return condition if wanted else ~condition


def _joined(query: Select[Any]) -> Select[Any]:
    return query.outerjoin(Transcript, Transcript.call_id == Call.id)


async def list_calls(session: AsyncSession, f: CallFilter, page: int, per_page: int,
                     oldest_first: bool = False) -> CallPage:
    total = await session.scalar(narrowed(_joined(select(func.count(Call.id))
                                                  .select_from(Call)), f))
    order = (Call.started_at.asc(), Call.id.asc()) if oldest_first else (
        Call.started_at.desc(), Call.id.desc())
    query = (narrowed(_joined(select(*LISTED).select_from(Call)), f)
             .outerjoin(Ticket, Call.ticket_id == Ticket.id)
             .order_by(*order).offset((page - 1) * per_page).limit(per_page))
    rows = (await session.execute(query)).all()
    items = [ListedCall(call, number, transcript_id is not None, bool(needs_qa), flags or [])
             for call, number, transcript_id, needs_qa, flags in rows]
    items = await _with_reviews(session, items)
    return CallPage(total or 0, await _with_matches(session, items, f.words))


async def _with_reviews(session: AsyncSession, items: list[ListedCall]) -> list[ListedCall]:
    reviews = await _reviews_of(session, [item.call.id for item in items])
    return [replace(item, reviews=len(found), last_review=found[-1] if found else None)
            for item in items for found in [reviews.get(item.call.id, [])]]


async def _with_matches(session: AsyncSession, items: list[ListedCall],
                        words: str) -> list[ListedCall]:
    if not words.strip() or not items:
        return items
    query = select(Transcript.call_id, Transcript.segments).where(
        Transcript.call_id.in_([item.call.id for item in items]))
    segments: dict[int, list[dict[str, Any]]] = {
        call_id: found for call_id, found in (await session.execute(query)).all()}
    return [replace(item, match=matching_segment(segments.get(item.call.id, []), words))
            for item in items]


async def _reviews_of(session: AsyncSession,
                      call_ids: Sequence[int]) -> dict[int, list[QaReview]]:
    if not call_ids:
        return {}
    found: dict[int, list[QaReview]] = {}
    query = select(QaReview).where(QaReview.call_id.in_(call_ids)).order_by(QaReview.id)
    for review in await session.scalars(query):
        found.setdefault(review.call_id, []).append(review)
    return found


async def call_detail(session: AsyncSession, call_id: int) -> CallDetail | None:
    row = (await session.execute(
        select(Call, Ticket.number).outerjoin(Ticket, Call.ticket_id == Ticket.id)
        .where(Call.id == call_id))).first()
    if row is None:
        return None
    transcript = await session.scalar(select(Transcript).where(Transcript.call_id == call_id))
    reviews = (await _reviews_of(session, [call_id])).get(call_id, [])
    return CallDetail(row[0], row[1], transcript, reviews)


async def distinct_values(session: AsyncSession) -> dict[str, list[str]]:
    """Queues and agents calls were taken in/by, for the list's filter choices."""
    queues = await session.scalars(select(Call.queue).where(Call.queue.is_not(None))
                                   .distinct().order_by(Call.queue))
    agents = await session.scalars(select(Call.agent_name).where(Call.agent_name.is_not(None))
                                   .distinct().order_by(Call.agent_name))
    return {"queues": [q for q in queues if q], "agents": [a for a in agents if a]}
