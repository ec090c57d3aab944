"""The QA call list's query parameters, parsed into a ``CallFilter``."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from aiohttp import web

from ccengine.calls.model import Outcome
from ccengine.qa.filters import CallFilter, day_span
from ccengine.web.errors import InvalidParameter
from ccengine.web.keys import TIMEZONE
from ccengine.web.params import MAX_SQL_INT, optional, text_param, yes_no

MAX_WORDS = 200  # characters of the words search


def call_filter(request: web.Request) -> CallFilter:
    first = optional(request, "from", _day)
    last = optional(request, "to", _day)
    if first and last and last < first:
        raise InvalidParameter("to", "must not be before 'from'")
    start, end = day_span(first, last, ZoneInfo(request.app[TIMEZONE]))
    return CallFilter(
        start=start, end=end,
        queue=text_param(request, "queue"), agent=text_param(request, "agent"),
        outcome=optional(request, "outcome", Outcome),
        has_transcript=optional(request, "has_transcript", yes_no),
        words=_words(request), flagged=optional(request, "flagged", yes_no),
        reviewed=optional(request, "reviewed", yes_no),
    )


def _day(raw: str) -> date:
    day = date.fromisoformat(raw)
    if not 1970 <= day.year <= 9000:  # far from date.max: the day after must exist
        raise ValueError(raw)
    return day


def _words(request: web.Request) -> str:
    words = text_param(request, "q") or ""
    if len(words) > MAX_WORDS:
        raise InvalidParameter("q", f"must be at most {MAX_WORDS} characters")
    return words


def call_id(request: web.Request) -> int:
    raw = request.match_info["call_id"]
    if (not raw.isascii() or not raw.isdigit() or len(raw) > 20
            or not 1 <= int(raw) <= MAX_SQL_INT):
        raise InvalidParameter("call_id",
                               f"expected a call id (1..{MAX_SQL_INT}), got {raw[:40]!r}")
    return int(raw)
