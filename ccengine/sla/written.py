"""This process's writes to the stored SLA tables, counted as they commit.

Caches of the stored book (the SLA sync's rules) skip their stamp query for a short
while; a write in this process must end that at once, whichever code made it (the
SLA API, a script, a test writing rows). So every ORM session notes in a flush
that it touched a calendar or policy row, and its commit moves ``generation()``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from ccengine.sla.storage_models import SlaCalendarRow, SlaPolicyRow

_TABLES = (SlaCalendarRow, SlaPolicyRow)
_FLAG = "ccengine.sla_written"
_generation = 0


def generation() -> int:
    """Moves on each commit in this process that wrote a calendar or policy row."""
    return _generation


@event.listens_for(Session, "after_flush")
def _note(session: Session, _flush: UOWTransaction) -> None:
    if not session.info.get(_FLAG) and any(
            isinstance(row, _TABLES)
            for row in (*session.new, *session.dirty, *session.deleted)):
        session.info[_FLAG] = True


@event.listens_for(Session, "after_commit")
def _count(session: Session) -> None:
    global _generation
    if session.info.pop(_FLAG, False):
        _generation += 1


@event.listens_for(Session, "after_rollback")
def _forget(session: Session, *_: Any) -> None:
    session.info.pop(_FLAG, None)
