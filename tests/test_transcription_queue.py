"""The job queue on real SQLite and PostgreSQL: enqueue with the call, claim, lease, retry."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.tickets.service import TicketService
from ccengine.transcribe import queue
from ccengine.transcribe.pipeline import CallTranscript, PipelineOptions, TranscriptionPipeline
from ccengine.transcribe.queue import RetryPolicy
from ccengine.transcribe.storage_models import JobStatus, Transcript, TranscriptionJob
from ccengine.transcribe.types import AsrSegment
from ccengine.transcribe.worker import TranscriptionWorker, WorkerSettings
from tests.conftest import build_call

POLICY = RetryPolicy(max_attempts=2, retry_seconds=60, lease_seconds=300)


async def _record(database: Database, *files: str | None) -> None:
    calls = [build_call(f"rec-{i}", recording_file=f) for i, f in enumerate(files)]
    await TicketService(database, TicketsConfig()).record_calls(calls)


async def _jobs(database: Database) -> list[TranscriptionJob]:
    async with database.sessions() as session:
        return list(await session.scalars(select(TranscriptionJob).order_by(TranscriptionJob.id)))


@pytest.fixture
def now() -> datetime:
    """Jobs become due when their call is stored, by the real clock; claims look a bit
    later. Taken per test: a suite slower than the margin must not make jobs not due."""
    return datetime.now(UTC) + timedelta(minutes=5)


async def _claim(database: Database, worker: str, now: datetime) -> queue.ClaimedJob | None:
    async with database.writer() as session:
        job = await queue.claim(session, worker, now, POLICY)
        await session.commit()
        return job


async def test_a_recorded_call_gets_one_job_and_an_unrecorded_call_none(database: Database) -> None:
    await _record(database, "/rec/a.wav", None, "/rec/c.wav")
    await _record(database, "/rec/a.wav")  # the same call stored again (a replay)
    jobs = await _jobs(database)
    assert [(j.recording_file, j.status, j.attempts) for j in jobs] == [
        ("/rec/a.wav", "pending", 0), ("/rec/c.wav", "pending", 0)]


async def test_two_workers_claiming_at_once_get_different_jobs(
        database: Database, now: datetime) -> None:
    await _record(database, "/rec/a.wav", "/rec/b.wav")
    first, second = await asyncio.gather(_claim(database, "w1", now), _claim(database, "w2", now))
    assert first is not None and second is not None
    assert first.id != second.id
    assert await _claim(database, "w3", now) is None  # both are running, leases not expired


async def test_a_crashed_workers_job_is_taken_up_after_its_lease(
        database: Database, now: datetime) -> None:
    await _record(database, "/rec/a.wav")
    taken = await _claim(database, "crashed", now)
    assert taken is not None
    assert await _claim(database, "w2", now + timedelta(seconds=299)) is None
    again = await _claim(database, "w2", now + timedelta(seconds=301))
    assert again is not None and again.id == taken.id and again.attempt == 2
    async with database.writer() as session:
        # The crashed worker, back from the dead, cannot finish what is no longer its.
        assert not await queue.finish(session, taken.id, "crashed", now)
        assert await queue.finish(session, again.id, "w2", now)
        await session.commit()
    assert [j.status for j in await _jobs(database)] == ["done"]
    assert await _claim(database, "w3", now + timedelta(days=1)) is None  # never done twice


async def test_failures_retry_with_backoff_then_fail_for_good(
        database: Database, now: datetime) -> None:
    await _record(database, "/rec/missing.wav")
    job = await _claim(database, "w1", now)
    assert job is not None
    async with database.writer() as session:
        status = await queue.fail(session, job, "w1", now, POLICY, "missing", "no such file")
        await session.commit()
    assert status is JobStatus.PENDING
    assert await _claim(database, "w1", now + timedelta(seconds=59)) is None  # backing off
    retry = await _claim(database, "w1", now + timedelta(seconds=61))
    assert retry is not None and retry.attempt == 2
    async with database.writer() as session:
        status = await queue.fail(session, retry, "w1", now, POLICY, "missing", "no such file")
        await session.commit()
    assert status is JobStatus.FAILED
    [stored] = await _jobs(database)
    assert (stored.status, stored.reason, stored.detail, stored.attempts) == (
        "failed", "missing", "no such file", 2)
    assert await _claim(database, "w1", now + timedelta(days=1)) is None
    async with database.sessions() as session:
        assert await queue.counts(session) == {"failed": 1}
        assert [j.id for j in await queue.jobs(session, "failed")] == [stored.id]


class _NoSpeech:
    def transcribe(self, samples: np.ndarray, *, vad: bool | None = None) -> list[AsrSegment]:
        return []


class _Silent(TranscriptionPipeline):
    """A pipeline that hears nothing and touches no file; only its options matter."""

    def run(self, path: Path, *, redact: bool | None = None) -> CallTranscript:
        return CallTranscript(layout="mono", duration=1.0, segments=(), flags=())


def _silent_worker(database: Database, redact: bool) -> TranscriptionWorker:
    pipeline = _Silent(_NoSpeech(), PipelineOptions(redact_audio=redact))
    return TranscriptionWorker(database, lambda: pipeline,
                               WorkerSettings(model="base", language="pl",
                                              recording_dirs=(Path("/rec"),)))


async def test_the_transcript_says_whether_the_audio_was_redacted(database: Database) -> None:
    await _record(database, "/rec/a.wav", "/rec/b.wav")
    for redact in (True, False):
        assert await _silent_worker(database, redact).run_once()
    async with database.sessions() as session:
        stored = list(await session.scalars(select(Transcript).order_by(Transcript.id)))
    assert [t.audio_redacted for t in stored] == [True, False]


class _SlowSilent(_Silent):
    """Runs until the worker has tried to renew its lease (the file is rewritten by then)."""

    def __init__(self, renewed: threading.Event) -> None:
        super().__init__(_NoSpeech(), PipelineOptions(redact_audio=True))
        self.renewed = renewed

    def run(self, path: Path, *, redact: bool | None = None) -> CallTranscript:
        assert self.renewed.wait(30)
        time.sleep(0.2)  # the renewal's failure lands before run() returns
        return super().run(path, redact=redact)


async def test_a_failing_lease_renewal_keeps_the_transcript(
        database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    # The database refusing the renewal (a lost connection): the work already done on
    # the file must not be thrown away with it.
    renewed = threading.Event()

    async def refused(*args: object, **kwargs: object) -> bool:
        renewed.set()
        raise OSError("connection lost")

    monkeypatch.setattr(queue, "renew", refused)
    await _record(database, "/rec/a.wav")
    pipeline = _SlowSilent(renewed)
    worker = TranscriptionWorker(database, lambda: pipeline, WorkerSettings(
        model="base", language="pl", recording_dirs=(Path("/rec"),),
        policy=RetryPolicy(lease_seconds=0.03)))
    assert await worker.run_once()
    [job] = await _jobs(database)
    assert job.status == JobStatus.DONE
    async with database.sessions() as session:
        assert len(list(await session.scalars(select(Transcript)))) == 1
