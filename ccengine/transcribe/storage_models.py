"""Stored transcription work: jobs (a durable queue) and masked transcripts.

On the ticket models' ``Base``: one metadata, one Alembic history. Nothing in
these tables ever holds unmasked text; ``detail`` of a failed job says what
was wrong with the file or the model, never what was said.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ccengine.tickets.models import Base, Call, UtcDateTime


class JobStatus(StrEnum):
    PENDING = "pending"  # waiting for a worker (first time, or a retry after available_at)
    RUNNING = "running"  # claimed by ``locked_by`` until ``lease_until``
    DONE = "done"
    FAILED = "failed"  # out of attempts; ``reason`` and ``detail`` say why


class TranscriptionJob(Base):
    __tablename__ = "transcription_jobs"
    __table_args__ = (Index("ix_transcription_jobs_status_available_at", "status", "available_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # One job per call: a call recorded twice (a replay, a resync) is not transcribed twice.
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), unique=True)
    recording_file: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))  # a JobStatus value
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(String(32))  # stable id of the last failure
    detail: Mapped[str | None] = mapped_column(Text)
    locked_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    available_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    call: Mapped[Call] = relationship(lazy="raise")


class Transcript(Base):
    """The masked transcript of one call, as segments and as searchable text."""

    __tablename__ = "transcripts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id"), unique=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    language: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(String(200))
    layout: Mapped[str] = mapped_column(String(16))
    duration: Mapped[float] = mapped_column(Float)
    # [{"speaker", "start", "end", "text"}], masked; the ticket's activity carries the same.
    segments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)  # masked, "speaker: text" per line
    # Case-folded copy of ``text``: SQLite's lower() folds ASCII only, so Polish
    # letters would not match case-insensitively without it.
    search_text: Mapped[str] = mapped_column(Text)
    # [{"reason", "kind", "speaker", "at"}]: why QA should listen (ASR lost a number).
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    needs_qa: Mapped[bool] = mapped_column(default=False, index=True)
    redacted_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    # Whether the masked words were silenced in the recording itself ([transcribe]
    # redact_audio); only then may QA play it. Rows from before the flag count as not.
    audio_redacted: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    call: Mapped[Call] = relationship(lazy="raise")
