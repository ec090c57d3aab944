"""Transcription jobs and masked transcripts.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    _create_jobs()
    _create_transcripts()


def _create_jobs() -> None:
    op.create_table(
        "transcription_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("recording_file", sa.String(500), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("locked_by", sa.String(200), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("available_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"],
                                name="fk_transcription_jobs_call_id_calls"),
        sa.PrimaryKeyConstraint("id", name="pk_transcription_jobs"),
        sa.UniqueConstraint("call_id", name="uq_transcription_jobs_call_id"),
    )
    op.create_index("ix_transcription_jobs_status_available_at", "transcription_jobs",
                    ["status", "available_at"])


def _create_transcripts() -> None:
    op.create_table(
        "transcripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("layout", sa.String(16), nullable=False),
        sa.Column("duration", sa.Float(), nullable=False),
        sa.Column("segments", sa.JSON(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("needs_qa", sa.Boolean(), nullable=False),
        sa.Column("redacted_seconds", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["call_id"], ["calls.id"], name="fk_transcripts_call_id_calls"),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_transcripts_ticket_id_tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_transcripts"),
        sa.UniqueConstraint("call_id", name="uq_transcripts_call_id"),
    )
    op.create_index("ix_transcripts_ticket_id", "transcripts", ["ticket_id"])
    op.create_index("ix_transcripts_needs_qa", "transcripts", ["needs_qa"])


def downgrade() -> None:
    op.drop_index("ix_transcripts_needs_qa", table_name="transcripts")
    op.drop_index("ix_transcripts_ticket_id", table_name="transcripts")
    op.drop_table("transcripts")
    op.drop_index("ix_transcription_jobs_status_available_at", table_name="transcription_jobs")
    op.drop_table("transcription_jobs")
