"""A voicemail is transcribed like a call recording (SQLite and PostgreSQL): the
caller's message may hold a PESEL or a card number, so it gets a job that masks the
text and silences the words before anyone may play it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select, update

from ccengine.calls.model import Outcome, RouteTaken
from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.simulator.recordings import Utterance, synthesize_call
from ccengine.tickets.enums import TicketKind
from ccengine.tickets.models import Call, Ticket
from ccengine.tickets.service import TicketService
from ccengine.transcribe.audio import Layout
from ccengine.transcribe.storage_models import Transcript, TranscriptionJob
from ccengine.transcribe.types import Speaker
from ccengine.users.models import Role
from tests.asr_models import heard_in, leaks
from tests.browser import Live
from tests.conftest import build_call
from tests.test_agent_console import AGENT3, AGENT6, log_in
from tests.test_agent_console import sessions as sessions  # the fixture
from tests.test_qa_api import write_wav
from tests.test_transcription_e2e import CALLER_SAYS, CARD, _worker


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


async def _voicemail_callback(live: Live, file: Path) -> str:
    await TicketService(live.database, TicketsConfig()).record_calls([
        build_call("vm", Outcome.VOICEMAIL, caller_number="48602333444",
                   route=_voicemail_route(str(file)))])
    async with live.database.sessions() as session:
        call = await session.scalar(select(Call).where(Call.linkedid == "vm"))
        assert call is not None and call.ticket_id is not None
        ticket = await session.get(Ticket, call.ticket_id)
        assert ticket is not None and ticket.kind == TicketKind.CALLBACK
        return ticket.number


async def _transcribed(live: Live, *, audio_redacted: bool) -> None:
    """What the worker stores for the message (its own tests run the real pipeline)."""
    async with live.database.writer() as session:
        call = await session.scalar(select(Call).where(Call.linkedid == "vm"))
        assert call is not None
        session.add(Transcript(call_id=call.id, ticket_id=call.ticket_id, language="pl",
                               model="base", layout="mono", duration=6.0, segments=[],
                               text="", search_text="", flags=[], needs_qa=False,
                               redacted_seconds=1.0, audio_redacted=audio_redacted,
                               created_at=datetime.now(UTC)))
        await session.commit()


async def test_a_voicemail_plays_only_redacted_and_only_for_who_may_see_the_callback(
        live: Live, sessions: list[aiohttp.ClientSession]) -> None:
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    other = await log_in(live, sessions, "ewa", Role.AGENT, AGENT6, "Ewa Dąbrowska")
    wav = write_wav(live.recordings / "msg0001.wav")
    number = await _voicemail_callback(live, wav)
    _, listed = await agent.call("GET", "/callbacks")
    assert listed["items"][0]["voicemail"] == {"ticket": number, "ready": False}
    status, answer = await agent.call("GET", f"/callbacks/{number}/voicemail")
    assert (status, answer["error"]) == (409, "recording-not-redacted")
    await _transcribed(live, audio_redacted=False)
    status, answer = await agent.call("GET", f"/callbacks/{number}/voicemail")
    assert (status, answer["error"]) == (409, "recording-not-redacted")

    async with live.database.writer() as session:
        await session.execute(update(Transcript).values(audio_redacted=True))
        await session.commit()
    _, listed = await agent.call("GET", "/callbacks")
    assert listed["items"][0]["voicemail"] == {"ticket": number, "ready": True}
    async with agent.session.get(f"{live.url}/api/v1/callbacks/{number}/voicemail",
                                 headers={"Range": "bytes=0-99"}) as response:
        assert response.status == 206
        assert response.headers["Content-Type"] == "audio/wav"
        assert await response.read() == wav.read_bytes()[:100]

    status, answer = await agent.call("POST", f"/callbacks/{number}/claim")
    assert status == 200, answer
    status, answer = await other.call("GET", f"/callbacks/{number}/voicemail")
    assert (status, answer["error"]) == (404, "ticket-not-found")


@pytest.mark.slow
async def test_a_voicemail_is_the_callers_voice_masked_and_silenced(
        database: Database, tmp_path: Path) -> None:
    message = tmp_path / "msg0001.wav"
    synthesize_call([Utterance(Speaker.CALLER, CALLER_SAYS, at=0.5)], message,
                    layout=Layout.MONO)
    await TicketService(database, TicketsConfig()).record_calls([
        build_call("vm", Outcome.VOICEMAIL, route=_voicemail_route(str(message)))])
    assert await _worker(database, "tiny.en", tmp_path).run_once()
    async with database.sessions() as session:
        transcript = await session.scalar(select(Transcript))
    assert transcript is not None and transcript.segments, "the message was transcribed"
    assert {segment["speaker"] for segment in transcript.segments} == {Speaker.CALLER}
    assert leaks(transcript.text, CARD) == []
    assert leaks(heard_in("tiny.en", message), CARD) == [], "silenced in the file itself"
