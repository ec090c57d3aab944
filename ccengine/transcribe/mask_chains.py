"""Chains: the numbers a speaker reads in one go, however ASR cut them up.

A chain starts at a number item and goes on across

* whitespace and joiner punctuation ("4 ,500, 556", "d -d -ddd"),
* filler words a reader puts between groups ("and", "second", "potem"), and one
  other word between two card groups of four ("4556 I made 7375"),

and stops at dates, times, trigger and other-number cues, currency and date words,
brackets and anything longer. Each chain knows its parts (the items that gave it
digits), so spans cover exactly the characters whose text gave a digit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import pairwise
from typing import NamedTuple

from ccengine.transcribe.mask_items import KEPT_NUMBER, Item, ItemKind
from ccengine.transcribe.mask_runs import RUN_JOINERS

_FILLERS = frozenset({
    "and", "then", "next", "first", "second", "third", "fourth", "last", "group",
    "i", "oraz", "potem", "dalej", "pierwsze", "drugie", "trzecie", "czwarte", "ostatnie",
    "grupa", "nastepnie",
    # Scale words Whisper puts into digits read aloud ("5.1 million, 6.1 million, 661").
    "million", "millions", "billion", "trillion", "milion", "miliony", "milionow", "miliard",
})  # fmt: skip
_MAX_JOINERS = 3
_MAX_FILLERS = 2
# One unknown word may sit between two card groups ("4556 I made 7375"); phone groups
# (2-3 digits) with a word between are two phone numbers ("600 700 800 albo 601 …").
_CARD_GROUP = 4


class Chain(NamedTuple):
    parts: tuple[int, ...]  # item indices that gave digits, in order
    digits: str

    @property
    def first(self) -> int:
        return self.parts[0]

    @property
    def last(self) -> int:
        return self.parts[-1]


def _is_number(items: Sequence[Item], index: int) -> bool:
    return (
        0 <= index < len(items)
        and items[index].kind is ItemKind.NUMBER
        and not items[index].date_like
    )


def _past_joiners(items: Sequence[Item], index: int) -> int:
    """The first index from ``index`` that is not joiner punctuation (at most three)."""
    for _ in range(_MAX_JOINERS):
        if index < len(items) and items[index].kind is ItemKind.PUNCT:
            if items[index].norm not in RUN_JOINERS:
                return index
            index += 1
    return index


def _digit_of(items: Sequence[Item], index: int) -> str:
    return items[index].norm


def _after_fillers(items: Sequence[Item], index: int, last_part: int) -> int | None:
    """The number after filler words from ``index``, or after one word between groups."""
    position, fillers = index, 0
    while position < len(items) and fillers <= _MAX_FILLERS:
        item = items[position]
        if item.kind is not ItemKind.WORD or item.norm == KEPT_NUMBER:
            break
        if item.norm not in _FILLERS:
            return _after_one_word(items, position, last_part) if fillers == 0 else None
        fillers += 1
        position = _past_joiners(items, position + 1)
    if fillers and _is_number(items, position):
        return position
    return None


def _after_one_word(items: Sequence[Item], word: int, last_part: int) -> int | None:
    following = _past_joiners(items, word + 1)
    if not _is_number(items, following):
        return None
    card_groups = len(items[last_part].norm) == len(items[following].norm) == _CARD_GROUP
    return following if card_groups else None


def _next_part(items: Sequence[Item], last_part: int) -> int | None:
    index = _past_joiners(items, last_part + 1)
    if index >= len(items):
        return None
    if _is_number(items, index):
        return index
    return _after_fillers(items, index, last_part)


def chain_from(items: Sequence[Item], first: int) -> Chain:
    parts = [first]
    while (following := _next_part(items, parts[-1])) is not None:
        parts.append(following)
    return Chain(tuple(parts), "".join(_digit_of(items, i) for i in parts))


def chains(items: Sequence[Item]) -> Iterator[Chain]:
    """Every chain in text order; each number item belongs to one chain."""
    index = 0
    while index < len(items):
        if _is_number(items, index):
            chain = chain_from(items, index)
            yield chain
            index = chain.last + 1
        else:
            index += 1


def touching(items: Sequence[Item], left: int, right: int) -> bool:
    """Only whitespace and joiner punctuation between items ``left`` and ``right``."""
    return all(
        items[i].kind is ItemKind.PUNCT and items[i].norm in RUN_JOINERS
        for i in range(left + 1, right)
    )


def stretches(items: Sequence[Item], parts: Sequence[int]) -> Iterator[tuple[int, int]]:
    """(first, last) part indices of the stretches that no word interrupts."""
    start = parts[0]
    for left, right in pairwise(parts):
        if not touching(items, left, right):
            yield start, left
            start = right
    yield start, parts[-1]


def bridged(items: Sequence[Item], chain: Chain) -> bool:
    """Words sit between some parts of the chain ("3,100 and 9 0,300 and 32")."""
    return any(not touching(items, left, right) for left, right in pairwise(chain.parts))


def segments(items: Sequence[Item], chain: Chain) -> Iterator[Chain]:
    """The parts of a chain that only whitespace joins: "85010112345, 600 700 800" has two."""
    current: list[int] = [chain.parts[0]]
    for left, right in pairwise(chain.parts):
        if right == left + 1:
            current.append(right)
        else:
            yield Chain(tuple(current), "".join(_digit_of(items, i) for i in current))
            current = [right]
    yield Chain(tuple(current), "".join(_digit_of(items, i) for i in current))


def sub_chains(items: Sequence[Item], chain: Chain) -> Iterator[Chain]:
    """Every run of consecutive parts, longest first: "247 4556 7375 8689 9855" holds a card."""
    count = len(chain.parts)
    for size in range(count, 0, -1):
        for first in range(count - size + 1):
            parts = chain.parts[first:first + size]
            yield Chain(parts, "".join(_digit_of(items, i) for i in parts))
