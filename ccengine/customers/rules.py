"""Pure rules of customer data: search folding, NIP checksums, phones and e-mails."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ccengine.tickets.phones import is_e164, normalise

MAX_EMAIL = 254
NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
MIN_PHONE_DIGITS = 3  # fewer digits match half the directory
# Letters NFKD leaves whole: Polish "ł" has no combining form.
_UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_SPACES = re.compile(r"\s+")


class InvalidValue(ValueError):
    """A customer field's value is malformed; ``field`` names it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: "Wójcik  Łucja" → "wojcik lucja"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_UNDECOMPOSED))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", plain.translate(_UNDECOMPOSED)).strip()


def search_text(name: str | None, company: str | None) -> str:
    """What the free-text search reads from the customer's own row (phones and
    e-mails are matched in their own tables, so each write keeps only its row)."""
    return fold(" ".join(part for part in (name, company) if part))


def valid_nip(raw: str) -> str:
    """The ten digits of a Polish NIP ("PL 123-456-32-18" too), checksum verified."""
    digits = re.sub(r"[\s-]", "", raw.strip().upper().removeprefix("PL"))
    if len(digits) != 10 or not digits.isdigit():
        raise InvalidValue("nip", "a NIP has ten digits")
    checksum = sum(int(d) * w for d, w in zip(digits, NIP_WEIGHTS, strict=False)) % 11
    if checksum != int(digits[9]):
        raise InvalidValue("nip", f"{raw!r} fails the NIP checksum")
    return digits


def valid_phone(raw: str, region: str, field: str = "phones") -> str:
    """E.164 for any written form of a valid number."""
    e164 = normalise(raw, region)
    if not is_e164(e164) or e164 is None:
        raise InvalidValue(field, f"{raw!r} is not a valid phone number")
    return e164


def valid_email(raw: str, field: str = "emails") -> str:
    address = raw.strip().lower()
    if len(address) > MAX_EMAIL or not _EMAIL.match(address):
        raise InvalidValue(field, f"{raw!r} is not an e-mail address")
    return address


@dataclass(frozen=True, slots=True)
class SearchTerms:
    """One search box's text, read every way it may be meant."""

    words: tuple[str, ...]  # folded; each must appear in the name or company
    phone: str | None  # E.164 when the text is a whole valid number
    digits: str | None  # a part of a number ("333 444")
    email: str | None  # a prefix of an address


def search_terms(text: str, region: str) -> SearchTerms:
    raw = text.strip()
    digits = re.sub(r"\D", "", raw)
    phoneish = bool(digits) and not re.search(r"[^\d\s()+./-]", raw)
    e164 = normalise(raw, region) if phoneish else None
    return SearchTerms(
        words=tuple(fold(raw).split()),
        phone=e164 if is_e164(e164) else None,
        digits=digits if phoneish and len(digits) >= MIN_PHONE_DIGITS else None,
        email=raw.lower() if raw and " " not in raw else None,
    )


def phone_digits(digits: str) -> str:
    """The digits worth matching inside stored E.164 numbers: a national trunk "0" or
    an international "00" prefix is not part of the stored number."""
    return digits.removeprefix("00") if digits.startswith("00") else digits.lstrip("0") or digits


def merged_notes(kept: str | None, merged: str | None) -> str | None:
    """Both customers' notes, the kept one's first; one of them if the other is empty."""
    parts = [note for note in (kept, merged) if note and note.strip()]
    return "\n\n".join(parts) if parts else None
