"""The transcription worker: takes jobs from the database until stopped.

The model is loaded once, in a thread, before the first job is taken; each
job runs the blocking pipeline in a thread too, so the event loop (AMI,
HTTP) never waits on Whisper. A bad file fails its job with a reason and the
worker goes on to the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ccengine.db import Database
from ccengine.tickets.models import Call
from ccengine.transcribe import queue
from ccengine.transcribe.attach import attach_transcript
from ccengine.transcribe.audio import AudioError
from ccengine.transcribe.paths import recording_path
from ccengine.transcribe.pipeline import CallTranscript, TranscriptionPipeline
from ccengine.transcribe.queue import ClaimedJob, RetryPolicy
from ccengine.transcribe.types import Speaker
from ccengine.transcribe.whisper import ModelError, TranscriptionError

log = logging.getLogger(__name__)

PipelineFactory = Callable[[], TranscriptionPipeline]


@dataclass(frozen=True)
class WorkerSettings:
    model: str  # as stored on each transcript
    language: str
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    poll_seconds: float = 2.0
    recording_dirs: tuple[Path, ...] = ()  # where job files may be; none: every job refused


def worker_name(index: int = 0) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{index}"


def failure_of(exc: BaseException) -> tuple[str, str]:
    """A stable reason id and a message safe to store: file and model problems only.

    An unexpected exception's message could quote anything, so only its type
    is kept.
    """
    if isinstance(exc, AudioError):
        return exc.reason, str(exc)
    if isinstance(exc, TranscriptionError):
        return exc.reason, exc.detail
    if isinstance(exc, ModelError | RuntimeError | MemoryError):
        return "model", f"the model failed on this recording ({type(exc).__name__})"
    return "internal", f"unexpected {type(exc).__name__} (see the worker's log)"


def _now() -> datetime:
    return datetime.now(UTC)


class TranscriptionWorker:
    def __init__(self, database: Database, make_pipeline: PipelineFactory,
                 settings: WorkerSettings, name: str | None = None) -> None:
        self.database = database
        self.settings = settings
        self.name = name or worker_name()
        self._make_pipeline = make_pipeline
        self._pipeline: TranscriptionPipeline | None = None
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """A job may be waiting (a recorded call was just stored): look now."""
        self._wake.set()

    async def run(self) -> None:
        await self.ready()
        while True:
            try:
                worked = await self.run_once()
            except (SQLAlchemyError, OSError) as exc:
                # The database went away: the job's lease runs out and it is taken
                # up again, so waiting and trying again loses nothing.
                log.warning("transcription worker %s: database unavailable (%s); retrying",
                            self.name, type(exc).__name__)
                worked = False
            if not worked:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.poll_seconds)

    async def ready(self) -> TranscriptionPipeline:
        if self._pipeline is None:
            self._pipeline = await asyncio.to_thread(self._make_pipeline)
            log.info("transcription worker %s ready (model %s, language %s)",
                     self.name, self.settings.model, self.settings.language)
        return self._pipeline

    async def run_once(self) -> bool:
        """Take and do one job; False when none was due."""
        pipeline = await self.ready()
        async with self.database.writer() as session:
            job = await queue.claim(session, self.name, _now(), self.settings.policy)
            await session.commit()
        if job is None:
            return False
        await self._do(job, pipeline)
        return True

    async def _do(self, job: ClaimedJob, pipeline: TranscriptionPipeline) -> None:
        heartbeat = asyncio.create_task(self._keep_lease(job))
        try:
            path = recording_path(job.recording_file, self.settings.recording_dirs)
            if await self._is_voicemail(job):  # one voice, the caller's
                transcript = await asyncio.to_thread(pipeline.run, path, speaker=Speaker.CALLER)
            else:
                transcript = await asyncio.to_thread(pipeline.run, path)
        except Exception as exc:  # every failure becomes the job's reason; the worker goes on
            await self._fail(job, exc)
            return
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        # run() redacts the file exactly when the options ask it to, and fails the
        # job if it cannot: a transcript stored with the flag set has silenced audio.
        # Where the silence cannot be shown to cover a number, it counts as not redacted.
        await self._store(job, transcript, audio_redacted=pipeline.options.redact_audio
                          and transcript.redaction_proven)

    async def _is_voicemail(self, job: ClaimedJob) -> bool:
        """A job of a file other than the call's recording is its voicemail (see
        ``queue.audio_of``)."""
        async with self.database.sessions() as session:
            recording = await session.scalar(
                select(Call.recording_file).where(Call.id == job.call_id))
        return recording != job.recording_file

    async def _store(self, job: ClaimedJob, transcript: CallTranscript, *,
                     audio_redacted: bool) -> None:
        async with self.database.writer() as session:
            now = _now()
            if not await queue.finish(session, job.id, self.name, now):
                await session.rollback()
                log.warning("transcription job %d: lease lost, result dropped", job.id)
                return
            await attach_transcript(session, job.call_id, transcript, self.settings.model,
                                    self.settings.language, now, audio_redacted=audio_redacted)
            await session.commit()
        log.info("transcription job %d done: %d segment(s), %d QA flag(s), %.1f s silenced",
                 job.id, len(transcript.segments), len(transcript.flags),
                 transcript.silenced_seconds)

    async def _fail(self, job: ClaimedJob, exc: Exception) -> None:
        reason, detail = failure_of(exc)
        if reason == "internal":
            log.error("transcription job %d: unexpected %s", job.id, type(exc).__name__)
        async with self.database.writer() as session:
            status = await queue.fail(session, job, self.name, _now(), self.settings.policy,
                                      reason, detail)
            await session.commit()
        log.warning("transcription job %d attempt %d failed (%s): %s → %s", job.id,
                    job.attempt, reason, detail, status or "lease lost")

    async def _keep_lease(self, job: ClaimedJob) -> None:
        """Renew the lease while the job runs. A renewal that fails is logged, never raised:
        by then run() may have rewritten the file, and its transcript must still be stored
        (queue.finish says whether the lease still holds)."""
        period = self.settings.policy.lease_seconds / 3
        while True:
            await asyncio.sleep(period)
            try:
                async with self.database.writer() as session:
                    kept = await queue.renew(session, job.id, self.name, _now(),
                                             self.settings.policy)
                    await session.commit()
            except Exception as exc:  # only the type: a database error may quote values
                log.warning("transcription job %d: lease renewal failed (%s)", job.id,
                            type(exc).__name__)
                return
            if not kept:
                return
