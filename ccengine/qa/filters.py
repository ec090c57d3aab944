"""What the QA call list is narrowed to, and days in the contact center's zone (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ccengine.calls.model import Outcome


@dataclass(frozen=True, slots=True)
class CallFilter:
    start: datetime | None = None  # UTC, inclusive
    end: datetime | None = None  # UTC, exclusive
    queue: str | None = None
    agent: str | None = None  # the agent's name as the call recorded it
    outcome: Outcome | None = None
    has_transcript: bool | None = None
    words: str = ""  # every word must be in the (masked) transcript
    flagged: bool | None = None  # the transcript asks for QA (needs_qa)
    reviewed: bool | None = None


def day_span(first: date | None, last: date | None,
             zone: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """UTC bounds of the local days ``first``..``last`` (both included).

    Local midnights, so a day across a DST change is 23 or 25 hours long.
    """
    start = _midnight(first, zone) if first else None
    end = _midnight(last + timedelta(days=1), zone) if last else None
    return start, end


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def matching_segment(segments: list[dict[str, object]], words: str) -> dict[str, object] | None:
    """The first segment holding any of ``words`` (what the list shows for a search)."""
    wanted = words.casefold().split()
    for segment in segments:
        text = str(segment.get("text", "")).casefold()
        if any(word in text for word in wanted):
            return segment
    return None
