"""Numbers after trigger words: the recall-first half of masking.

After "PESEL", "numer karty", "CVV"... the next number is masked whatever its
checksum, because ASR flips, drops and repeats digits. A trigger's window ends at a
cue of another number ("telefon", "zamówienie", "NIP"...) or after enough words
without digits.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

from ccengine.transcribe.mask_expiry import CVV_DIGITS, capture_expiry, card_data_after
from ccengine.transcribe.mask_items import Item, ItemKind
from ccengine.transcribe.mask_lexicon import (
    DATE_WORDS,
    GENERIC_NUMBER_WORDS,
    Cue,
)
from ccengine.transcribe.mask_outcome import Outcome
from ccengine.transcribe.mask_rules import AMOUNT_NEIGHBOURS
from ccengine.transcribe.mask_runs import (
    Run,
    bridged_run_from,
    cut_after_complete,
    run_from,
)
from ccengine.transcribe.mask_types import MaskedSpan, PiiKind, Trigger

# Misheard digits tolerated between the pieces of one number: tiny.en wrote the card
# of the real recording as "456537, I made the same 9 .8 -5 -5" (four words).
MAX_FILLER_WORDS = 4
_NO_LIMIT = sys.maxsize
_CARD_MAX_DIGITS = 19


@dataclass(frozen=True, slots=True)
class TriggerPolicy:
    kind: PiiKind
    window_words: int  # words without digits after which the trigger gives up
    extends: frozenset[Cue]  # such cues before the number join the trigger ("karta, numer karty")
    passes: frozenset[Cue]  # such cues neither end the window nor join the trigger
    bridge_until: int  # misheard words are bridged while the number has fewer digits
    min_digits: int  # shorter numbers are not this PII; the window goes on
    answered: range  # digit counts that answer the trigger
    plain_below: int  # shorter numbers next to a currency or date word are amounts/dates
    yield_from: int  # a number this long after a passed cue belongs to that cue
    first_number_only: bool = False  # give up at the first number that is not usable
    unbridged_from: int = _NO_LIMIT  # a first piece this long is bridged to nothing
    # A number this long whose pieces had words between them is usable even below
    # min_digits: people do not say phone numbers with words in the middle; ASR does that
    # to card numbers it half-heard.
    bridged_min_digits: int = _NO_LIMIT


PESEL_POLICY = TriggerPolicy(
    PiiKind.PESEL, 25, frozenset({Cue.PESEL}), frozenset(), bridge_until=11, min_digits=4,
    answered=range(11, _NO_LIMIT), plain_below=9, yield_from=_NO_LIMIT,
)  # fmt: skip
# More than 19 digits after a card word is no card as read: a loop or ASR's thousands
# ("4 ,500 ,000, 556 ,000, ..."), masked but unanswered, so the call goes to QA.
CARD_POLICY = TriggerPolicy(
    PiiKind.CARD, 25, frozenset({Cue.CARD}), frozenset(), bridge_until=16, min_digits=4,
    answered=range(13, _CARD_MAX_DIGITS + 1), plain_below=13, yield_from=_NO_LIMIT,
)  # fmt: skip
# "CVV z tyłu karty to 123": the card word does not end a CVV window, but a long
# number after it is the card number, not the CVV.
CVV_POLICY = TriggerPolicy(
    PiiKind.CVV, 10, frozenset({Cue.CVV, Cue.CVV_GENERIC}), frozenset({Cue.CARD}),
    bridge_until=3, min_digits=2, answered=CVV_DIGITS, plain_below=5, yield_from=5,
)  # fmt: skip
# "my number is ...", "mój numer to ...": a weak card trigger. Phone and order numbers
# (up to 11 digits) after it are no PII and stay; a long number is a card as ASR
# wrote it ("4 ,500 ,000, 556 ,000, ..."), answered when it has a card's length.
# A first piece as long as a phone number is not bridged: "600-700-800, albo
# stacjonarny 22 111 00 00" is two numbers, "456537, I made 6899855" is one.
GENERIC_NUMBER_POLICY = TriggerPolicy(
    PiiKind.CARD, 25, frozenset(), frozenset(), bridge_until=16, min_digits=12,
    answered=range(13, _CARD_MAX_DIGITS + 1), plain_below=13, yield_from=_NO_LIMIT,
    first_number_only=True, unbridged_from=9, bridged_min_digits=10,
)  # fmt: skip
# "password" is what Whisper wrote for "PESEL" in a real recording ("My password is
# d -d -ddd -ddddd."): a PESEL trigger, but only for a long number right after it.
PASSWORD_POLICY = TriggerPolicy(
    PiiKind.PESEL, 3, frozenset(), frozenset(), bridge_until=11, min_digits=8,
    answered=range(11, _NO_LIMIT), plain_below=9, yield_from=_NO_LIMIT, first_number_only=True,
)  # fmt: skip
_GENERIC_CONTEXT_BEFORE = 2  # "order number", "numer do zamówienia"... within words
_GENERIC_CONTEXT_AFTER = 1  # "numer telefonu", "number NIP"


def _reads_as_amount_or_date(items: Sequence[Item], run: Run) -> bool:
    """ "1250 zł", "$1,250.00", "23.11.2026", "2019 roku": not card numbers."""
    if run.first == run.last and items[run.first].date_like:
        return True
    before = items[run.first - 1].norm if run.first > 0 else ""
    after = items[run.last + 1].norm if run.last + 1 < len(items) else ""
    return before in AMOUNT_NEIGHBOURS or after in AMOUNT_NEIGHBOURS or after in DATE_WORDS


def _bridged_words(items: Sequence[Item], run: Run) -> bool:
    return any(items[i].kind is ItemKind.WORD for i in range(run.first, run.last + 1))


def _is_usable(items: Sequence[Item], run: Run, policy: TriggerPolicy) -> bool:
    count = len(run.digits)
    if count >= policy.bridged_min_digits and _bridged_words(items, run):
        return True
    if count < policy.min_digits:
        return False
    return count >= policy.plain_below or not _reads_as_amount_or_date(items, run)


class _TriggerWindow:
    """Walks the items after one trigger cue until a usable number or the window's end."""

    def __init__(self, items: Sequence[Item], index: int, policy: TriggerPolicy) -> None:
        self.items = items
        self.policy = policy
        self.start = items[index].start
        self.end = items[index].end
        self.position = index + 1
        self.words = 0
        self.first_passed: int | None = None

    def capture(self) -> Outcome:
        while self.position < len(self.items) and self.words <= self.policy.window_words:
            item = self.items[self.position]
            if item.kind is ItemKind.CUE and not self.take_cue(item):
                break
            if item.kind is ItemKind.WORD:
                self.words += 1
            if item.kind is ItemKind.NUMBER:
                run = self.number_at(self.position)
                if self.first_passed is not None and len(run.digits) >= self.policy.yield_from:
                    break
                if _is_usable(self.items, run, self.policy):
                    return self.answer(run)
                if self.policy.first_number_only:
                    break
                self.position = run.last
            self.position += 1
        return self.give_up()

    def number_at(self, position: int) -> Run:
        complete = self.policy.bridge_until
        first_piece = run_from(self.items, position, enough=self.policy.unbridged_from)
        until = 0 if len(first_piece.digits) >= self.policy.unbridged_from else complete
        run = bridged_run_from(
            self.items, position, until_digits=until, max_fillers=MAX_FILLER_WORDS
        )
        return cut_after_complete(self.items, run, complete)

    def take_cue(self, item: Item) -> bool:
        """Whether the window goes on past this cue."""
        if item.cue in self.policy.extends:
            self.end = item.end
            self.words = 0
            return True
        if item.cue in self.policy.passes:
            if self.first_passed is None:
                self.first_passed = self.position
            self.words += 1  # a passed cue is a word of the window: it stays bounded
            return True
        return False

    def answer(self, run: Run) -> Outcome:
        kind = self.policy.kind
        answered = len(run.digits) in self.policy.answered
        span = MaskedSpan(kind, self.items[run.first].start, self.items[run.last].end)
        trigger = Trigger(kind, self.start, self.end, answered)
        if kind is not PiiKind.CARD:
            return Outcome((span,), trigger, run.last + 1)
        tail, last = card_data_after(self.items, run.last)
        return Outcome((span, *tail), trigger, last + 1)

    def give_up(self) -> Outcome:
        trigger = Trigger(self.policy.kind, self.start, self.end, answered=False)
        # A passed cue gets its own turn: it may own the number this window left alone.
        resume = self.position if self.first_passed is None else self.first_passed
        return Outcome((), trigger, resume)


