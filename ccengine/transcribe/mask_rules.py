"""Checks on digit strings: PESEL checksum and birth date, Luhn, card number prefixes."""

from __future__ import annotations

import calendar

from ccengine.transcribe.mask_lexicon import CURRENCY_SYMBOLS, CURRENCY_WORDS

PESEL_LENGTH = 11
CARD_LENGTHS = range(13, 20)

_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
# The month field carries the century: month + 80 for the 1800s, + 0 for the 1900s,
# + 20 for the 2000s, + 40 for the 2100s, + 60 for the 2200s.
_PESEL_CENTURY_BY_MONTH_BLOCK = {4: 1800, 0: 1900, 1: 2000, 2: 2100, 3: 2200}

# Issuer prefixes as (first, last) over prefixes of one length: Visa 4; Mastercard
# 51-55 and 2221-2720; Amex 34, 37; Discover 6011, 65, 644-649; Maestro 50, 56-69;
# JCB 3528-3589; Diners 36, 38, 300-305; UnionPay 62; Mir 2200-2204.
_CARD_PREFIX_RANGES = (
    (4, 4),
    (50, 69),
    (34, 34), (36, 38),
    (300, 305),
    (2200, 2204), (2221, 2720), (3528, 3589),
)  # fmt: skip


def pesel_checksum_ok(digits: str) -> bool:
    if len(digits) != PESEL_LENGTH or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits, _PESEL_WEIGHTS, strict=False))
    return (10 - total % 10) % 10 == int(digits[-1])


def pesel_date_ok(digits: str) -> bool:
    """The first six digits are a real date: YYMMDD with the century in the month."""
    if len(digits) < 6 or not digits[:6].isascii() or not digits[:6].isdigit():
        return False
    coded_month = int(digits[2:4])
    century = _PESEL_CENTURY_BY_MONTH_BLOCK.get(coded_month // 20)
    month = coded_month % 20
    if century is None or not 1 <= month <= 12:
        return False
    year = century + int(digits[:2])
    return 1 <= int(digits[4:6]) <= calendar.monthrange(year, month)[1]


def is_valid_pesel(digits: str) -> bool:
    return pesel_checksum_ok(digits) and pesel_date_ok(digits)


def luhn_ok(digits: str) -> bool:
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def has_card_prefix(digits: str) -> bool:
    for first, last in _CARD_PREFIX_RANGES:
        width = len(str(first))
        head = digits[:width]
        if len(head) == width and head.isdigit() and first <= int(head) <= last:
            return True
    return False


def is_valid_card(digits: str) -> bool:
    return len(digits) in CARD_LENGTHS and has_card_prefix(digits) and luhn_ok(digits)


def looks_like_pesel(digits: str) -> bool:
    """Eleven digits whose first six are a real birth date, checksum or not (ASR flips)."""
    return len(digits) == PESEL_LENGTH and pesel_date_ok(digits)


def looks_like_card(digits: str) -> bool:
    """A card's length and either a known issuer prefix or a passing Luhn check."""
    return len(digits) in CARD_LENGTHS and (has_card_prefix(digits) or luhn_ok(digits))


_PHONE_DIGITS = 9
_YEARS = range(1900, 2100)


def is_phone_or_year(digits: str) -> bool:
    """A phone number or a year: what people list ("600 700 800 albo 601 701 801")."""
    return len(digits) == _PHONE_DIGITS or (len(digits) == 4 and int(digits) in _YEARS)


# Words and symbols next to which a number is an amount of money.
AMOUNT_NEIGHBOURS = CURRENCY_WORDS | CURRENCY_SYMBOLS
