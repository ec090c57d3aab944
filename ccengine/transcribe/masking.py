"""Recall-first masking of PESEL and payment card numbers in transcript text.

The text is first normalised without moving any offset (:mod:`mask_normalize`:
Unicode digits, zero-width characters), then read as one item stream
(:mod:`mask_items`: digits, number words, trigger cues, kept phone shapes). Two
passes over it:

* after trigger words ("PESEL" and how ASR spells it, "numer karty", "card"/"car",
  "CVV", "password" before a long number...) the next number is masked whatever
  its checksum: ASR flips, drops and repeats digits (:mod:`mask_capture`);
* every chain of digits is judged by its shape (:mod:`mask_stream`): a PESEL's date,
  a card's Luhn or prefix, a PESEL or card word right after it, or 12+ digits that
  validate as nothing (masked as "[NUMBER]" and reported in ``long_runs``).

Where recall and keeping conflict, recall wins: a long order number or a card-shaped
number read without its word is masked; the README's "Transcription" section lists
what stays. Each span becomes "[PESEL]", "[CARD]", "[CVV]" or "[NUMBER]"; all other
characters stay as they were. No function here raises on any text, and none puts
the text in a message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from ccengine.transcribe.mask_capture import scan_triggers
from ccengine.transcribe.mask_items import build_items
from ccengine.transcribe.mask_normalize import normalize_for_masking
from ccengine.transcribe.mask_stream import stream_findings
from ccengine.transcribe.mask_types import MaskedSpan, MaskResult, PiiKind, Trigger

__all__ = [
    "MaskResult",
    "MaskedSpan",
    "PiiKind",
    "Trigger",
    "apply_spans",
    "mask_lines",
    "mask_text",
    "merge_masked",
]


def merge_masked(spans: Iterable[MaskedSpan]) -> tuple[MaskedSpan, ...]:
    """Sorted and non-overlapping; overlapping spans join under the earlier one's kind."""
    merged: list[MaskedSpan] = []
    for span in sorted(spans, key=lambda span: span.start):  # stable: trigger spans first
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = MaskedSpan(last.kind, last.start, max(last.end, span.end))
        else:
            merged.append(span)
    return tuple(merged)


def _answered_from_before(triggers: Iterable[Trigger], cue_starts: Iterable[int]) -> list[Trigger]:
    """Triggers that a number said before them answered ("…, to mój numer PESEL")."""
    starts = set(cue_starts)
    return [
        replace(t, answered=True) if not t.answered and t.start in starts else t for t in triggers
    ]


def mask_text(text: str) -> MaskResult:
    """Mask PESELs, card numbers, CVVs, expiry dates and long digit runs.

    See the module docstring. Spans are offsets in ``text`` itself.
    """
    items = build_items(normalize_for_masking(text))
    trigger_spans, triggers = scan_triggers(items)
    found = stream_findings(items)
    spans = merge_masked([*trigger_spans, *found.spans])
    triggers = _answered_from_before(triggers, found.answering_cues)
    return MaskResult(apply_spans(text, spans), spans, tuple(triggers), found.long_runs)


def apply_spans(text: str, spans: Sequence[MaskedSpan]) -> str:
    """Replace each span by "[KIND]"; every other character stays as it was.

    Raises ValueError (naming offsets only, never the text) for spans that overlap
    or fall outside the text.
    """
    parts: list[str] = []
    position = 0
    for span in sorted(spans, key=lambda span: span.start):
        if not position <= span.start <= span.end <= len(text):
            raise ValueError(f"span {span.start}:{span.end} overlaps another or leaves the text")
        parts.append(text[position : span.start])
        parts.append(f"[{span.kind.value}]")
        position = span.end
    parts.append(text[position:])
    return "".join(parts)


def mask_lines(lines: Iterable[str]) -> Iterator[str]:
    """Mask each line on its own, keeping its line ending."""
    for line in lines:
        body = line.rstrip("\r\n")
        yield mask_text(body).text + line[len(body) :]
