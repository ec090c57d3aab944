"""Folding transcript text into number pieces: digits, digit groups and number words.

ASR writes one spoken number in many ways: "4556", "4 5 5 6", "4556-7375", "4.5.5.6"
(Whisper looping), "4,111,111", "cztery pięć pięć sześć", "czterdzieści pięć
pięćdziesiąt sześć", "four five five six". :func:`fold_numbers` turns each of them
into :class:`NumberPiece` objects holding plain ASCII digits and the tokens they came
from, so that callers can map digits back to character offsets in the original text.

Pure functions, no I/O. Every string is accepted; nothing here raises on odd input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import NamedTuple

from ccengine.transcribe.mask_normalize import normalize_for_masking


class TokenKind(Enum):
    NUMBER = "number"
    WORD = "word"
    PUNCT = "punct"


class Token(NamedTuple):  # one per token: a NamedTuple is quicker to build than a dataclass
    """One token of the original text; ``start``/``end`` are character offsets."""

    kind: TokenKind
    start: int
    end: int
    text: str  # exactly as in the original text
    norm: str  # NUMBER: its digits only; WORD: lower case without diacritics; PUNCT: text


class NumberPiece(NamedTuple):
    """Digits read from tokens ``first``..``last`` (inclusive token indices)."""

    first: int
    last: int
    digits: str


# A digit group may hold single separators between digits ("4556-7375", "4.5.5.6",
# "4,111,111"): every repetition starts with a separator, so matching stays linear.
# Combining marks inside a word belong to it, so that a decomposed "ę" does not split
# the word; each repetition starts with a mark, so this part is linear too.
_TOKEN_RE = re.compile(
    r"([0-9]+(?:[.,\-][0-9]+)*)"
    r"|([^\W\d_]+(?:[\u0300-\u036f]+[^\W\d_]*)*)"
    r"|([^\w\s]|_)"
)
_NON_DIGITS = str.maketrans("", "", ".,-")
# Letters NFKD does not decompose; everything else loses its diacritics by NFKD.
_EXTRA_FOLDS = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ß": "ss"})


@lru_cache(maxsize=8192)
def fold_word(word: str) -> str:
    """Lower case without diacritics: ASR writes "pięć" and "piec" alike."""
    lowered = word.lower()
    if lowered.isascii():
        return lowered
    decomposed = unicodedata.normalize("NFKD", lowered.translate(_EXTRA_FOLDS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokenize(text: str) -> list[Token]:
    """Numbers, words and single punctuation characters; whitespace separates them."""
    number, word, punct = TokenKind.NUMBER, TokenKind.WORD, TokenKind.PUNCT  # hot loop
    tokens: list[Token] = []
    append = tokens.append
    for match in _TOKEN_RE.finditer(text):
        raw = match.group()
        start, end = match.span()
        group = match.lastindex  # 1: number, 2: word, 3: punctuation
        if group == 1:
            append(Token(number, start, end, raw, raw.translate(_NON_DIGITS)))
        elif group == 2:
            append(Token(word, start, end, raw, fold_word(raw)))
        else:
            append(Token(punct, start, end, raw, raw))
    return tokens


class _Role(Enum):
    UNIT = "unit"  # 0-9
    TEEN = "teen"  # 10-19
    TENS = "tens"  # 20, 30 ... 90
    HUNDREDS = "hundreds"  # Polish 100 ... 900 in one word
    HUNDRED = "hundred"  # English multiplier: "four hundred"
    THOUSAND = "thousand"  # multiplier: "dwa tysiące", "two thousand"


_UNITS = {
    "zero": 0, "oh": 0,
    "jeden": 1, "jedna": 1, "jedno": 1, "jednego": 1, "one": 1,
    "dwa": 2, "dwie": 2, "dwoch": 2, "two": 2,
    "trzy": 3, "trzech": 3, "three": 3,
    "cztery": 4, "czterech": 4, "four": 4,
    "piec": 5, "pieciu": 5, "five": 5,
    "szesc": 6, "szesciu": 6, "six": 6,
    "siedem": 7, "siedmiu": 7, "seven": 7,
    "osiem": 8, "osmiu": 8, "eight": 8,
    "dziewiec": 9, "dziewieciu": 9, "nine": 9,
}  # fmt: skip
_TEENS = {
    "dziesiec": 10, "jedenascie": 11, "dwanascie": 12, "trzynascie": 13,
    "czternascie": 14, "pietnascie": 15, "szesnascie": 16, "siedemnascie": 17,
    "osiemnascie": 18, "dziewietnascie": 19,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "dwadziescia": 20, "trzydziesci": 30, "czterdziesci": 40, "piecdziesiat": 50,
    "szescdziesiat": 60, "siedemdziesiat": 70, "osiemdziesiat": 80,
    "dziewiecdziesiat": 90,
    "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_HUNDREDS = {
    "sto": 100, "dwiescie": 200, "trzysta": 300, "czterysta": 400, "piecset": 500,
    "szescset": 600, "siedemset": 700, "osiemset": 800, "dziewiecset": 900,
}  # fmt: skip
_NUMBER_WORDS: dict[str, tuple[_Role, int]] = {
    **{word: (_Role.UNIT, value) for word, value in _UNITS.items()},
    **{word: (_Role.TEEN, value) for word, value in _TEENS.items()},
    **{word: (_Role.TENS, value) for word, value in _TENS.items()},
    **{word: (_Role.HUNDREDS, value) for word, value in _HUNDREDS.items()},
    "hundred": (_Role.HUNDRED, 100),
    **{word: (_Role.THOUSAND, 1000) for word in ("tysiac", "tysiace", "tysiecy", "thousand")},
}
# English "double five" = 55, "triple oh" = 000.
_REPEATS = {"double": 2, "triple": 3}
_NUMBERISH_WORDS = frozenset(_NUMBER_WORDS) | frozenset(_REPEATS)

# The lowest decimal place a group of number words has filled so far.
_PLACE_THOUSANDS, _PLACE_HUNDREDS, _PLACE_TENS, _PLACE_UNITS = 4, 3, 2, 1


@dataclass(slots=True)
class _Group:
    """Consecutive number words that make one number ("sto dwadzieścia trzy")."""

    first: int
    last: int
    thousands: int
    below_thousand: int
    place: int

    def piece(self) -> NumberPiece:
        return NumberPiece(self.first, self.last, str(self.thousands + self.below_thousand))


_PLACE_OF_FIRST_WORD = {
    _Role.UNIT: _PLACE_UNITS,
    _Role.TEEN: _PLACE_UNITS,
    _Role.TENS: _PLACE_TENS,
    _Role.HUNDREDS: _PLACE_HUNDREDS,
    _Role.HUNDRED: _PLACE_HUNDREDS,
    _Role.THOUSAND: _PLACE_THOUSANDS,
}


def _start_group(index: int, role: _Role, value: int) -> _Group:
    if role is _Role.THOUSAND:
        return _Group(index, index, value, 0, _PLACE_THOUSANDS)
    return _Group(index, index, 0, value, _PLACE_OF_FIRST_WORD[role])


def _extend_group(group: _Group, role: _Role, value: int) -> bool:
    """Add a word to the group when it fills a lower place; False: it starts a new one.

    "czterdzieści cztery" is 44, but "cztery pięć" is two digits and "zero" never
    continues a group ("dwadzieścia zero" is "20" and then "0").
    """
    place = group.place
    if role is _Role.UNIT:
        fits = value != 0 and place >= _PLACE_TENS
        new_place = _PLACE_UNITS
    elif role in (_Role.TEEN, _Role.TENS):
        fits = place >= _PLACE_HUNDREDS
        new_place = _PLACE_UNITS if role is _Role.TEEN else _PLACE_TENS
    elif role is _Role.HUNDREDS:
        fits = place == _PLACE_THOUSANDS
        new_place = _PLACE_HUNDREDS
    elif role is _Role.HUNDRED:
        return _multiply_hundred(group)
    else:
        return _multiply_thousand(group)
    if fits:
        group.below_thousand += value
        group.place = new_place
    return fits


def _multiply_hundred(group: _Group) -> bool:
    """ "four hundred", "nineteen hundred": the words so far count hundreds."""
    if not 0 < group.below_thousand < 100 or group.place > _PLACE_TENS:
        return False
    group.below_thousand *= 100
    group.place = _PLACE_HUNDREDS
    return True


def _multiply_thousand(group: _Group) -> bool:
    """ "dwa tysiące", "two thousand": the words so far count thousands."""
    if group.thousands:
        return False
    group.thousands = max(group.below_thousand, 1) * 1000
    group.below_thousand = 0
    group.place = _PLACE_THOUSANDS
    return True


def _number_word(token: Token) -> tuple[_Role, int] | None:
    if token.kind is not TokenKind.WORD:
        return None
    return _NUMBER_WORDS.get(token.norm)


def _is_glue(tokens: Sequence[Token], index: int, group: _Group) -> bool:
    """A token inside a number of words: "twenty-five", "one hundred and five"."""
    token = tokens[index]
    if index + 1 >= len(tokens) or _number_word(tokens[index + 1]) is None:
        return False
    if token.norm == "-":
        glued = tokens[index - 1].end == token.start and token.end == tokens[index + 1].start
        return glued and group.last == index - 1
    return token.norm == "and" and group.place >= _PLACE_HUNDREDS


def _repeat_count(tokens: Sequence[Token], index: int) -> int:
    """2 or 3 for "double"/"triple" right before a digit word; else 0."""
    times = _REPEATS.get(tokens[index].norm, 0) if tokens[index].kind is TokenKind.WORD else 0
    if not times or index + 1 >= len(tokens):
        return 0
    following = _number_word(tokens[index + 1])
    return times if following is not None and following[0] is _Role.UNIT else 0


class _Folder:
    """Walks the tokens once, closing a group whenever a word cannot extend it."""

    def __init__(self, tokens: Sequence[Token], blocked: Collection[int], digits: bool) -> None:
        self.tokens = tokens
        self.blocked = blocked
        self.digits = digits  # whether digit tokens become pieces too
        self.pieces: list[NumberPiece] = []
        self.group: _Group | None = None

    def close(self) -> None:
        if self.group is not None:
            self.pieces.append(self.group.piece())
            self.group = None

    def run(self) -> list[NumberPiece]:
        tokens = self.tokens
        index = 0
        while index < len(tokens):
            token = tokens[index]
            # Most tokens are plain words outside any number: pass them quickly.
            if (
                self.group is None
                and (token.kind is not TokenKind.NUMBER or not self.digits)
                and token.norm not in _NUMBERISH_WORDS
            ):
                index += 1
            else:
                index = self.step(index)
        self.close()
        return self.pieces

    def step(self, index: int) -> int:
        """Take the token at ``index``; returns the index of the next one to take."""
        token = self.tokens[index]
        entry = None if index in self.blocked else _number_word(token)
        if entry is not None:
            self.take_word(index, *entry)
            return index + 1
        if self.group is not None and _is_glue(self.tokens, index, self.group):
            return index + 1
        self.close()
        if index in self.blocked:
            return index + 1
        if token.kind is TokenKind.NUMBER:
            if self.digits:
                self.pieces.append(NumberPiece(index, index, token.norm))
            return index + 1
        times = _repeat_count(self.tokens, index)
        if times and index + 1 not in self.blocked:
            digit = str(_NUMBER_WORDS[self.tokens[index + 1].norm][1])
            self.pieces.append(NumberPiece(index, index + 1, digit * times))
            return index + 2
        return index + 1

    def take_word(self, index: int, role: _Role, value: int) -> None:
        if self.group is not None and _extend_group(self.group, role, value):
            self.group.last = index
            return
        self.close()
        self.group = _start_group(index, role, value)


def fold_numbers(
    tokens: Sequence[Token], blocked: Collection[int] = (), *, digit_tokens: bool = True
) -> list[NumberPiece]:
    """Number pieces in text order; tokens whose index is in ``blocked`` are plain words.

    Every digit token is a piece of its own digits (left out with ``digit_tokens=False``,
    for callers that take digit tokens as they are). Consecutive number words form
    pieces by place value: "trzysta osiem" is "308", "czterdzieści" is "40", "zero
    pięć" is "0" and "5". Digit tokens and number words never merge into one piece.
    """
    return _Folder(tokens, blocked, digit_tokens).run()


def digit_stream(text: str) -> str:
    """All digits the text holds, written or spoken, in order (for tests and tools).

    Full-width and Arabic-Indic digits count as digits, and a zero-width character
    inside a number does not split it.
    """
    return "".join(piece.digits for piece in fold_numbers(tokenize(normalize_for_masking(text))))
