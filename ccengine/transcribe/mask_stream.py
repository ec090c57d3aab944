"""Numbers without a trigger word before them: the second, shape-based half of masking.

Every chain of digits (:mod:`mask_chains`) is judged by what it looks like, because
ASR loses trigger words ("PESEL" heard as "password", nothing at all) as often as
digits:

* 11 digits whose first six are a birth date are a PESEL, checksum or not;
* 13-19 digits that pass Luhn or start with a card issuer's prefix are a card;
* 10 digits said one by one that are a PESEL with its first or last digit lost
  (the date still readable) are a PESEL: "d -d -d -…" is how Whisper wrote one;
* 12 or more digits that are neither are masked as ``[NUMBER]`` and reported as a
  long run, so that the call goes to QA: nobody reads out a harmless 12-digit number
  in one breath, and a card with a lost digit looks just like that;
* a chain of 10 or more digits with a PESEL or card word right after it ("…, to mój
  numer PESEL") is that PII.

What stays: lists of phone numbers or years ("600 700 800 i 601 701 801"), chains
next to a currency or right after another number's word
("konto", "NIP", "zamówienie", "klienta") unless they are a valid PESEL or card, and
everything shorter. Where recall and keeping conflict, recall wins: a 12-digit order
number read without its word is masked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ccengine.transcribe.mask_chains import Chain, chains, segments, stretches
from ccengine.transcribe.mask_expiry import card_data_after
from ccengine.transcribe.mask_items import Item, ItemKind
from ccengine.transcribe.mask_lexicon import CURRENCY_SYMBOLS, CURRENCY_WORDS, Cue
from ccengine.transcribe.mask_rules import (
    PESEL_LENGTH,
    is_valid_card,
    is_valid_pesel,
    looks_like_card,
    looks_like_pesel,
    pesel_date_ok,
)
from ccengine.transcribe.mask_types import MaskedSpan, PiiKind

LONG_RUN_DIGITS = 12
_TRIGGER_AFTER_DIGITS = 10
_TRIGGER_AFTER_WORDS = 5  # "…, to jest mój numer PESEL"
_OTHER_CUE_BEFORE_WORDS = 2  # "Numer klienta 123…", "NIP 526-…"
_AMOUNT_NEIGHBOURS = CURRENCY_WORDS | CURRENCY_SYMBOLS
_CUE_KINDS = {Cue.PESEL: PiiKind.PESEL, Cue.PASSWORD: PiiKind.PESEL, Cue.CARD: PiiKind.CARD}


class StreamFindings(NamedTuple):
    spans: tuple[MaskedSpan, ...]
    long_runs: tuple[MaskedSpan, ...]  # masked though they validate as nothing
    answering_cues: tuple[int, ...]  # start offsets of cues answered by a number before them


def shape_kind(digits: str) -> PiiKind | None:
    if looks_like_pesel(digits):
        return PiiKind.PESEL
    if looks_like_card(digits):
        return PiiKind.CARD
    return None


def _strictly_pii(digits: str) -> bool:
    return is_valid_pesel(digits) or is_valid_card(digits)


def _amount(items: Sequence[Item], chain: Chain) -> bool:
    before = items[chain.first - 1].norm if chain.first > 0 else ""
    after = items[chain.last + 1].norm if chain.last + 1 < len(items) else ""
    return before in _AMOUNT_NEIGHBOURS or after in _AMOUNT_NEIGHBOURS


def _other_number_before(items: Sequence[Item], chain: Chain) -> bool:
    position, words = chain.first - 1, 0
    while position >= 0 and words <= _OTHER_CUE_BEFORE_WORDS:
        item = items[position]
        if item.kind is ItemKind.CUE:
            return item.cue is Cue.OTHER_NUMBER
        if item.kind is ItemKind.WORD:
            words += 1
        position -= 1
    return False


def _cue_after(items: Sequence[Item], chain: Chain) -> int | None:
    """A PESEL or card cue within a few words after the chain, with no number between."""
    position, words = chain.last + 1, 0
    while position < len(items) and words <= _TRIGGER_AFTER_WORDS:
        item = items[position]
        if item.kind is ItemKind.NUMBER:
            return None
        if item.kind is ItemKind.CUE:
            return position if item.cue in _CUE_KINDS else None
        if item.kind is ItemKind.WORD:
            words += 1
        position += 1
    return None


def _pesel_with_a_digit_lost(items: Sequence[Item], chain: Chain) -> bool:
    """Ten digits said one by one whose date reads with a digit added before or after.

    Digit by digit is how people read a PESEL; NIPs and order numbers come in groups.
    """
    if len(chain.digits) != PESEL_LENGTH - 1 or any(len(items[i].norm) != 1 for i in chain.parts):
        return False
    return pesel_date_ok(chain.digits) or any(pesel_date_ok(d + chain.digits) for d in "0129")


_PHONE_DIGITS = 9
_YEARS = range(1900, 2100)


def _plain_number(digits: str) -> bool:
    """A phone number or a year: what people list ("600 700 800 albo 601 701 801")."""
    return len(digits) == _PHONE_DIGITS or (len(digits) == 4 and int(digits) in _YEARS)


def _list_of_plain_numbers(items: Sequence[Item], chain: Chain) -> bool:
    parts = list(segments(items, chain))
    return len(parts) > 1 and all(_plain_number(part.digits) for part in parts)


def _spans(items: Sequence[Item], chain: Chain, kind: PiiKind) -> list[MaskedSpan]:
    """One span per stretch of the chain that no filler word interrupts."""
    return [
        MaskedSpan(kind, items[first].start, items[last].end)
        for first, last in stretches(items, chain.parts)
    ]


class _Judge:
    def __init__(self, items: Sequence[Item]) -> None:
        self.items = items
        self.spans: list[MaskedSpan] = []
        self.long_runs: list[MaskedSpan] = []
        self.answering: list[int] = []

    def judge(self, chain: Chain) -> None:
        items = self.items
        if _amount(items, chain) or _other_number_before(items, chain):
            if _strictly_pii(chain.digits):
                self.spans.extend(_spans(items, chain, shape_kind(chain.digits) or PiiKind.CARD))
            return
        if _list_of_plain_numbers(items, chain):
            return  # "600 700 800 i 601 701 801", "2019, 2020 i 2021"
        kind = shape_kind(chain.digits)
        if kind is not None:
            self.mask(chain, kind)
            self.note_cue_after(chain)
        elif not self.judge_segments(chain):
            self.judge_whole(chain)

    def note_cue_after(self, chain: Chain) -> None:
        """A PESEL or card word after a masked number: the number answered it."""
        cue = _cue_after(self.items, chain)
        if cue is not None:
            self.answering.append(self.items[cue].start)

    def mask(self, chain: Chain, kind: PiiKind) -> None:
        """The chain's spans; a card brings the expiry and CVV read right after it."""
        self.spans.extend(_spans(self.items, chain, kind))
        if kind is PiiKind.CARD:
            self.spans.extend(card_data_after(self.items, chain.last)[0])

    def judge_segments(self, chain: Chain) -> bool:
        """PII in the parts of a chain: "85010112345, 600 700 800" masks the first only."""
        found = False
        for segment in segments(self.items, chain) if len(chain.parts) > 1 else ():
            kind = shape_kind(segment.digits)
            if kind is not None:
                self.mask(segment, kind)
                found = True
        return found

    def judge_whole(self, chain: Chain) -> None:
        cue = _cue_after(self.items, chain)
        if cue is not None and len(chain.digits) >= _TRIGGER_AFTER_DIGITS:
            cue_kind = _CUE_KINDS[self.items[cue].cue]  # type: ignore[index]
            self.spans.extend(_spans(self.items, chain, cue_kind))
            self.answering.append(self.items[cue].start)
        elif _pesel_with_a_digit_lost(self.items, chain):
            self.spans.extend(_spans(self.items, chain, PiiKind.PESEL))
        elif len(chain.digits) >= LONG_RUN_DIGITS:
            found = _spans(self.items, chain, PiiKind.NUMBER)
            self.spans.extend(found)
            self.long_runs.extend(found)


def stream_findings(items: Sequence[Item]) -> StreamFindings:
    judge = _Judge(items)
    for chain in chains(items):
        judge.judge(chain)
    return StreamFindings(tuple(judge.spans), tuple(judge.long_runs), tuple(judge.answering))
