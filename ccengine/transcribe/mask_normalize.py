"""Text as the masking scan reads it: same length, ASCII digits, no invisible breaks.

ASR and copy-paste bring full-width ("４５５６") and Arabic-Indic ("٤٥٥٦") digits and
zero-width characters inside numbers ("4556\u200b7375"). Each character maps to one
character, so every offset in the normalised text is an offset in the original, and
spans found on it cut the original text exactly.
"""

from __future__ import annotations

import unicodedata

# Invisible characters that split a number for the tokenizer but not for a listener.
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e")
# Between two digits an invisible character becomes a joiner the tokenizer keeps
# inside one number token; anywhere else, a space.
_INSIDE_NUMBER = "-"


def _ascii_digit(char: str) -> str | None:
    if "0" <= char <= "9" or char.isascii():
        return None
    value = unicodedata.decimal(char, None)
    return None if value is None else str(value)


def _digit_at(text: str, index: int, step: int) -> bool:
    """Whether the first visible character from ``index`` in direction ``step`` is a digit."""
    while 0 <= index < len(text) and text[index] in _INVISIBLE:
        index += step
    return 0 <= index < len(text) and unicodedata.decimal(text[index], None) is not None


def normalize_for_masking(text: str) -> str:
    """The text with Unicode digits as ASCII and invisible characters as joiners or spaces."""
    if text.isascii():
        return text  # the common case: nothing to do
    out: list[str] = []
    for index, char in enumerate(text):
        if char in _INVISIBLE:
            inside = _digit_at(text, index - 1, -1) and _digit_at(text, index + 1, 1)
            out.append(_INSIDE_NUMBER if inside else " ")
            continue
        out.append(_ascii_digit(char) or char)
    return "".join(out)