def capture_after_trigger(items: Sequence[Item], index: int, policy: TriggerPolicy) -> Outcome:
    return _TriggerWindow(items, index, policy).capture()


def _is_generic_number_word(items: Sequence[Item], index: int) -> bool:
    """ "numer", "number"... on its own: no PESEL or card phrase took it (it is a WORD)."""
    item = items[index]
    return item.kind is ItemKind.WORD and item.norm in GENERIC_NUMBER_WORDS


def _other_number_near(items: Sequence[Item], index: int) -> bool:
    """An other-number cue within 2 words before or 1 word after: "order number"."""
    for step, limit in ((-1, _GENERIC_CONTEXT_BEFORE), (1, _GENERIC_CONTEXT_AFTER)):
        position, words = index + step, 0
        while 0 <= position < len(items) and words < limit:
            item = items[position]
            if item.kind is ItemKind.CUE and item.cue is Cue.OTHER_NUMBER:
                return True
            if item.kind is not ItemKind.PUNCT:
                words += 1
            position += step
    return False


def capture_after_password(items: Sequence[Item], index: int) -> Outcome:
    """A long number right after "password"; nothing at all otherwise (a real password)."""
    outcome = capture_after_trigger(items, index, PASSWORD_POLICY)
    return outcome if outcome.spans else Outcome((), None, index + 1)


