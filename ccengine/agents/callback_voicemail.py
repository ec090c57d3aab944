"""A callback's voicemail, played from the callback list once it is safe to play.

A message may hold a PESEL or a card number, so it is transcribed like a call
recording (``transcribe.queue.audio_of``): the worker masks the text and
silences the words in the file. The file is served under the recording's rule
(``qa.recording``): only redacted, with the silence proven, and only from the
configured folders; the ticket's visibility is the callback's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.db import Database
from ccengine.qa.recording import confined
from ccengine.tickets.errors import TicketNotFound
from ccengine.tickets.filters import Viewer, can_see
from ccengine.tickets.models import Call, Ticket
from ccengine.transcribe.channel_mask import recording_playable
from ccengine.transcribe.storage_models import Transcript, TranscriptionJob


@dataclass(frozen=True, slots=True)
class Voicemail:
    file: str  # as stored (the PBX's path); never shown to the client
    ready: bool  # transcribed, silenced and the silence proven

    def as_json(self) -> dict[str, bool]:
        return {"ready": self.ready}


async def voicemails(session: AsyncSession, ticket_ids: Iterable[int]) -> dict[int, Voicemail]:
    """Each ticket's latest voicemail whose transcription job took that very file
    (a job of the call's own recording says nothing about the message)."""
    ids = list(ticket_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(Call.ticket_id, Call.route, TranscriptionJob.recording_file,
               Transcript.audio_redacted, Transcript.flags)
        .join(TranscriptionJob, TranscriptionJob.call_id == Call.id)
        .outerjoin(Transcript, Transcript.call_id == Call.id)
        .where(Call.ticket_id.in_(ids)).order_by(Call.id))
    found: dict[int, Voicemail] = {}
    for ticket_id, route, job_file, redacted, flags in rows:
        if ticket_id is not None and job_file == (route or {}).get("voicemail_file"):
            found[ticket_id] = Voicemail(job_file, recording_playable(redacted, flags))
    return found


class NoVoicemail(Exception):
    """The callback has no voicemail (or none in a folder it may be served from)."""


class NotRedacted(Exception):
    """The voicemail is not transcribed and silenced yet (or not provably)."""


async def playable_voicemail(database: Database, number: str, viewer: Viewer,
                             roots: tuple[Path, ...]) -> Path:
    """The real path of the callback's redacted voicemail, for ``viewer``."""

    async with database.sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
        if ticket is None or not can_see(viewer, ticket.assignee, ticket.status):
            raise TicketNotFound(number)
        voicemail = (await voicemails(session, [ticket.id])).get(ticket.id)
    if voicemail is None:
        raise NoVoicemail(number)
    path = confined(voicemail.file, *roots)
    if path is None:
        raise NoVoicemail(number)
    if not voicemail.ready:
        raise NotRedacted(number)
    return path
