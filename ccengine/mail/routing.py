"""Where a received e-mail goes; pure, no I/O.

- Threading by subject: the ticket number in brackets (``[TK-2026-000123]``), in
  whatever shape ``tickets.number_format`` gives numbers.
- Routing a message that opens a ticket: the mailbox's filters (the seeds' "filtr"),
  each ``{"field": "sender" | "subject" | "body", "contains": str, "queue": str}``,
  compared case-insensitively, the first match winning; else the mailbox's own queue
  (the seeds' "kolejka domyślna").
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from typing import Any

from ccengine.mail.model import ParsedMail

__all__ = ["number_in_subject", "number_pattern", "route"]

FIELDS = ("sender", "subject", "body")


def number_pattern(number_format: str) -> re.Pattern[str]:
    """A regex of ``[<number>]`` for numbers made by ``number_format`` (str.format
    with ``year`` and ``seq``): literal text kept, each field a run of digits."""
    parts: list[str] = []
    for literal, field, _spec, _conversion in string.Formatter().parse(number_format):
        parts.append(re.escape(literal))
        if field is not None:
            parts.append(r"\d+")
    return re.compile(r"\[(" + "".join(parts) + r")\]")


def number_in_subject(subject: str, pattern: re.Pattern[str]) -> str | None:
    """The first ticket number tagged in the subject."""
    found = pattern.search(subject)
    return found.group(1) if found else None


def route(parsed: ParsedMail, filters: Iterable[Mapping[str, Any]], default_queue: str) -> str:
    """The queue of a new ticket opened by ``parsed``."""
    for rule in filters:
        needle = str(rule.get("contains") or "").casefold()
        queue = rule.get("queue")
        if not needle or not queue:
            continue
        if needle in _field(parsed, str(rule.get("field"))).casefold():
            return str(queue)
    return default_queue


def _field(parsed: ParsedMail, name: str) -> str:
    if name == "sender":
        return " ".join(filter(None, (parsed.from_name, parsed.from_address)))
    if name == "subject":
        return parsed.subject
    if name == "body":
        return parsed.text
    return ""
