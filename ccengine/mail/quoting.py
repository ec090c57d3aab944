"""The new text of a reply apart from the history it quotes: "> " lines, "W dniu …
napisał(a):", "On … wrote:", Outlook's "-----Original Message-----" and its
"From: … Sent: …" block; pure. A forwarded message is content, not history: kept."""

from __future__ import annotations

import re

__all__ = ["split_quoted"]

_ATTRIBUTION = re.compile(
    r"^\s*(W dniu|Dnia|On|Am|Le)\b.{0,300}?"
    r"(napisał\(a\)|napisała|napisał|pisze|wrote|schrieb|a écrit)\s*:\s*$",
    re.IGNORECASE | re.DOTALL)
_SEPARATOR = re.compile(
    r"^\s*-{2,}\s*(Original Message|Wiadomość oryginalna|Oryginalna wiadomość|"
    r"Ursprüngliche Nachricht)\s*-{2,}\s*$", re.IGNORECASE)
_FROM = re.compile(r"^\s*\*?(From|Od|Von)\s*:\*?\s", re.IGNORECASE)
_SENT = re.compile(r"^\s*\*?(Sent|Wysłano|Wysłane|Date|Data|Gesendet)\s*:\*?\s", re.IGNORECASE)
_RULE = re.compile(r"^\s*_{10,}\s*$")


def split_quoted(text: str) -> tuple[str, str | None]:
    """(the new text, the quoted history or None); all of it is new when nothing
    is left before the history."""
    lines = text.splitlines()
    start = _history_start(lines)
    if start is None:
        return text, None
    new = "\n".join(lines[:start]).rstrip()
    if not new.strip():
        return text, None
    return new, "\n".join(lines[start:]).strip("\n")


def _history_start(lines: list[str]) -> int | None:
    found = [index for index in (_header_start(lines), _quote_tail(lines)) if index is not None]
    return min(found, default=None)


def _header_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if _SEPARATOR.match(line) or _outlook_block(lines, index):
            return index - 1 if index and _RULE.match(lines[index - 1]) else index
        pair = line if index + 1 >= len(lines) else f"{line} {lines[index + 1]}"
        if _ATTRIBUTION.match(line) or (_starts_attribution(line) and _ATTRIBUTION.match(pair)):
            return index
    return None


def _starts_attribution(line: str) -> bool:
    return bool(re.match(r"^\s*(W dniu|Dnia|On)\s", line, re.IGNORECASE)) and len(line) < 300


def _outlook_block(lines: list[str], index: int) -> bool:
    """"From: …" with "Sent: …" (or Date) within the next three lines."""
    if not _FROM.match(lines[index]):
        return False
    return any(_SENT.match(line) for line in lines[index + 1: index + 4])


def _quote_tail(lines: list[str]) -> int | None:
    """The first "> " line after which every other non-blank line is quoted too (a
    reply written between quotes keeps all of it)."""
    start = None
    for index, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            start = index if start is None else start
        elif line.strip():
            start = None
    return start
