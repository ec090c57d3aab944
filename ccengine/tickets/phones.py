"""Phone numbers as Asterisk sends them → E.164; pure."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

# Caller ID values Asterisk uses when it has no number at all.
_NO_NUMBER = frozenset({"", "<unknown>", "unknown"})


# Pure and hot (every call normalises two numbers; callers repeat), so cached.
@lru_cache(maxsize=8192)
def normalise(number: str | None, region: str) -> str | None:
    """E.164 for any valid form of ``number``; otherwise the input, stripped.

    Asterisk hands numbers over as ``48601111222`` (country code, no plus),
    ``601111222`` (national), ``0048601111222`` or ``+48601111222``. Reading
    the digits in ``region`` first and then as international (a leading '+')
    covers all four; anonymous callers and extensions stay as they are.
    """
    if number is None:
        return None
    raw = number.strip()
    if raw.lower() in _NO_NUMBER:
        return None
    for candidate in (raw, "+" + raw.lstrip("+")):
        parsed = _valid_parse(candidate, region)
        if parsed is not None:
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return raw


def is_e164(number: str | None) -> bool:
    return number is not None and number.startswith("+") and number[1:].isdigit()


def _valid_parse(candidate: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        parsed = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    return parsed if phonenumbers.is_valid_number(parsed) else None
