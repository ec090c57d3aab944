"""Text as the masking scan reads it: same length, ASCII digits, no invisible breaks.

ASR and copy-paste bring full-width ("４５５６") and Arabic-Indic ("٤٥٥٦") digits and
zero-width characters inside numbers ("4556\u200b7375"). Each character maps to one
character, so every offset in the normalised text is an offset in the original, and
spans found on it cut the original text exactly.
"""

from __future__ import annotations

import re
import unicodedata

_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
# Non-ASCII decimal digits (``\d`` is Unicode-aware on str) and invisible characters:
# the only characters that change. A regex finds them without a Python loop per char.
_TO_CHANGE = re.compile(rf"(?![0-9])\d|[{_INVISIBLE}]")
# Between two digits an invisible character becomes a joiner the tokenizer keeps
# inside one number token; anywhere else, a space.
_INSIDE_NUMBER = "-"


def _digit_at(text: str, index: int, step: int) -> bool:
    """Whether the first visible character from ``index`` in direction ``step`` is a digit."""
    while 0 <= index < len(text) and text[index] in _INVISIBLE:
        index += step
    return 0 <= index < len(text) and text[index].isdecimal()


def _replacement(match: re.Match[str]) -> str:
    char = match.group()
    if char not in _INVISIBLE:
        return str(unicodedata.decimal(char))
    text, index = match.string, match.start()
    inside = _digit_at(text, index - 1, -1) and _digit_at(text, index + 1, 1)
    return _INSIDE_NUMBER if inside else " "


def normalize_for_masking(text: str) -> str:
    """The text with Unicode digits as ASCII and invisible characters as joiners or spaces."""
    if text.isascii():
        return text  # the common case: nothing to do
    return _TO_CHANGE.sub(_replacement, text)
