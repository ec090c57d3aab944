"""Secrets (PESELs, cards) read every way people and ASR write them, and must-stay numbers.

Shared by the masking tests and ``benchmarks/masking.py``: one generator, so the
benchmark's corpus and the property test cannot drift apart. Pure, seeded by the
caller's ``random.Random``.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from ccengine.transcribe.mask_normalize import normalize_for_masking
from ccengine.transcribe.numbers import digit_stream

PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)

PL_UNITS = ["zero", "jeden", "dwa", "trzy", "cztery", "pięć", "sześć", "siedem", "osiem",
            "dziewięć"]  # fmt: skip
PL_TEENS = ["dziesięć", "jedenaście", "dwanaście", "trzynaście", "czternaście", "piętnaście",
            "szesnaście", "siedemnaście", "osiemnaście", "dziewiętnaście"]  # fmt: skip
PL_TENS = ["", "", "dwadzieścia", "trzydzieści", "czterdzieści", "pięćdziesiąt",
           "sześćdziesiąt", "siedemdziesiąt", "osiemdziesiąt", "dziewięćdziesiąt"]  # fmt: skip
EN_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
EN_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
            "seventeen", "eighteen", "nineteen"]  # fmt: skip
EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
           "ninety"]  # fmt: skip
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
ZERO_WIDTH_SPACE = "\u200b"


LEAK_WINDOW = 7  # no 7 digits in a row of a secret may survive


def leaked_windows(masked_text: str, secret: str) -> list[str]:
    """Windows of ``secret`` still in the masked text, digits written or spoken."""
    remaining = digit_stream(normalize_for_masking(masked_text))
    windows = (secret[i : i + LEAK_WINDOW] for i in range(len(secret) - LEAK_WINDOW + 1))
    return [window for window in windows if window in remaining]


def pesel(first10: str) -> str:
    total = sum(int(d) * w for d, w in zip(first10, PESEL_WEIGHTS, strict=True))
    return first10 + str((10 - total % 10) % 10)


def luhn_complete(body: str) -> str:
    for check in "0123456789":
        candidate = body + check
        total = 0
        for position, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


CARD_PREFIXES = [("4", 16), ("4", 13), ("51", 16), ("55", 16), ("2221", 16), ("2720", 16),
                 ("2200", 16), ("2204", 16), ("34", 15), ("37", 15), ("6011", 16), ("65", 16),
                 ("50", 18), ("67", 19), ("3528", 16), ("36", 14), ("62", 17)]  # fmt: skip


def random_card(rng: random.Random) -> str:
    prefix, length = rng.choice(CARD_PREFIXES)
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return luhn_complete(body)


def random_pesel(rng: random.Random, *, checksum_ok: bool = True) -> str:
    year = rng.randint(1930, 2024)
    month = rng.randint(1, 12) + (20 if year >= 2000 else 0)
    day = rng.randint(1, 28)
    serial = "".join(rng.choice("0123456789") for _ in range(4))
    valid = pesel(f"{year % 100:02d}{month:02d}{day:02d}{serial}")
    return valid if checksum_ok else valid[:-1] + str((int(valid[-1]) + 1) % 10)


# --- ways to read a digit string --------------------------------------------------------------


def chunks(digits: str, size: int) -> list[str]:
    return [digits[i : i + size] for i in range(0, len(digits), size)]


def words_of_pair(pair: str, units: list[str], teens: list[str], tens: list[str]) -> str:
    if len(pair) == 1 or pair[0] == "0":
        return " ".join(units[int(d)] for d in pair)
    if pair[0] == "1":
        return teens[int(pair[1])]
    return tens[int(pair[0])] + ("" if pair[1] == "0" else " " + units[int(pair[1])])


def english_below_10000(group: str) -> str:
    """ "1234" → "one thousand two hundred thirty four"; a leading zero is said as digits."""
    if group[0] == "0" or len(group) < 4:
        return " ".join(EN_UNITS[int(d)] for d in group)
    words = [EN_UNITS[int(group[0])], "thousand"]
    if group[1] != "0":
        words += [EN_UNITS[int(group[1])], "hundred"]
    if group[2:] != "00":
        words.append(words_of_pair(group[2:].lstrip("0") or "0", EN_UNITS, EN_TEENS, EN_TENS))
    return " ".join(words)


def thousands_separated(digits: str) -> str:
    """ "75091621629" → "75,091,621,629": ASR's thousands separators."""
    head = len(digits) % 3 or 3
    return ",".join([digits[:head], *chunks(digits[head:], 3)])


