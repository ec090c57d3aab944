"""Context words: PII triggers (PESEL, card, CVV, expiry) and words of other numbers.

All words are written lower case without diacritics, as :func:`numbers.fold_word`
leaves them, so "kartę" and "karte" are one entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import NamedTuple

from ccengine.transcribe.numbers import Token, TokenKind


class Cue(Enum):
    PESEL = "pesel"
    CARD = "card"
    CVV = "cvv"  # the CVV word itself: always a trigger
    CVV_GENERIC = "cvv-generic"  # "security code", "trzy cyfry z tyłu": needs card context
    PASSWORD = "password"  # how Whisper hears "PESEL": a trigger only right before a number
    EXPIRY = "expiry"
    OTHER_NUMBER = "other"  # order, phone, NIP, account...: ends a trigger's window


class CueMatch(NamedTuple):
    """A cue over tokens ``first``..``last`` (inclusive token indices)."""

    cue: Cue
    first: int
    last: int


_CARD_CORE = frozenset({
    "karta", "karty", "karte", "karcie", "kart", "kartami", "kartach", "kartom",
    "kredytowka", "kredytowki", "kredytowke", "kredytowce", "debetowka", "debetowki",
    "card", "cards", "creditcard", "debitcard",
    # How ASR hears "card": "My car number in 4 ,500, 556 ...".
    "car", "cart", "carte", "kard", "carta",
    "visa", "mastercard", "maestro", "amex",
})  # fmt: skip
_CARD_MODIFIERS = frozenset({
    "numer", "nr", "numeru", "number",
    "kredytowa", "kredytowej", "kredytowe", "kredytowych",
    "debetowa", "debetowej", "debetowe", "platnicza", "platniczej", "platnicze",
    "credit", "debit", "payment",
})  # fmt: skip
_PESEL_CORE = frozenset({
    "pesel", "peselu", "peselem", "pesela", "pesele", "peseli", "peselach", "peselowi",
    "peselowy", "peselowego", "pessel", "pesl", "pesla", "pesle",
})  # fmt: skip
# Spellings of "PESEL" ASR makes that a word list cannot foresee ("pezel", "besel",
# "peseł"): one edit away from these.
_PESEL_FUZZY_BASES = ("pesel", "peselu", "pesla")
_PASSWORD_WORDS = frozenset({"password", "passwords"})
_PESEL_MODIFIERS = frozenset({"numer", "nr", "numeru", "number"})
# "mój numer to ...", "my number is ...": on their own, weak card triggers that only
# take long numbers (phone and order numbers are shorter); see mask_capture.
GENERIC_NUMBER_WORDS = frozenset({"numer", "nr", "numeru", "number"})

_CVV_WORDS = frozenset({"cvv", "cvc", "cvv2", "cvc2", "cv2", "cid", "ccv", "cvs", "cbb"})
# "kod" alone asks for a code; only with a card in the talk is it the CVV.
_CVV_GENERIC_WORDS = frozenset({"kod", "kodu", "code"})
_EXPIRY_WORDS = frozenset({
    "waznosci", "wygasa", "wygasniecia", "expires", "expire", "expiry", "expiration", "exp",
})  # fmt: skip
_OTHER_NUMBER_WORDS = frozenset({
    "zamowienie", "zamowienia", "zamowieniu", "zamowieniem", "zamowien", "order", "orders",
    "nip", "regon", "krs",
    "telefon", "telefonu", "telefonem", "telefonie", "telefoniczny", "telefoniczna",
    "komorka", "komorki", "komorkowy", "phone", "mobile",
    "konto", "konta", "koncie", "rachunek", "rachunku", "iban", "account",
    "pocztowy", "postal", "zip",
    "zgloszenie", "zgloszenia", "zgloszeniu", "ticket", "reklamacja", "reklamacji",
    "faktura", "faktury", "fakturze", "invoice",
    "przesylka", "przesylki", "paczka", "paczki", "tracking",
    "kwota", "kwoty", "amount",
    "klienta", "customer", "umowy", "contract", "polisy", "policy", "sprawy", "referencyjny",
})  # fmt: skip

_CARD_BACK = ("karty",)
_FIXED_PHRASES: tuple[tuple[tuple[str, ...], Cue], ...] = (
    (("kod", "cvv"), Cue.CVV),
    (("kod", "cvc"), Cue.CVV),
    (("c", "v", "v"), Cue.CVV),
    (("c", "v", "c"), Cue.CVV),
    # Phrases that name the card themselves are as strong as the CVV word.
    (("kod", "zabezpieczajacy", *_CARD_BACK), Cue.CVV),
    (("trzy", "cyfry", "z", "tylu", *_CARD_BACK), Cue.CVV),
    (("card", "security", "code"), Cue.CVV),
    (("card", "verification", "code"), Cue.CVV),
    (("kod", "zabezpieczajacy"), Cue.CVV_GENERIC),
    (("kodu", "zabezpieczajacego"), Cue.CVV_GENERIC),
    (("kod", "zabezpieczenia"), Cue.CVV_GENERIC),
    (("kod", "bezpieczenstwa"), Cue.CVV_GENERIC),
    (("trzy", "cyfry", "z", "tylu"), Cue.CVV_GENERIC),
    (("trzy", "ostatnie", "cyfry"), Cue.CVV_GENERIC),
    (("trzy", "cyfry"), Cue.CVV_GENERIC),
    (("security", "code"), Cue.CVV_GENERIC),
    (("verification", "code"), Cue.CVV_GENERIC),
    (("three", "digits"), Cue.CVV_GENERIC),
    (("wazna", "do"), Cue.EXPIRY),
    (("wazny", "do"), Cue.EXPIRY),
    (("wazne", "do"), Cue.EXPIRY),
    (("valid", "until"), Cue.EXPIRY),
    (("valid", "thru"), Cue.EXPIRY),
    (("valid", "through"), Cue.EXPIRY),
    (("valid", "till"), Cue.EXPIRY),
    (("good", "thru"), Cue.EXPIRY),
)


def _phrases_by_first_two_words() -> dict[tuple[str, str], list[tuple[tuple[str, ...], Cue]]]:
    """Fixed phrases keyed by their first two words; the longest phrase first."""
    table: dict[tuple[str, str], list[tuple[tuple[str, ...], Cue]]] = {}
    for words, cue in _FIXED_PHRASES:
        table.setdefault((words[0], words[1]), []).append((words, cue))
    for candidates in table.values():
        candidates.sort(key=lambda entry: -len(entry[0]))
    return table


_PHRASES = _phrases_by_first_two_words()

# Trigger phrases of free word order: core words plus modifiers ("numer karty
# kredytowej", "credit card number", "numer PESEL").
_KEYWORD_PHRASES: tuple[tuple[Cue, frozenset[str], frozenset[str]], ...] = (
    (Cue.PESEL, _PESEL_CORE, _PESEL_MODIFIERS),
    (Cue.CARD, _CARD_CORE, _CARD_MODIFIERS),
)

MONTH_WORDS = frozenset({
    "styczen", "stycznia", "luty", "lutego", "marzec", "marca", "kwiecien", "kwietnia",
    "maj", "maja", "czerwiec", "czerwca", "lipiec", "lipca", "sierpien", "sierpnia",
    "wrzesien", "wrzesnia", "pazdziernik", "pazdziernika", "listopad", "listopada",
    "grudzien", "grudnia",
    "january", "february", "march", "april", "june", "july", "august", "september",
    "october", "november", "december",
})  # fmt: skip
CURRENCY_WORDS = frozenset({
    "zl", "zloty", "zlote", "zlotych", "zlotego", "pln", "gr", "groszy",
    "eur", "euro", "usd", "dolar", "dolarow", "dolary", "dollar", "dollars", "gbp", "funtow",
})  # fmt: skip
CURRENCY_SYMBOLS = frozenset("$€£¥")
# Words that make a number right before them a date rather than a card number.
DATE_WORDS = MONTH_WORDS | {"roku", "rok", "r", "year"}


def _is_word(tokens: Sequence[Token], index: int) -> bool:
    return index < len(tokens) and tokens[index].kind is TokenKind.WORD


def _fixed_phrase_at(tokens: Sequence[Token], index: int) -> CueMatch | None:
    if not _is_word(tokens, index + 1):
        return None
    for words, cue in _PHRASES.get((tokens[index].norm, tokens[index + 1].norm), ()):
        last = index + len(words) - 1
        if last < len(tokens) and all(
            tokens[index + offset].kind is TokenKind.WORD and tokens[index + offset].norm == word
            for offset, word in enumerate(words)
        ):
            return CueMatch(cue, index, last)
    return None


def _within_one_edit(word: str, base: str) -> bool:
    """Levenshtein distance of at most one (one substitution, insertion or deletion)."""
    if abs(len(word) - len(base)) > 1:
        return False
    if len(word) == len(base):
        return sum(a != b for a, b in zip(word, base, strict=True)) <= 1
    shorter, longer = sorted((word, base), key=len)
    pairs = enumerate(zip(shorter, longer, strict=False))
    skip = next((i for i, (a, b) in pairs if a != b), len(shorter))
    return shorter[skip:] == longer[skip + 1 :]


def is_pesel_word(word: str) -> bool:
    """ "pesel" as ASR spells it: the known forms, or one edit away from the base ones."""
    if word in _PESEL_CORE:
        return True
    return 4 <= len(word) <= 7 and any(_within_one_edit(word, base) for base in _PESEL_FUZZY_BASES)


def _is_core(cue: Cue, core: frozenset[str], word: str) -> bool:
    return is_pesel_word(word) if cue is Cue.PESEL else word in core


def _keyword_phrase_at(tokens: Sequence[Token], index: int) -> CueMatch | None:
    for cue, core, modifiers in _KEYWORD_PHRASES:
        last_core = -1
        position = index
        while _is_word(tokens, position):
            word = tokens[position].norm
            if _is_core(cue, core, word):
                last_core = position
            elif word not in modifiers:
                break
            position += 1
        if last_core >= 0:
            # Trailing modifiers belong to the phrase too: "karty numer", "card number".
            return CueMatch(cue, index, position - 1)
    return None


def _single_word_at(tokens: Sequence[Token], index: int) -> CueMatch | None:
    word = tokens[index].norm
    for words, cue in (
        (_CVV_WORDS, Cue.CVV),
        (_CVV_GENERIC_WORDS, Cue.CVV_GENERIC),
        (_PASSWORD_WORDS, Cue.PASSWORD),
        (_EXPIRY_WORDS, Cue.EXPIRY),
        (_OTHER_NUMBER_WORDS, Cue.OTHER_NUMBER),
    ):
        if word in words:
            return CueMatch(cue, index, index)
    return None


def _glued(tokens: Sequence[Token], index: int) -> bool:
    """The token at ``index`` touches the one before it (no space between)."""
    return 0 < index < len(tokens) and tokens[index - 1].end == tokens[index].start


def _with_suffix(tokens: Sequence[Token], match: CueMatch) -> CueMatch:
    """Take in what ASR glues to a cue word: "PESEL-u", "CVV2", "cvc-2"."""
    last = match.last
    if _glued(tokens, last + 1) and tokens[last + 1].norm == "-" and _glued(tokens, last + 2):
        suffix = tokens[last + 2]
        if len(suffix.text) <= 3 and (suffix.kind is TokenKind.WORD or suffix.norm == "2"):
            last += 2
    elif match.cue is Cue.CVV and _glued(tokens, last + 1) and tokens[last + 1].norm == "2":
        last += 1
    return CueMatch(match.cue, match.first, last)


# Every word a cue can start with: most words are none, and one set lookup says so.
_CUE_FIRST_WORDS = frozenset(first for first, _ in _PHRASES).union(
    _CARD_CORE, _CARD_MODIFIERS, _PESEL_CORE, _PESEL_MODIFIERS,
    _CVV_WORDS, _CVV_GENERIC_WORDS, _PASSWORD_WORDS, _EXPIRY_WORDS, _OTHER_NUMBER_WORDS,
)  # fmt: skip


def _cue_at(tokens: Sequence[Token], index: int) -> CueMatch | None:
    if tokens[index].kind is not TokenKind.WORD:
        return None
    match = (
        _fixed_phrase_at(tokens, index)
        or _keyword_phrase_at(tokens, index)
        or _single_word_at(tokens, index)
    )
    return None if match is None else _with_suffix(tokens, match)


def find_cues(tokens: Sequence[Token]) -> list[CueMatch]:
    """Non-overlapping cues in text order; the leftmost, longest phrase wins."""
    matches: list[CueMatch] = []
    index = 0
    while index < len(tokens):
        norm = tokens[index].norm
        if norm not in _CUE_FIRST_WORDS and not (norm[:1] in "pb" and is_pesel_word(norm)):
            index += 1  # the common case, kept cheap
            continue
        match = _cue_at(tokens, index)
        if match is None:
            index += 1
        else:
            matches.append(match)
            index = match.last + 1
    return matches
