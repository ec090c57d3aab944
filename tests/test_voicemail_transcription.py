"""A voicemail is transcribed like a call recording (SQLite and PostgreSQL): the
caller's message may hold a PESEL or a card number, so it gets a job that masks the
text and silences the words before anyone may play it."""

from __future__ import annotations

from sqlalchemy import select

from ccengine.calls.model import Outcome, RouteTaken
from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.tickets.models import Call
from ccengine.tickets.service import TicketService
from ccengine.transcribe.storage_models import TranscriptionJob
from tests.conftest import build_call


def _voicemail_route(file: str) -> RouteTaken:
    return RouteTaken(graph="main", version=1, ended_by="voicemail", voicemail_file=file)


async def test_a_voicemail_gets_a_transcription_job(database: Database) -> None:
    await TicketService(database, TicketsConfig()).record_calls([
        build_call("vm", Outcome.VOICEMAIL, route=_voicemail_route("msg0001.wav")),
        build_call("rec", recording_file="call.wav"),
        build_call("none", Outcome.ABANDONED)])
    async with database.sessions() as session:
        jobs = {call.linkedid: job.recording_file for job, call in await session.execute(
            select(TranscriptionJob, Call).join(Call, TranscriptionJob.call_id == Call.id))}
    assert jobs == {"vm": "msg0001.wav", "rec": "call.wav"}
