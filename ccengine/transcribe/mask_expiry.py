"""Card data read with a card: expiry dates and the CVV right after the number."""

from __future__ import annotations

from collections.abc import Sequence

from ccengine.transcribe.mask_items import Item, ItemKind
from ccengine.transcribe.mask_lexicon import MONTH_WORDS, Cue
from ccengine.transcribe.mask_outcome import Outcome
from ccengine.transcribe.mask_runs import next_joined_number, run_from
from ccengine.transcribe.mask_types import MaskedSpan, PiiKind

_EXPIRY_WINDOW_WORDS = 6
_EXPIRY_JOINERS = frozenset("/.-,\\")
_MONTH_DIGITS = 2  # "grudnia 2027" is as telling as "12/2027"
_EXPIRY_MIN_DIGITS, _EXPIRY_FULL_DIGITS, _EXPIRY_MAX_DIGITS = 3, 4, 6
CVV_DIGITS = range(3, 5)


def _slash_expiry_year(items: Sequence[Item], month: int) -> int | None:
    """The year item of "MM/YY" or "MM/YYYY" whose month item is ``month``."""
    year = month + 2
    if year >= len(items) or items[month + 1].norm != "/" or len(items[month].norm) > 2:
        return None
    if items[year].kind is not ItemKind.NUMBER or len(items[year].norm) not in (2, 4):
        return None
    return year


def card_data_after(items: Sequence[Item], last: int) -> tuple[tuple[MaskedSpan, ...], int]:
    """Expiry and CVV read right after a card number ("… 9855 12/27 123").

    They are card data even without expiry or CVV words. Returns their spans and the
    index of the last item they take (``last`` when there are none).
    """
    month = next_joined_number(items, last)
    year = None if month is None else _slash_expiry_year(items, month)
    if month is None or year is None:
        return (), last
    expiry = MaskedSpan(PiiKind.CARD, items[month].start, items[year].end)
    cvv_first = next_joined_number(items, year)
    if cvv_first is None or items[cvv_first].date_like:
        return (expiry,), year
    cvv = run_from(items, cvv_first, enough=CVV_DIGITS.stop)
    if len(cvv.digits) not in CVV_DIGITS:
        return (expiry,), year
    return (expiry, MaskedSpan(PiiKind.CVV, items[cvv.first].start, items[cvv.last].end)), cvv.last


def _expiry_piece_digits(item: Item) -> int:
    """How many digits an item adds to an expiry date; 0 when it is not part of one."""
    if item.kind is ItemKind.NUMBER:
        return len(item.norm)
    if item.kind is ItemKind.WORD and item.norm in MONTH_WORDS:
        return _MONTH_DIGITS
    return 0


def _expiry_end(items: Sequence[Item], first: int) -> int | None:
    """The last item of an expiry date starting at ``first`` ("12/27", "12 2027")."""
    head = items[first]
    if head.kind is ItemKind.NUMBER and not head.date_like:
        run = run_from(items, first, enough=_EXPIRY_MAX_DIGITS)
        if len(run.digits) > _EXPIRY_MAX_DIGITS:
            return None  # the card number itself, read after an expiry word
    digits, last, position = 0, None, first
    while position < len(items):
        size = _expiry_piece_digits(items[position])
        if size:
            if digits >= _EXPIRY_FULL_DIGITS and digits + size > _EXPIRY_MAX_DIGITS:
                break
            digits, last = digits + size, position
        elif items[position].norm not in _EXPIRY_JOINERS:
            break
        position += 1
    return last if digits >= _EXPIRY_MIN_DIGITS else None


def capture_expiry(items: Sequence[Item], index: int, first_card_cue: int) -> Outcome:
    """An expiry date after an expiry word, masked as card data when a card came up."""
    skip = Outcome((), None, index + 1)
    position, words = index + 1, 0
    while position < len(items) and words <= _EXPIRY_WINDOW_WORDS:
        item = items[position]
        if item.kind is ItemKind.CUE and item.cue not in (Cue.EXPIRY, Cue.CARD):
            return skip
        if _expiry_piece_digits(item):
            last = _expiry_end(items, position) if first_card_cue < position else None
            if last is None:
                return skip
            span = MaskedSpan(PiiKind.CARD, item.start, items[last].end)
            return Outcome((span,), None, last + 1)
        if item.kind in (ItemKind.WORD, ItemKind.CUE):
            words += 1  # cues count too, so that runs of expiry words stay linear
        position += 1
    return skip
