"""The demo's call for the QA page: one recording, transcribed by the real pipeline.

The simulated PBX writes no audio for the demo's routed calls. This one call
is spoken by espeak-ng (the caller reads a card number, the agent answers),
stored as a recorded call with its transcription job, and transcribed by the
real worker with tiny.en, the model the dev set-up ships (English only, so the
sample is English). The QA lead then finds it masked, with its recording
redacted. Where espeak-ng, sox or the model is missing, the demo says so and
goes on without it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from ccengine.calls.model import FinishedCall, Outcome, TimelineEntry
from ccengine.config import Config, TranscribeConfig
from ccengine.db import Database
from ccengine.simulator.recordings import MissingProgram, Utterance, synthesize_call
from ccengine.tickets.models import Call
from ccengine.tickets.service import TicketService
from ccengine.transcribe.audio import Layout
from ccengine.transcribe.paths import recording_dirs
from ccengine.transcribe.service import build_workers
from ccengine.transcribe.storage_models import Transcript
from ccengine.transcribe.types import Speaker
from ccengine.transcribe.whisper import ModelError

SAMPLE_LINKEDID = "demo-qa-sample"
CALLER_SAYS = ("Hi, I am calling about a refund for order two four seven. "
               "My card number is 4 5 5 6 7 3 7 5 8 6 8 9 9 8 5 5.")
AGENT_SAYS = "Thank you. I can see the order. Your refund will be processed today."
MAX_JOBS = 50  # older demo calls' jobs (no audio) fail fast; bounded all the same


async def add_sample_qa_call(database: Database, config: Config) -> str:
    """Make sure the QA sample exists; a line for the console saying what happened."""
    if await _sample_exists(database):
        return "QA sample call present"
    path = Path(config.routes.recordings_dir) / f"{SAMPLE_LINKEDID}.wav"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        await asyncio.to_thread(_speak, path)
    except MissingProgram as exc:
        return f"no QA sample call ({exc})"
    await TicketService(database, config.tickets).record_calls([_sample_call(path)])
    try:
        transcribed = await _transcribe(database, config.transcribe, recording_dirs(config.routes))
    except ModelError as exc:
        return f"QA sample call waits for a model ({exc})"
    return "QA sample call transcribed" if transcribed else "QA sample call not transcribed"


async def _sample_exists(database: Database) -> bool:
    async with database.sessions() as session:
        found = await session.scalar(select(Call.id).where(Call.linkedid == SAMPLE_LINKEDID))
    return found is not None


def _speak(path: Path) -> None:
    synthesize_call([Utterance(Speaker.CALLER, CALLER_SAYS, at=1.0),
                     Utterance(Speaker.AGENT, AGENT_SAYS, at=12.0)], path,
                    layout=Layout.STEREO)


def _sample_call(path: Path) -> FinishedCall:
    started = datetime.now(UTC) - timedelta(minutes=30)
    return FinishedCall(
        pbx="demo-pbx", linkedid=SAMPLE_LINKEDID, caller_number="48601111222",
        caller_name="Jan Kowalski", did="48221110000", outcome=Outcome.ANSWERED,
        started_at=started, ended_at=started + timedelta(seconds=40),
        answered_at=started + timedelta(seconds=8), queue="reklamacje",
        agent_name="Magdalena Szymańska", agent_interface="PJSIP/agent5",
        hold_seconds=8, talk_seconds=32, recording_file=str(path),
        timeline=(TimelineEntry(started, "start", {"channel": "PJSIP/trunk-demo"}),),
    )


async def _transcribe(database: Database, demo: TranscribeConfig,
                      folders: tuple[Path, ...]) -> bool:
    settings = TranscribeConfig(model="tiny.en", language="en", max_attempts=1,
                                models_dir=demo.models_dir)
    [worker] = build_workers(database, settings, folders)
    for _ in range(MAX_JOBS):
        if await _transcript_exists(database) or not await worker.run_once():
            break
    return await _transcript_exists(database)


async def _transcript_exists(database: Database) -> bool:
    query = (select(Transcript.id).join(Call, Transcript.call_id == Call.id)
             .where(Call.linkedid == SAMPLE_LINKEDID))
    async with database.sessions() as session:
        return await session.scalar(query) is not None