def capture_after_number_word(items: Sequence[Item], index: int) -> Outcome:
    """A long number after a generic number word; nothing at all for short ones."""
    if _other_number_near(items, index):
        return Outcome((), None, index + 1)
    outcome = capture_after_trigger(items, index, GENERIC_NUMBER_POLICY)
    if not outcome.spans:
        return Outcome((), None, index + 1)  # a short number: no PII, no trigger
    return outcome


def _capture_at(items: Sequence[Item], index: int, first_card_cue: int) -> Outcome:
    if items[index].kind is ItemKind.WORD:
        return capture_after_number_word(items, index)
    cue = items[index].cue
    if cue is Cue.PESEL:
        return capture_after_trigger(items, index, PESEL_POLICY)
    if cue is Cue.CARD:
        return capture_after_trigger(items, index, CARD_POLICY)
    if cue is Cue.CVV or (cue is Cue.CVV_GENERIC and first_card_cue < index):
        return capture_after_trigger(items, index, CVV_POLICY)
    if cue is Cue.EXPIRY:
        return capture_expiry(items, index, first_card_cue)
    if cue is Cue.PASSWORD:
        return capture_after_password(items, index)
    return Outcome((), None, index + 1)


def scan_triggers(items: Sequence[Item]) -> tuple[list[MaskedSpan], list[Trigger]]:
    """Spans and triggers from every cue, walking the items once (windows are bounded).

    Generic number words ("numer", "number") are weak cues of their own.
    """
    cue_positions = [
        i
        for i, item in enumerate(items)
        if item.kind is ItemKind.CUE or _is_generic_number_word(items, i)
    ]
    first_card_cue = next((i for i in cue_positions if items[i].cue is Cue.CARD), len(items))
    spans: list[MaskedSpan] = []
    triggers: list[Trigger] = []
    resume = 0
    for index in cue_positions:
        if index < resume:
            continue  # inside what an earlier cue took
        outcome = _capture_at(items, index, first_card_cue)
        spans.extend(outcome.spans)
        if outcome.trigger is not None:
            triggers.append(outcome.trigger)
        resume = outcome.resume
    return spans, triggers
