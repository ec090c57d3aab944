"""One stream of items for the masking scan: numbers, cues, plain words, punctuation.

Number words and trigger phrases span several tokens; here each becomes one item, so
that the scan walks a single list and every item knows its character offsets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum
from typing import NamedTuple

from ccengine.transcribe.mask_lexicon import Cue, CueMatch, find_cues
from ccengine.transcribe.mask_shapes import kept_phone_shapes
from ccengine.transcribe.numbers import NumberPiece, Token, TokenKind, fold_numbers, tokenize


class ItemKind(Enum):
    NUMBER = "number"
    CUE = "cue"
    WORD = "word"
    PUNCT = "punct"


class Item(NamedTuple):  # a NamedTuple: one per token, built fast
    kind: ItemKind
    start: int
    end: int
    norm: str  # NUMBER: its digits; WORD: folded word; PUNCT: the character; CUE: ""
    cue: Cue | None = None
    # A NUMBER written as a date or time ("23.11.2026", "12/27", "14:30"): a number of
    # its own, never joined with its neighbours into a card number or a PESEL.
    date_like: bool = False


# Whole-token dates only; card groups ("4556-7375-...") and loops ("4.5.5.6.7") never
# have exactly this shape.
_DATE_RE = re.compile(
    r"[0-9]{1,2}[.\-][0-9]{1,2}[.\-](?:[0-9]{2}|[0-9]{4})"
    r"|[0-9]{4}-[0-9]{2}-[0-9]{2}"
)


_DATE_AND_TIME_MARKS = frozenset("/:")


def _is_date(tokens: Sequence[Token], index: int) -> bool:
    """A written date or time: "23.11.2026", "2026-11-23", or a part of "12/27", "14:30"."""
    token = tokens[index]
    before = tokens[index - 1] if index > 0 else None
    after = tokens[index + 1] if index + 1 < len(tokens) else None
    if before is not None and before.end == token.start and before.norm in _DATE_AND_TIME_MARKS:
        return True
    if after is not None and after.start == token.end and after.norm in _DATE_AND_TIME_MARKS:
        return True
    # Only tokens with separators can be dates: the cheap test goes first.
    return len(token.text) > len(token.norm) and bool(_DATE_RE.fullmatch(token.text))


def _digit_item(tokens: Sequence[Token], index: int) -> Item:
    token = tokens[index]
    date_like = _is_date(tokens, index)
    return Item(ItemKind.NUMBER, token.start, token.end, token.norm, None, date_like)


def _number_item(tokens: Sequence[Token], piece: NumberPiece) -> Item:
    """A piece of number words ("czterdzieści cztery") as one item."""
    return Item(ItemKind.NUMBER, tokens[piece.first].start, tokens[piece.last].end, piece.digits)


def _cue_item(tokens: Sequence[Token], match: CueMatch) -> Item:
    return Item(ItemKind.CUE, tokens[match.first].start, tokens[match.last].end, "", match.cue)


# What a kept number ("+48 731 070 995") is to the scan: one word, never digits.
KEPT_NUMBER = "<kept-number>"


def build_items(text: str) -> list[Item]:
    tokens = tokenize(text)
    cues = find_cues(tokens)
    phones = list(kept_phone_shapes(tokens))
    blocked = {index for match in cues for index in range(match.first, match.last + 1)}
    blocked.update(index for shape in phones for index in range(shape.first, shape.last + 1))
    # Each token belongs to at most one cue or piece: cue tokens never fold into numbers.
    spans: dict[int, tuple[int, Item]] = {}
    for match in cues:
        spans[match.first] = (match.last, _cue_item(tokens, match))
    for shape in phones:
        kept = Item(ItemKind.WORD, tokens[shape.first].start, tokens[shape.last].end, KEPT_NUMBER)
        spans[shape.first] = (shape.last, kept)
    for piece in fold_numbers(tokens, blocked, digit_tokens=False):
        spans[piece.first] = (piece.last, _number_item(tokens, piece))
    return _homophones_as_digits(_merge_into_items(tokens, spans))


# Digits ASR writes as words between other digits: "two" → "to"/"too", "four" → "for"
# ("8 5 0 1 0 1 1 to 3 4 5"). A run of them is digits when a number follows and a
# number comes before or the run repeats ("to to 5 1 …"): "PESEL to 850…" keeps its "to".
DIGIT_HOMOPHONES = {"to": "2", "too": "2", "for": "4"}


def _plain_number(item: Item) -> bool:
    return item.kind is ItemKind.NUMBER and not item.date_like


def _is_homophone(item: Item) -> bool:
    return item.kind is ItemKind.WORD and item.norm in DIGIT_HOMOPHONES


def _homophones_as_digits(items: list[Item]) -> list[Item]:
    index = 0
    while index < len(items):
        if not _is_homophone(items[index]):
            index += 1
            continue
        end = index
        while end < len(items) and _is_homophone(items[end]):
            end += 1
        after = end < len(items) and _plain_number(items[end])
        before = index > 0 and _plain_number(items[index - 1])
        if after and (before or end - index > 1):
            for position in range(index, end):
                item = items[position]
                digit = DIGIT_HOMOPHONES[item.norm]
                items[position] = Item(ItemKind.NUMBER, item.start, item.end, digit, None, False)
        index = end
    return items


def _merge_into_items(tokens: Sequence[Token], spans: dict[int, tuple[int, Item]]) -> list[Item]:
    """Tokens as items, with each cue or multi-token number as one item (hot loop)."""
    items: list[Item] = []
    append = items.append
    word, punct, number = TokenKind.WORD, TokenKind.PUNCT, TokenKind.NUMBER
    index, count = 0, len(tokens)
    while index < count:
        entry = spans.get(index)
        if entry is not None:
            append(entry[1])
            index = entry[0] + 1
            continue
        token = tokens[index]
        kind, start, end, _, norm = token
        if kind is word:
            append(Item(ItemKind.WORD, start, end, norm, None, False))
        elif kind is punct:
            append(Item(ItemKind.PUNCT, start, end, norm, None, False))
        elif kind is number:  # a digit token outside any cue is its own piece
            append(_digit_item(tokens, index))
        index += 1
    return items
