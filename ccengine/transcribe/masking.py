"""Recall-first masking of PESEL and payment card numbers in transcript text.

Two passes over one item stream (:mod:`mask_items`):

* after trigger words ("PESEL", "numer karty", "CVV", "ważna do"...) the next
  number is masked whatever its checksum: ASR flips, drops and repeats digits
  (:mod:`mask_capture`);
* anywhere else, a standalone run of digits or number words is masked only when it
  is a valid PESEL (checksum and birth date) or a Luhn-valid card number with a known
  issuer prefix, so phone numbers, amounts, dates and order numbers stay.

Each span becomes "[PESEL]", "[CARD]" or "[CVV]"; all other characters stay as they
were. No function here raises on any text, and none puts the text in a message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from ccengine.transcribe.mask_capture import card_data_after, scan_triggers
from ccengine.transcribe.mask_items import Item, ItemKind, build_items
from ccengine.transcribe.mask_rules import is_valid_card, is_valid_pesel
from ccengine.transcribe.mask_runs import Run, run_from
from ccengine.transcribe.mask_types import MaskedSpan, MaskResult, PiiKind, Trigger

__all__ = [
    "MaskResult",
    "MaskedSpan",
    "PiiKind",
    "Trigger",
    "apply_spans",
    "mask_lines",
    "mask_text",
]


def _kind_without_context(digits: str) -> PiiKind | None:
    if is_valid_pesel(digits):
        return PiiKind.PESEL
    if is_valid_card(digits):
        return PiiKind.CARD
    return None


def _segments(items: Sequence[Item], run: Run) -> Iterator[Run]:
    """The parts of a run that only whitespace joins: "85010112345, 600 700 800" has two."""
    first = run.first
    for index in range(run.first + 1, run.last + 2):
        if index > run.last or items[index].kind is not ItemKind.NUMBER:
            if first < index:
                digits = "".join(items[i].norm for i in range(first, index))
                yield Run(first, index - 1, digits)
            first = index + 1


def _standalone_spans(items: Sequence[Item]) -> list[MaskedSpan]:
    """Valid PESELs and cards anywhere: a whole run, else one of its segments.

    Runs join across commas because ASR writes spoken digits as "4, 5, 5, 6"; a run
    that is no valid number as a whole may still hold one between its commas.
    """
    spans: list[MaskedSpan] = []
    next_free = 0
    for index in [i for i, item in enumerate(items) if item.kind is ItemKind.NUMBER]:
        if index < next_free:
            continue  # already part of the run before
        run = run_from(items, index)
        next_free = run.last + 1
        whole = _spans_of_valid_run(items, run)
        if whole or run.first == run.last:
            spans.extend(whole)
            continue
        for segment in _segments(items, run):
            spans.extend(_spans_of_valid_run(items, segment))
    return spans


def _spans_of_valid_run(items: Sequence[Item], run: Run) -> list[MaskedSpan]:
    """The run's span when it is a valid PESEL or card, with any card data after it."""
    kind = _kind_without_context(run.digits)
    if kind is None:
        return []
    spans = [MaskedSpan(kind, items[run.first].start, items[run.last].end)]
    if kind is PiiKind.CARD:
        spans.extend(card_data_after(items, run.last)[0])
    return spans


def _merge(spans: Iterable[MaskedSpan]) -> tuple[MaskedSpan, ...]:
    """Sorted and non-overlapping; overlapping spans join under the earlier one's kind."""
    merged: list[MaskedSpan] = []
    for span in sorted(spans, key=lambda span: span.start):  # stable: trigger spans first
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = MaskedSpan(last.kind, last.start, max(last.end, span.end))
        else:
            merged.append(span)
    return tuple(merged)


def mask_text(text: str) -> MaskResult:
    """Mask PESELs, card numbers, CVVs and expiry dates; see the module docstring."""
    items = build_items(text)
    trigger_spans, triggers = scan_triggers(items)
    spans = _merge([*trigger_spans, *_standalone_spans(items)])
    return MaskResult(apply_spans(text, spans), spans, tuple(triggers))


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
