"""Numbers without a trigger word before them: the second, shape-based half of masking.

Every chain of digits (:mod:`mask_chains`) is judged by what it looks like, because
ASR loses trigger words ("PESEL" heard as "password", nothing at all) as often as
digits:

* 11 digits whose first six are a birth date are a PESEL, checksum or not;
* 13-19 digits that pass Luhn or start with a card issuer's prefix are a card;
* 10 digits said one by one that are a PESEL with its first or last digit lost
  (the date still readable) are a PESEL: "d -d -d -…" is how Whisper wrote one;
* 12 or more digits that are neither (10 or more with words between the groups,
  as in ASR's "3,100 and 9 0,300 and 32") are masked as ``[NUMBER]`` and reported as a
  long run, so that the call goes to QA: nobody reads out a harmless 12-digit number
  in one breath, and a card with a lost digit looks just like that;
* chains a few plain words apart with 12 or more digits together are a long run
  too (:mod:`mask_clusters`);
* a chain of 10 or more digits with a PESEL or card word right after it ("…, to mój
  numer PESEL") is that PII.

What stays: lists of phone numbers or years ("600 700 800 i 601 701 801"), chains
next to a currency (up to 10 digits: an amount) or right after another number's word
("konto", "NIP", "zamówienie", "klienta"; in the lengths such numbers have) unless they,
or a run of their parts, are a valid PESEL or card ("zamówienie 247 85010112345"), and
everything shorter. Where recall and keeping conflict, recall wins: a 12-digit order
number read without its word is masked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ccengine.transcribe.mask_chains import (
    Chain,
    bridged,
    chains,
    segments,
    stretches,
    sub_chains,
)
from ccengine.transcribe.mask_clusters import clusters, is_long_cluster
from ccengine.transcribe.mask_expiry import card_data_after
from ccengine.transcribe.mask_items import Item, ItemKind
from ccengine.transcribe.mask_lexicon import Cue
from ccengine.transcribe.mask_rules import (
    AMOUNT_NEIGHBOURS,
    PESEL_LENGTH,
    is_phone_or_year,
    is_valid_card,
    is_valid_pesel,
    looks_like_card,
    looks_like_pesel,
    pesel_date_ok,
)
from ccengine.transcribe.mask_types import MaskedSpan, PiiKind

LONG_RUN_DIGITS = 12
# "Yes, 3,100 and 9 0,300 and 32" (tiny.en for a PESEL): words between the groups and
# ten or more digits; nobody reads a phone number that way.
BRIDGED_LONG_RUN_DIGITS = 10
_TRIGGER_AFTER_DIGITS = 10
_TRIGGER_AFTER_WORDS = 5  # "…, to jest mój numer PESEL"
_OTHER_CUE_BEFORE_WORDS = 2  # "Numer klienta 123…", "NIP 526-…"
# Longer than this next to a currency word is no amount anybody reads out.
_AMOUNT_MAX_DIGITS = 10
# What another number's word may name: phone (9, 11 with 48), NIP and KRS (10), REGON
# (9, 14), order and ticket numbers up to 12, a Polish account (26) or IBAN digits (28).
# Other lengths stay only when they have no PESEL or card shape ("customer 1234 5678 …").
_OTHER_NUMBER_LENGTHS = frozenset({*range(1, 13), 14, 26, 28})
_CVV_DIGITS = range(3, 5)
# After the number a word named, this many more digits are no second harmless number
# (13: a card's shortest length; "customer number 1234 5678 9012 3456" has 12 after).
_SECOND_LONG_RUN_DIGITS = 13
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
    return before in AMOUNT_NEIGHBOURS or after in AMOUNT_NEIGHBOURS


def _other_number_before(items: Sequence[Item], chain: Chain) -> bool:
    position, words = chain.first - 1, 0
    while position >= 0 and words <= _OTHER_CUE_BEFORE_WORDS:
        item = items[position]
        if item.kind is ItemKind.CUE:
            return item.cue is Cue.OTHER_NUMBER
        if item.kind is ItemKind.NUMBER:
            return False  # the word named the number before this one ("zamówienie 247 …")
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


def _list_of_plain_numbers(items: Sequence[Item], chain: Chain) -> bool:
    parts = list(segments(items, chain))
    return len(parts) > 1 and all(is_phone_or_year(part.digits) for part in parts)


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

    def judge(self, chain: Chain) -> bool:
        """Mask the chain or keep it; False when it is left open (short, no context)."""
        items = self.items
        if self.exempt(chain):
            self.mask_valid_within(chain)
            return True
        if _list_of_plain_numbers(items, chain):
            return True  # "600 700 800 i 601 701 801", "2019, 2020 i 2021"
        kind = shape_kind(chain.digits)
        if kind is not None:
            self.mask(chain, kind)
            self.note_cue_after(chain)
            return True
        return self.judge_segments(chain) or self.judge_whole(chain)

    def exempt(self, chain: Chain) -> bool:
        """An amount or another number's value, by its neighbours and its length."""
        count = len(chain.digits)
        return ((_amount(self.items, chain) and count <= _AMOUNT_MAX_DIGITS)
                or (_other_number_before(self.items, chain)
                    and (count in _OTHER_NUMBER_LENGTHS or shape_kind(chain.digits) is None)))

    def mask_valid_within(self, chain: Chain) -> None:
        """A valid PESEL or card in the parts of an exempt chain; a card takes a CVV after it."""
        for part in sub_chains(self.items, chain):
            if _strictly_pii(part.digits):
                kind = shape_kind(part.digits) or PiiKind.CARD
                rest = chain.parts[chain.parts.index(part.last) + 1:]
                tail = "".join(self.items[i].norm for i in rest)
                if kind is PiiKind.CARD and len(tail) in _CVV_DIGITS:
                    part = Chain((*part.parts, *rest), part.digits + tail)
                self.mask(part, kind)
                return
        self.judge_after_first(chain)

    def judge_after_first(self, chain: Chain) -> None:
        """The word names the first group; what follows it ("telefon 48 3-1-2-…") is
        judged by its shape: a PESEL or card, even with a digit lost."""
        rest_parts = chain.parts[1:]
        if not rest_parts:
            return
        rest = Chain(rest_parts, "".join(self.items[i].norm for i in rest_parts))
        kind = shape_kind(rest.digits)
        if kind is not None:
            self.mask(rest, kind)
        elif _pesel_with_a_digit_lost(self.items, rest):
            self.spans.extend(_spans(self.items, rest, PiiKind.PESEL))
        elif (len(rest.digits) >= _SECOND_LONG_RUN_DIGITS
              and len(chain.digits) not in _OTHER_NUMBER_LENGTHS):
            self.mask_long_run(rest)  # a card with a digit lost, after an order number

    def mask_long_run(self, chain: Chain) -> None:
        found = _spans(self.items, chain, PiiKind.NUMBER)
        self.spans.extend(found)
        self.long_runs.extend(found)

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

    def long_run(self, chain: Chain) -> bool:
        """12+ digits, or 10+ read with words between: ASR's number-speak of a PII number."""
        count = len(chain.digits)
        return count >= LONG_RUN_DIGITS or (
            count >= BRIDGED_LONG_RUN_DIGITS and bridged(self.items, chain)
        )

    def judge_segments(self, chain: Chain) -> bool:
        """PII in the parts of a chain: "85010112345, 600 700 800" masks the first only."""
        found = False
        for segment in segments(self.items, chain) if len(chain.parts) > 1 else ():
            kind = shape_kind(segment.digits)
            if kind is not None:
                self.mask(segment, kind)
                found = True
        return found

    def judge_whole(self, chain: Chain) -> bool:
        cue = _cue_after(self.items, chain)
        if cue is not None and len(chain.digits) >= _TRIGGER_AFTER_DIGITS:
            cue_kind = _CUE_KINDS[self.items[cue].cue]  # type: ignore[index]
            self.spans.extend(_spans(self.items, chain, cue_kind))
            self.answering.append(self.items[cue].start)
        elif _pesel_with_a_digit_lost(self.items, chain):
            self.spans.extend(_spans(self.items, chain, PiiKind.PESEL))
        elif self.long_run(chain):
            self.mask_long_run(chain)
        else:
            return False
        return True


def stream_findings(items: Sequence[Item]) -> StreamFindings:
    judge = _Judge(items)
    open_chains = [chain for chain in chains(items) if not judge.judge(chain)]
    for cluster in clusters(items, open_chains):
        if is_long_cluster(cluster):
            for chain in cluster:
                judge.mask_long_run(chain)
    return StreamFindings(tuple(judge.spans), tuple(judge.long_runs), tuple(judge.answering))
