"""The durable job queue in the database: enqueue, claim, finish, fail.

A job is stored in the same transaction as its call, so a crash between the
two cannot lose it. Workers claim with ``FOR UPDATE SKIP LOCKED`` on
PostgreSQL (several workers never wait on or take the same row); SQLite has
one writer at a time (``Database.writer`` begins IMMEDIATE), which gives the
same guarantee. A claim is a lease: a worker that dies mid-job leaves a row
whose lease runs out and another worker takes it up. A finish counts only for
the worker still holding the lease, and one transcript per call is a unique
constraint, so no job is done twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.tickets.models import Call
from ccengine.transcribe.storage_models import JobStatus, TranscriptionJob


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    retry_seconds: float = 30.0  # the n-th retry waits n times this long
    lease_seconds: float = 900.0


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    call_id: int
    recording_file: str
    attempt: int


def audio_of(call: Call) -> str | None:
    """The file to transcribe: the call's recording, else the caller's voicemail. A
    message may hold a PESEL or a card number too, so it is masked and silenced like
    a recording before anyone may play it (a call that took a message was missed:
    nothing else of it was recorded)."""
    voicemail = (call.route or {}).get("voicemail_file")
    return call.recording_file or (voicemail if isinstance(voicemail, str) else None) or None


def queued_job(call: Call, now: datetime) -> TranscriptionJob:
    """A new job for a recorded call, to be added in the call's own transaction."""
    audio = audio_of(call)
    if not audio:
        raise ValueError("a transcription job needs a recording or voicemail file")
    return TranscriptionJob(call=call, recording_file=audio,
                            status=JobStatus.PENDING, attempts=0, available_at=now,
                            created_at=now, updated_at=now)


def _claimable(now: datetime) -> ColumnElement[bool]:
    waiting = and_(TranscriptionJob.status == JobStatus.PENDING,
                   TranscriptionJob.available_at <= now)
    abandoned = and_(TranscriptionJob.status == JobStatus.RUNNING,
                     TranscriptionJob.lease_until < now)
    return or_(waiting, abandoned)


async def claim(session: AsyncSession, worker: str, now: datetime,
                policy: RetryPolicy) -> ClaimedJob | None:
    """Take the oldest job that is due, or None; the caller commits."""
    query = (
        select(TranscriptionJob)
        .where(_claimable(now))
        .order_by(TranscriptionJob.available_at, TranscriptionJob.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    job = (await session.scalars(query)).first()
    if job is None:
        return None
    job.status = JobStatus.RUNNING
    job.locked_by = worker
    job.lease_until = now + timedelta(seconds=policy.lease_seconds)
    job.attempts += 1
    job.updated_at = now
    await session.flush()
    return ClaimedJob(job.id, job.call_id, job.recording_file, job.attempts)


def _held_by(job_id: int, worker: str) -> ColumnElement[bool]:
    return and_(TranscriptionJob.id == job_id, TranscriptionJob.locked_by == worker,
                TranscriptionJob.status == JobStatus.RUNNING)


async def renew(session: AsyncSession, job_id: int, worker: str, now: datetime,
                policy: RetryPolicy) -> bool:
    """Extend a lease while the work goes on; False when the lease was lost."""
    result = await session.execute(
        update(TranscriptionJob)
        .where(_held_by(job_id, worker))
        .values(lease_until=now + timedelta(seconds=policy.lease_seconds), updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def finish(session: AsyncSession, job_id: int, worker: str, now: datetime) -> bool:
    """Mark a job done; False when another worker holds it now (the caller rolls back)."""
    result = await session.execute(
        update(TranscriptionJob)
        .where(_held_by(job_id, worker))
        .values(status=JobStatus.DONE, reason=None, detail=None, locked_by=None,
                lease_until=None, finished_at=now, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


# Failures a retry cannot mend: a path outside the recording folders stays outside.
NEVER_RETRIED = frozenset({"outside-recordings"})


async def fail(session: AsyncSession, job: ClaimedJob, worker: str, now: datetime,
               policy: RetryPolicy, reason: str, detail: str) -> JobStatus | None:
    """Record a failure: back to pending for a later retry, or failed for good.

    Returns the job's new status, or None when the lease was lost meanwhile.
    """
    final = job.attempt >= policy.max_attempts or reason in NEVER_RETRIED
    status = JobStatus.FAILED if final else JobStatus.PENDING
    retry_at = now + timedelta(seconds=policy.retry_seconds * job.attempt)
    result = await session.execute(
        update(TranscriptionJob)
        .where(_held_by(job.id, worker))
        .values(status=status, reason=reason, detail=detail, locked_by=None, lease_until=None,
                available_at=now if final else retry_at, updated_at=now,
                finished_at=now if final else None)
    )
    return status if result.rowcount else None  # type: ignore[attr-defined]


async def jobs(session: AsyncSession, status: str | None = None,
               limit: int = 50) -> list[TranscriptionJob]:
    """Newest jobs first, optionally of one status (for ``ccengine transcripts jobs``)."""
    query = select(TranscriptionJob).order_by(TranscriptionJob.id.desc()).limit(limit)
    if status is not None:
        query = query.where(TranscriptionJob.status == status)
    return list(await session.scalars(query))


async def counts(session: AsyncSession) -> dict[str, int]:
    query = select(TranscriptionJob.status, func.count()).group_by(TranscriptionJob.status)
    return {status: count for status, count in await session.execute(query)}