def thousands_artefact(digits: str) -> str:
    """ "4556 7375" → "4 ,556, 7 ,375,": tiny.en's way with groups of four."""
    return " ".join(f"{g[0]} ,{g[1:]}," if len(g) == 4 else g for g in chunks(digits, 4))


def first_digit_lost(digits: str) -> str:
    """ "d -d -d -…": the real recording's shape, the first digit never heard."""
    return " -".join(digits[1:])


def two_as_to(digits: str) -> str:
    return " ".join("to" if d == "2" else d for d in digits)


def zero_width_groups(digits: str) -> str:
    return ZERO_WIDTH_SPACE.join(chunks(digits, 4))


READINGS: dict[str, Callable[[str], str]] = {
    "plain": str,
    "spaced": " ".join,
    "groups-4": lambda d: " ".join(chunks(d, 4)),
    "groups-3-3-3-2": lambda d: " ".join(chunks(d, 3)),
    "dashes": lambda d: "-".join(chunks(d, 4)),
    "dots": ".".join,
    "thousands-separators": thousands_separated,
    "thousands-artefact": thousands_artefact,
    "first-digit-lost": first_digit_lost,
    "two-as-to": two_as_to,
    "polish-digits": lambda d: " ".join(PL_UNITS[int(c)] for c in d),
    "polish-digits-commas": lambda d: ", ".join(PL_UNITS[int(c)] for c in d),
    "polish-pairs": lambda d: ", ".join(
        words_of_pair(p, PL_UNITS, PL_TEENS, PL_TENS) for p in chunks(d, 2)),
    "english-digits": lambda d: " ".join(EN_UNITS[int(c)] for c in d),
    "english-oh": lambda d: " ".join("oh" if c == "0" else EN_UNITS[int(c)] for c in d),
    "english-pairs": lambda d: ", ".join(
        words_of_pair(p, EN_UNITS, EN_TEENS, EN_TENS) for p in chunks(d, 2)),
    "english-thousands": lambda d: ", ".join(english_below_10000(g) for g in chunks(d, 4)),
    "full-width": lambda d: " ".join(chunks(d, 4)).translate(FULL_WIDTH),
    "arabic-indic": lambda d: d.translate(ARABIC_INDIC),
    "zero-width": zero_width_groups,
    "ordinal-groups": lambda d: " ".join(
        f"{word} {g}" for word, g in zip(["first", "second", "third", "fourth", "last"],
                                         chunks(d, 4), strict=False)),
}  # fmt: skip

# --- sentences ---------------------------------------------------------------------------------

PESEL_TEMPLATES = [
    "Mój PESEL to {n}, dziękuję.",
    "Podaję numer PESEL {n} i proszę o sprawdzenie.",
    "Tak, {n}, to mój numer PESEL.",
    "Proszę zapisać {n} i oddzwonić.",
    "My PESEL number is {n}, thanks.",
    "My password is {n}.",
    "Peselu nie pamiętam, chyba {n}.",
    "Please note {n} thanks.",
    # A secret in one line with another number: the other number's word must not cover it.
    "Zamówienie 247 {n} dziękuję.",
    "Telefon 48 {n}.",
]
CARD_TEMPLATES = [
    "Numer karty to {n}, ważna do 12/27.",
    "Dobrze, karta kredytowa: {n}.",
    "My card number is {n}, thanks.",
    "My car number in {n}.",
    "Proszę zapisać {n} i oddzwonić.",
    "{n}",
    "Yes, {n}, that is my card.",
    "Halo, słyszy mnie pan? {n} Dobrze.",
    "Order 247 {n} thanks.",
    "Zapłaciłem 100 zł {n}.",
]
DISTRACTOR_TEMPLATES = [
    "Proszę dzwonić na {phone}.",
    "Mój numer to {phone}, PESEL podam później.",
    "Kwota {amount} do zapłaty do {date}.",
    "Spotkanie {date} o {time}.",
    "Numer zamówienia {order}, proszę sprawdzić.",
    "NIP firmy {nip}, telefon {phone}.",
    "It costs {amount_en}, delivery on {date}.",
    "Order number {order_en} ships at {time}.",
    "Numer PESEL proszę, a telefon {phone}.",
    "Proszę dzwonić na {phone} albo {phone2}.",
    "Numery {phone}, {phone2} i {phone3}.",
    "Byłem klientem w latach {year}, {year2} i {year3}.",
]


