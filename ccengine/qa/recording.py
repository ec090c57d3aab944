"""GET /api/v1/calls/{call_id}/recording: the redacted recording, seekable.

The file's path comes from the database (Asterisk's MIXMONITOR_FILENAME), so
it is trusted no further than the configured recordings folder: a path that
resolves (symlinks, ``..``) outside it is treated as no recording at all.
The file is only played once the transcription worker has silenced the
masked words in it: its transcript says so (``audio_redacted``). A transcript
made with ``[transcribe] redact_audio = false`` leaves the audio as spoken, and
one flagged ``redaction_unproven`` (a number heard where ASR gave no word times,
or still heard after the silence was widened) is never played either.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from sqlalchemy import select

from ccengine.qa.errors import NotYourCall, QaCallNotFound, RecordingNotFound, RecordingNotRedacted
from ccengine.qa.params import call_id as call_id_of
from ccengine.tickets.filters import can_see, viewer_of
from ccengine.tickets.models import Call, Ticket
from ccengine.transcribe.channel_mask import recording_playable
from ccengine.transcribe.paths import OutsideRecordings, recording_dirs, recording_path
from ccengine.transcribe.storage_models import Transcript
from ccengine.users.service import Principal
from ccengine.web.auth import principal
from ccengine.web.keys import config_of
from ccengine.web.params import DATABASE

AUDIO_TYPES = {".wav": "audio/wav", ".mp3": "audio/mpeg", ".ogg": "audio/ogg",
               ".gsm": "audio/x-gsm", ".flac": "audio/flac"}
HEADERS = {"Cache-Control": "private, no-store", "Content-Disposition": "inline"}


def confined(stored: str, *folders: Path) -> Path | None:
    """The recording's real path when it is a file inside ``folders``; None otherwise.

    The same rule as the transcription worker's (``transcribe.paths``)."""
    try:
        resolved = recording_path(stored, folders)
        return resolved if resolved.is_file() else None
    except (OutsideRecordings, OSError, ValueError):  # a path no file system takes
        return None


def may_play(who: Principal, call: Call, ticket: tuple[str | None, str] | None) -> bool:
    """Agents play the calls of tickets they may see (the ticket workspace's rule: theirs,
    or open ones nobody took) and calls they took; every other listener plays all."""
    viewer = viewer_of(who)
    if viewer.sees_all:
        return True
    if ticket is not None and can_see(viewer, *ticket):
        return True
    return call.agent_name == who.display_name


def recordings_roots(app: web.Application) -> tuple[Path, ...]:
    return recording_dirs(config_of(app).routes)


async def get_recording(request: web.Request) -> web.StreamResponse:
    wanted = call_id_of(request)
    async with request.app[DATABASE].sessions() as session:
        row = (await session.execute(
            select(Call, Ticket.assignee, Ticket.status, Transcript.audio_redacted,
                   Transcript.flags)
            .outerjoin(Ticket, Call.ticket_id == Ticket.id)
            .outerjoin(Transcript, Transcript.call_id == Call.id)
            .where(Call.id == wanted))).first()
    if row is None:
        raise QaCallNotFound(wanted)
    call, assignee, status, audio_redacted, flags = row
    who = principal(request)
    ticket = (assignee, status) if call.ticket_id is not None else None
    if who is None or not may_play(who, call, ticket):
        raise NotYourCall(wanted)
    path = confined(call.recording_file or "", *recordings_roots(request.app))
    if path is None:
        raise RecordingNotFound(wanted)
    if not recording_playable(audio_redacted, flags):
        raise RecordingNotRedacted(wanted)
    content_type = AUDIO_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return web.FileResponse(path, headers={**HEADERS, "Content-Type": content_type})
