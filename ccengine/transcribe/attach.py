"""Storing a masked transcript: its own row (for search) and the ticket's activity."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.tickets.enums import ActivityKind
from ccengine.tickets.models import Call, Ticket, TicketActivity
from ccengine.transcribe.pipeline import CallTranscript
from ccengine.transcribe.storage_models import Transcript

Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])  # any columns

# The activity's body is what a ticket list shows; the full text is in ``data``.
BODY_CHARS = 2000
# Each word is one LIKE condition; SQLite refuses an expression tree 1,000 deep.
MAX_SEARCH_WORDS = 50


class TooManyWords(ValueError):
    """A search asks for more words than ``MAX_SEARCH_WORDS``."""

    def __init__(self, count: int) -> None:
        super().__init__(f"a search takes at most {MAX_SEARCH_WORDS} words, got {count}")


def search_form(text: str) -> str:
    """How stored text and search words are compared: case-folded on every database."""
    return text.casefold()


async def attach_transcript(session: AsyncSession, call_id: int, transcript: CallTranscript,
                            model: str, language: str, now: datetime, *,
                            audio_redacted: bool) -> Transcript:
    """Store ``transcript``; ``audio_redacted`` says whether the pipeline silenced the
    masked words in the recording too (QA plays the audio only then)."""
    call = await session.get_one(Call, call_id)
    text = transcript.as_text()
    row = Transcript(
        call_id=call.id, ticket_id=call.ticket_id, language=language, model=model,
        layout=transcript.layout, duration=round(transcript.duration, 2),
        segments=transcript.segments_json(), text=text, search_text=search_form(text),
        flags=transcript.flags_json(), needs_qa=transcript.needs_qa,
        redacted_seconds=round(transcript.silenced_seconds, 2), audio_redacted=audio_redacted,
        created_at=now,
    )
    session.add(row)
    if call.ticket_id is not None:
        session.add(_activity(call, call.ticket_id, transcript, now))
        ticket = await session.get_one(Ticket, call.ticket_id)
        ticket.updated_at = now
    await session.flush()
    return row


def _activity(call: Call, ticket_id: int, transcript: CallTranscript,
              now: datetime) -> TicketActivity:
    text = transcript.as_text()
    body = text if len(text) <= BODY_CHARS else text[: BODY_CHARS - 1] + "…"
    return TicketActivity(
        ticket_id=ticket_id, kind=ActivityKind.TRANSCRIPT, call_id=call.id,
        body=body or "(brak mowy w nagraniu)",
        data={"segments": transcript.segments_json(), "flags": transcript.flags_json(),
              "needs_qa": transcript.needs_qa, "duration": round(transcript.duration, 2),
              "layout": transcript.layout, "recording_file": call.recording_file},
        author="transcription", created_at=now,
    )


def holding_words(query: Query, words: str) -> Query:
    """``query`` narrowed to transcripts holding every word given, case-insensitively."""
    split = search_form(words).split()
    if len(split) > MAX_SEARCH_WORDS:
        raise TooManyWords(len(split))
    for word in split:
        query = query.where(Transcript.search_text.contains(word, autoescape=True))
    return query


async def search(session: AsyncSession, words: str, limit: int = 50) -> list[Transcript]:
    """Transcripts holding every word given (case-insensitive), newest first."""
    query = select(Transcript).order_by(Transcript.id.desc()).limit(limit)
    return list(await session.scalars(holding_words(query, words)))