def random_phone(rng: random.Random) -> str:
    n = f"{rng.choice('5678')}{rng.randint(0, 99_999_999):08d}"
    shapes = [
        f"+48 {n[:3]} {n[3:6]} {n[6:]}", f"0048 {n[:3]} {n[3:6]} {n[6:]}",
        f"{n[:3]} {n[3:6]} {n[6:]}", f"{n[:3]}-{n[3:6]}-{n[6:]}", f"+48{n}",
        f"22 {n[3:6]} {n[6:8]} {n[7:]}", n,
    ]  # fmt: skip
    return rng.choice(shapes)


def random_amount(rng: random.Random) -> str:
    whole = rng.randint(1, 999_999)
    grouped = f"{whole:,}".replace(",", " ")
    return rng.choice([f"{grouped},{rng.randint(0, 99):02d} zł", f"{whole} zł",
                       f"{grouped} złotych", f"{whole} PLN"])  # fmt: skip


def random_date(rng: random.Random) -> str:
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2020, 2030)
    return rng.choice([f"{day:02d}.{month:02d}.{year}", f"{year}-{month:02d}-{day:02d}",
                       f"{day} listopada {year}"])  # fmt: skip


def random_time(rng: random.Random) -> str:
    return f"{rng.randint(0, 23)}:{rng.randint(0, 59):02d}"


def random_order(rng: random.Random) -> str:
    return rng.choice([f"ZAM-{rng.randint(2020, 2030)}-{rng.randint(0, 999_999):06d}",
                       f"{rng.randint(1, 999_999_999)}", f"#{rng.randint(1000, 99_999_999)}"])


def random_nip(rng: random.Random) -> str:
    n = f"{rng.randint(100, 999)}{rng.randint(0, 9_999_999):07d}"
    return rng.choice([f"{n[:3]}-{n[3:6]}-{n[6:8]}-{n[8:]}", f"{n[:3]}-{n[3:5]}-{n[5:7]}-{n[7:]}",
                       n])  # fmt: skip


def distractor_line(rng: random.Random) -> str:
    template = rng.choice(DISTRACTOR_TEMPLATES)
    return template.format(
        phone=random_phone(rng), phone2=random_phone(rng), phone3=random_phone(rng),
        year=rng.randint(1990, 2026), year2=rng.randint(1990, 2026),
        year3=rng.randint(1990, 2026), amount=random_amount(rng), date=random_date(rng),
        time=random_time(rng), order=random_order(rng), nip=random_nip(rng),
        amount_en=f"${rng.randint(1, 99_999):,}.{rng.randint(0, 99):02d}",
        order_en=str(rng.randint(1, 99_999_999)),
    )  # fmt: skip


@dataclass(frozen=True)
class SecretLine:
    text: str
    secret: str  # the digits read, as said (before any reading drops one)
    kind: str  # "PESEL" or "CARD"
    reading: str


def secret_line(rng: random.Random, kind: str, reading: str) -> SecretLine:
    if kind == "PESEL":
        secret = random_pesel(rng, checksum_ok=rng.random() < 0.7)
        template = rng.choice(PESEL_TEMPLATES)
    else:
        secret = random_card(rng)
        template = rng.choice(CARD_TEMPLATES)
    return SecretLine(template.format(n=READINGS[reading](secret)), secret, kind, reading)


def corpus(rng: random.Random, secrets_per_reading: int, distractors: int) -> tuple[
    list[SecretLine], list[str]
]:
    """Secret lines (each reading, PESELs and cards) and must-stay lines, seeded."""
    secrets = [
        secret_line(rng, kind, reading)
        for reading in READINGS
        for kind in ("PESEL", "CARD")
        for _ in range(secrets_per_reading)
    ]
    return secrets, [distractor_line(rng) for _ in range(distractors)]
