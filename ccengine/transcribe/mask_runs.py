"""Runs: number items that read as one number, and runs bridged over misheard words."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NamedTuple

from ccengine.transcribe.mask_items import Item, ItemKind
from ccengine.transcribe.mask_lexicon import CURRENCY_WORDS, DATE_WORDS

# Punctuation ASR puts between the parts of one spoken number: "4556 - 7375",
# "4, 5, 5, 6", "4. 5. 5. 6." (a loop). ":" and "/" are not here: times and dates.
RUN_JOINERS = frozenset(",.-–—…")
_MAX_JOINERS = 3
# Fillers are bridged (misheard digits), but never across a time or a date:
# "14:30", "12/27", "23 listopada 2026".
# Currency and date words end a number as an amount or a date: never fillers.
# A bracket opens a remark ("(10 cyfr)"), and "cyfr"/"digits" make the number before
# them a count, not more digits of the number.
COUNT_WORDS = frozenset({"cyfr", "cyfry", "cyfra", "digits", "digit", "znakow", "znaki"})
_BRIDGE_BLOCKERS = frozenset(":/()[]") | CURRENCY_WORDS | DATE_WORDS | COUNT_WORDS


class Run(NamedTuple):
    """Number items ``first``..``last`` (inclusive item indices) read as one number."""

    first: int
    last: int
    digits: str


def next_joined_number(items: Sequence[Item], after: int) -> int | None:
    """The number item joined to item ``after`` by whitespace or joiners, if any."""
    index = after + 1
    joiners = 0
    while index < len(items) and items[index].kind is ItemKind.PUNCT:
        joiners += 1
        if items[index].norm not in RUN_JOINERS or joiners > _MAX_JOINERS:
            return None
        index += 1
    if index < len(items) and items[index].kind is ItemKind.NUMBER:
        return index
    return None


def run_from(items: Sequence[Item], first: int, *, enough: int = sys.maxsize) -> Run:
    """The longest run starting at number item ``first``; dates stand alone.

    With ``enough``, the run stops once it has more digits than that: callers that
    only ask "is it longer than N?" then stay linear on long repetition loops.
    """
    digits = [items[first].norm]
    count = len(digits[0])
    last = first
    while not items[last].date_like and count <= enough:
        following = next_joined_number(items, last)
        if following is None or items[following].date_like:
            break
        last = following
        digits.append(items[last].norm)
        count += len(digits[-1])
    return Run(first, last, "".join(digits))


def _next_number_past_fillers(items: Sequence[Item], after: int, max_words: int) -> int | None:
    """The number item after at most ``max_words`` plain words and some punctuation."""
    words = 0
    index = after + 1
    while index < len(items):
        item = items[index]
        if item.kind is ItemKind.NUMBER:
            return None if item.date_like else index
        if item.kind is ItemKind.CUE or item.norm in _BRIDGE_BLOCKERS:
            return None
        if item.kind is ItemKind.WORD:
            words += 1
            if words > max_words:
                return None
        index += 1
    return None


def bridged_run_from(
    items: Sequence[Item], first: int, *, until_digits: int, max_fillers: int
) -> Run:
    """A run that goes on past up to ``max_fillers`` words while it is short.

    ASR hears some digits as words ("4 times 6, Evan 3"): while the number has fewer
    than ``until_digits`` digits, number items after a few such words still belong
    to it. A complete number stops at its own end, so later numbers stay apart.
    """
    run = run_from(items, first)
    if items[first].date_like:
        return run  # a date is a whole number of its own
    digits = run.digits
    last = run.last
    while len(digits) < until_digits:
        following = _next_number_past_fillers(items, last, max_fillers)
        if following is None:
            break
        more = run_from(items, following)
        digits += more.digits
        last = more.last
    return Run(first, last, digits)


def _group_follows(items: Sequence[Item], after: int) -> bool:
    """A number of two or more digits comes next, past joiner punctuation only."""
    following = next_joined_number(items, after)
    return following is not None and len(items[following].norm) >= 2


_THOUSANDS_GROUP = 3
_ZERO_GROUP = "000"
_MIN_ZERO_GROUPS = 2


def _thousands_expanded(items: Sequence[Item], run: Run) -> bool:
    """ "4,500,000,556,000,375": spoken groups that ASR wrote as thousands, one number.

    After the first group, every group has three digits and several are "000".
    """
    groups = [
        items[i].norm
        for i in range(run.first + 1, run.last + 1)
        if items[i].kind is ItemKind.NUMBER
    ]
    return (
        all(len(group) == _THOUSANDS_GROUP for group in groups)
        and groups.count(_ZERO_GROUP) >= _MIN_ZERO_GROUPS
    )


def cut_after_complete(items: Sequence[Item], run: Run, complete_digits: int) -> Run:
    """The run up to the punctuation where it first holds a complete number.

    Cut only where a group of digits follows ("PESEL 85010112345, 600 700 800" keeps
    the phone number); single digits after it ("…9855, 5, 5, 5") are a loop or lost
    digits and stay in the run, and so does a run written as thousands.
    """
    if _thousands_expanded(items, run):
        return run
    count = 0
    for index in range(run.first, run.last):
        item = items[index]
        if item.kind is not ItemKind.NUMBER:
            continue
        count += len(item.norm)
        at_punctuation = items[index + 1].kind is ItemKind.PUNCT
        if count >= complete_digits and at_punctuation and _group_follows(items, index):
            return Run(run.first, index, run.digits[:count])
    return run
