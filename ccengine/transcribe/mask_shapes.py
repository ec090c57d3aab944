"""Written shapes of numbers that are never PESELs or cards: international phone numbers.

"+48 731 070 995" holds eleven digits, as many as a PESEL; after a PESEL word the
trigger scan would take it. Its written shape says what it is: the country code with
"+" or "00" and nine digits after it. Such tokens become one kept item.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

from ccengine.transcribe.numbers import Token, TokenKind

_COUNTRY_CODE = "48"
_NATIONAL_DIGITS = 9
_MAX_GROUP_JOINERS = frozenset("-")


class KeptShape(NamedTuple):
    """Tokens ``first``..``last`` (inclusive) form a number that stays as written."""

    first: int
    last: int


def _glued(tokens: Sequence[Token], left: int, right: int) -> bool:
    return tokens[left].end == tokens[right].start


def _country_code_at(tokens: Sequence[Token], index: int) -> tuple[int, int] | None:
    """Where the national number starts after "+48" / "0048": (token index, digits to skip).

    The national number may be glued to the code ("+48731070995"): then it starts in
    the code's own token, past the code's digits.
    """
    token = tokens[index]
    if token.kind is not TokenKind.NUMBER:
        return None
    plus = index > 0 and tokens[index - 1].norm == "+" and _glued(tokens, index - 1, index)
    for code in ([_COUNTRY_CODE] if plus else []) + ["00" + _COUNTRY_CODE]:
        if token.norm.startswith(code):
            glued = len(token.norm) > len(code)
            return (index, len(code)) if glued else (index + 1, 0)
    return None


def _national_end(tokens: Sequence[Token], first: int, skip: int) -> int | None:
    """The last token of nine national digits from token ``first`` (skipping ``skip``)."""
    count = -skip
    index = first
    while index < len(tokens) and count < _NATIONAL_DIGITS:
        token = tokens[index]
        if token.kind is TokenKind.NUMBER:
            count += len(token.norm)
        elif token.norm not in _MAX_GROUP_JOINERS and token.norm != ")":
            return None
        index += 1
    return index - 1 if count == _NATIONAL_DIGITS else None


def kept_phone_shapes(tokens: Sequence[Token]) -> Iterator[KeptShape]:
    """International Polish phone numbers: "+48 731 070 995", "0048 22 111 00 00"."""
    index = 0
    while index < len(tokens):
        start = _country_code_at(tokens, index)
        last = None if start is None else _national_end(tokens, *start)
        if last is None:
            index += 1
            continue
        first = index - 1 if index > 0 and tokens[index - 1].norm == "+" else index
        yield KeptShape(first, last)
        index = last + 1
