"""Recall-first masking of PESEL and card numbers in transcript text."""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Callable

import pytest

from ccengine.transcribe.masking import (
    MaskedSpan,
    MaskResult,
    PiiKind,
    apply_spans,
    mask_lines,
    mask_text,
)
from ccengine.transcribe.numbers import digit_stream
from tests.pii_readings import (
    EN_TEENS,
    EN_TENS,
    EN_UNITS,
    PL_TEENS,
    PL_TENS,
    PL_UNITS,
    chunks,
    luhn_complete,
    pesel,
    words_of_pair,
)

# --- helpers: valid numbers and the ways people (and ASR) say them -----------------



VALID_PESEL = pesel("8501011234")  # born 1985-01-01
VALID_PESEL_2000S = pesel("0321150123")  # month 21: January 2003
SAMPLE_CARD = "4556737586899855"  # from our sample recording; Luhn-valid
BAD_LUHN_CARD = "4556737586899856"
TEST_VISA = "4111111111111111"

PL_ASCII_UNITS = ["zero", "jeden", "dwa", "trzy", "cztery", "piec", "szesc", "siedem",
                  "osiem", "dziewiec"]  # fmt: skip
PL_HUNDREDS = ["", "sto", "dwieście", "trzysta", "czterysta", "pięćset", "sześćset",
               "siedemset", "osiemset", "dziewięćset"]  # fmt: skip


def polish_digits(digits: str) -> str:
    return " ".join(PL_UNITS[int(d)] for d in digits)


def polish_ascii_digits(digits: str) -> str:
    return " ".join(PL_ASCII_UNITS[int(d)] for d in digits)


def english_digits(digits: str) -> str:
    return " ".join(EN_UNITS[int(d)] for d in digits)


def polish_pairs(digits: str) -> str:
    return ", ".join(words_of_pair(p, PL_UNITS, PL_TEENS, PL_TENS) for p in chunks(digits, 2))


def english_pairs(digits: str) -> str:
    return ", ".join(words_of_pair(p, EN_UNITS, EN_TEENS, EN_TENS) for p in chunks(digits, 2))


def polish_triple(triple: str) -> str:
    """ "308" → "trzysta osiem", "045" → "zero czterdzieści pięć", "5" → "pięć"."""
    pair_words = (PL_UNITS, PL_TEENS, PL_TENS)
    if len(triple) < 3:
        return words_of_pair(triple, *pair_words)
    rest = triple[1:]
    if triple[0] == "0":
        return "zero " + words_of_pair(rest, *pair_words)
    hundreds = PL_HUNDREDS[int(triple[0])]
    if rest == "00":
        return hundreds
    tail = PL_UNITS[int(rest[1])] if rest[0] == "0" else words_of_pair(rest, *pair_words)
    return f"{hundreds} {tail}"


def polish_triples(digits: str) -> str:
    return ", ".join(polish_triple(t) for t in chunks(digits, 3))


def spaced(digits: str) -> str:
    return " ".join(digits)


def groups_of_four(digits: str) -> str:
    return " ".join(chunks(digits, 4))


def dashed(digits: str) -> str:
    return "-".join(chunks(digits, 4))


def dotted(digits: str) -> str:
    return ".".join(digits)


def mixed(digits: str) -> str:
    """Digits and Polish words by turns: "45 pięćdziesiąt sześć 73 ..."."""
    parts = chunks(digits, 2)
    return " ".join(
        p if i % 2 == 0 else words_of_pair(p, PL_UNITS, PL_TEENS, PL_TENS)
        for i, p in enumerate(parts)
    )


FORMS: dict[str, Callable[[str], str]] = {
    "plain": str,
    "spaced": spaced,
    "groups": groups_of_four,
    "dashes": dashed,
    "dots": dotted,
    "polish-digits": polish_digits,
    "polish-ascii": polish_ascii_digits,
    "polish-pairs": polish_pairs,
    "polish-triples": polish_triples,
    "mixed": mixed,
    "english-digits": english_digits,
    "english-pairs": english_pairs,
}


def assert_no_secret_left(masked: str, secret: str) -> None:
    """No four consecutive digits of the secret remain, written or spoken."""
    remaining = digit_stream(masked)
    for start in range(len(secret) - 3):
        assert secret[start : start + 4] not in remaining


def assert_consistent(text: str, result: MaskResult) -> None:
    """Spans are sorted, apart, cover whole number tokens; the rest is untouched."""
    assert result.text == apply_spans(text, result.spans)
    ends = [0]
    for span in result.spans:
        assert ends[-1] <= span.start < span.end <= len(text)
        # A span starts and ends on a digit or a letter: never on a space or a comma.
        assert text[span.start].isalnum() and text[span.end - 1].isalnum()
        ends.append(span.end)
    outside = re.sub(r"\[(PESEL|CARD|CVV|NUMBER)\]", "\0", result.text).split("\0")
    kept = [text[a.end if a else 0 : b.start if b else len(text)]
            for a, b in zip([None, *result.spans], [*result.spans, None], strict=True)]  # fmt: skip
    assert outside == kept


def masked(text: str) -> MaskResult:
    result = mask_text(text)
    assert_consistent(text, result)
    return result


# --- card numbers --------------------------------------------------------------------


def test_sample_card_is_luhn_valid_and_masked_anywhere() -> None:
    assert luhn_complete(SAMPLE_CARD[:-1]) == SAMPLE_CARD
    assert luhn_complete(BAD_LUHN_CARD[:-1]) != BAD_LUHN_CARD
    result = masked(f"No więc {SAMPLE_CARD} i tyle.")
    assert result.text == "No więc [CARD] i tyle."
    assert result.spans == (MaskedSpan(PiiKind.CARD, 8, 24),)
    assert result.triggers == ()


@pytest.mark.parametrize("form", FORMS)
def test_card_forms_after_card_word(form: str) -> None:
    text = f"Mój numer karty to {FORMS[form](SAMPLE_CARD)}, dziękuję."
    result = masked(text)
    assert result.text == "Mój numer karty to [CARD], dziękuję."
    assert [(t.kind, text[t.start : t.end], t.answered) for t in result.triggers] == [
        (PiiKind.CARD, "numer karty", True)
    ]
    assert_no_secret_left(result.text, SAMPLE_CARD)


@pytest.mark.parametrize("form", FORMS)
def test_card_forms_without_context(form: str) -> None:
    text = f"Proszę zapisać {FORMS[form](SAMPLE_CARD)} i oddzwonić."
    result = masked(text)
    assert result.text == "Proszę zapisać [CARD] i oddzwonić."
    assert result.triggers == ()


def test_card_with_thousands_separators() -> None:
    assert masked("Numer 4,111,111,111,111,111 proszę.").text == "Numer [CARD] proszę."
    assert masked(f"I said {TEST_VISA}.").text == "I said [CARD]."


@pytest.mark.parametrize(
    "trigger",
    ["karta", "karty", "kartę", "kartą", "karcie", "numer karty", "card", "card number",
     "credit card", "debit card", "kartę kredytową", "Numer Karty:"],
)  # fmt: skip
def test_luhn_failing_card_is_masked_after_card_words(trigger: str) -> None:
    result = masked(f"{trigger} {groups_of_four(BAD_LUHN_CARD)}.")
    assert result.text == f"{trigger} [CARD]."
    assert [t.answered for t in result.triggers] == [True]


def test_luhn_failing_card_with_a_card_prefix_is_masked_without_context() -> None:
    # Recall first: ASR flips a digit of a card read with no card word as easily.
    text = f"Proszę zapisać {groups_of_four(BAD_LUHN_CARD)} i oddzwonić."
    assert masked(text).text == "Proszę zapisać [CARD] i oddzwonić."


def test_luhn_valid_card_with_unknown_prefix_is_masked_without_context() -> None:
    number = luhn_complete("999999999999999")  # Luhn-valid, no issuer starts with 9
    assert masked(f"identyfikator {number} tak").text == "identyfikator [CARD] tak"
    assert masked(f"karta {number} tak").text == "karta [CARD] tak"


def test_whisper_repetition_loop_is_masked_to_its_end() -> None:
    text = "Numer karty 4.5.5.6.7.3.7.5.6.8.9.9.9.9.9.9.9.9. Dziękuję."
    result = masked(text)
    assert result.text == "Numer karty [CARD]. Dziękuję."
    assert result.triggers[0].answered


def test_digits_misheard_as_words_are_bridged() -> None:
    text = "My card number is 4 times 6, Evan 3, Evan. I made 6, 8, 9, 8, I made 5. Thank you."
    result = masked(text)
    assert result.text == "My card number is [CARD]. Thank you."
    assert not re.search(r"[0-9]", result.text)
    (trigger,) = result.triggers
    assert (trigger.kind, text[trigger.start : trigger.end]) == (PiiKind.CARD, "card number")
    assert trigger.answered is False  # 8 digits: ASR lost the rest, QA must look


def test_short_number_after_card_word_is_masked_but_unanswered() -> None:
    result = masked("Karta kończy się na 9855, tak.")
    assert result.text == "Karta kończy się na [CARD], tak."
    assert [t.answered for t in result.triggers] == [False]


def test_card_word_without_number_is_an_unanswered_trigger() -> None:
    text = "Podam numer karty, ale nie pamiętam go teraz."
    result = masked(text)
    assert result.text == text
    assert [(t.kind, t.answered) for t in result.triggers] == [(PiiKind.CARD, False)]


def test_three_digits_after_card_word_are_not_a_card() -> None:
    text = "Karta na 3 osoby, pokój 12."
    assert masked(text).text == text


@pytest.mark.parametrize(
    "text",
    [
        "Karta zablokowana. Numer zamówienia 123456789.",
        "Karta nie działa, telefon 600 700 800.",
        "My card was declined, order number 123456789.",
        "Kartą zapłaciłem 1250 zł wczoraj.",
        "Karta wygasła 23.11.2026 o 14:30.",
        "Mam kartę od 2015 roku, a numer klienta to 123456.",
        "Kartą płacę od 12/2019, sprawa 15/2026.",
    ],
)
def test_other_numbers_after_a_card_word_are_kept(text: str) -> None:
    result = masked(text)
    assert result.text == text
    assert [t.answered for t in result.triggers] == [False]


# --- PESEL --------------------------------------------------------------------------


# --- generic number words ("my number is ...") ---------------------------------------

WORD_DIGITS = {word: str(value) for value, word in enumerate(EN_UNITS)}


def card_pieces_left(text: str) -> list[str]:
    """4-digit pieces of SAMPLE_CARD still in ``text``, digits and English digit words."""
    digits = "".join(
        WORD_DIGITS.get(token.lower(), "".join(c for c in token if c.isdigit()))
        for token in re.findall(r"[A-Za-z]+|[^A-Za-z]+", text)
    )
    return [digits[i : i + 4] for i in range(len(digits) - 3) if digits[i : i + 4] in SAMPLE_CARD]


# Real Whisper tiny.en output for a caller reading 4556 7375 8689 9855: the card word
# misheard, the groups written as thousands, split by misheard words, or looped.
WHISPER_MISHEARD_CARDS = [
    "My car number in 4 ,500 ,000, 556 ,000, 375 ,000, 689 ,000, 875.",
    "My current number in 456537, I made six eight nine nine eight five five in a fire"
    " in December.",
    "my current number in 4 .5 .5 .6 .7 .3 .7 .5 .6 .8 .5 .5 .5 .5 .5.",
    # faster-whisper 1.2.1 / CTranslate2 4.8.5: four words between the pieces, 10 digits.
    "My current number in 456537, I made the same 9 .8 -5 -5 in a fire in December.",
]


@pytest.mark.parametrize("text", [
    "my number is 601 111, um, 222, thank you",  # a phone, words in the middle: 9 digits
    "mój numer to 601 111 222, proszę oddzwonić jutro o 10",
])
def test_a_phone_with_words_in_the_middle_stays(text: str) -> None:
    assert masked(text).text == text


def test_card_pieces_left_sees_digits_and_digit_words() -> None:
    assert card_pieces_left(WHISPER_MISHEARD_CARDS[1]) == ["6899", "8998", "9985", "9855"]
    assert card_pieces_left(WHISPER_MISHEARD_CARDS[2])[:2] == ["4556", "5567"]
    assert card_pieces_left("Six eight nine nine") == ["6899"]


@pytest.mark.parametrize("text", WHISPER_MISHEARD_CARDS)
def test_card_after_a_generic_number_word_leaves_no_piece(text: str) -> None:
    result = masked(text)
    assert card_pieces_left(result.text) == []
    assert [span.kind for span in result.spans] == [PiiKind.CARD]
    assert [trigger.kind for trigger in result.triggers] == [PiiKind.CARD]


def test_thousands_written_card_is_masked_whole_and_flagged_unanswered() -> None:
    text = "My car number in 4 ,500 ,000, 556 ,000, 375 ,000, 689 ,000, 875."
    result = masked(text)
    assert result.text == "My car number in [CARD]."
    assert [trigger.answered for trigger in result.triggers] == [False]  # 28 digits: QA
    assert result.needs_review


def test_digits_split_by_misheard_words_are_one_card() -> None:
    result = masked(WHISPER_MISHEARD_CARDS[1])
    assert result.text == "My current number in [CARD] in a fire in December."
    assert [trigger.answered for trigger in result.triggers] == [True]  # 13 digits


def test_looped_card_after_generic_number_word() -> None:
    result = masked(WHISPER_MISHEARD_CARDS[2])
    assert result.text == "my current number in [CARD]."
    assert [trigger.answered for trigger in result.triggers] == [True]  # 15 digits


@pytest.mark.parametrize("number", [SAMPLE_CARD, BAD_LUHN_CARD])
def test_polish_generic_number_word_takes_a_card(number: str) -> None:
    grouped = " ".join(chunks(number, 4))
    result = masked(f"mój numer to {grouped}")
    assert result.text == "mój numer to [CARD]"
    assert [(t.kind, t.answered) for t in result.triggers] == [(PiiKind.CARD, True)]


@pytest.mark.parametrize(
    "text",
    [
        "my number is 600 700 800",
        "numer 123456789",
        "order number 123456789",
        "numer zamówienia 2026/11/000123",
        "numer telefonu +48 600 700 800",
        "Mój numer to 600-700-800, albo stacjonarny 22 111 00 00.",
        "Nr 12345678901 to mój numer klienta.",
        "customer number 1234 5678 9012 3456",
        "numer konta 61 1090 1014 0000 0712 1981 2874",
        "phone number 48 600 700 800 123",
        "The number is 42.",
    ],
)
def test_generic_number_word_keeps_short_and_other_numbers(text: str) -> None:
    result = masked(text)
    assert result.text == text
    assert result.triggers == ()


def test_pesel_helper_makes_valid_numbers() -> None:
    assert VALID_PESEL == "85010112345"
    assert masked(f"to {VALID_PESEL_2000S}").text == "to [PESEL]"


@pytest.mark.parametrize("form", [f for f in FORMS if f not in ("groups", "dashes")])
def test_valid_pesel_is_masked_anywhere(form: str) -> None:
    text = f"Mój numer to {FORMS[form](VALID_PESEL)}."
    result = masked(text)
    assert result.text == "Mój numer to [PESEL]."
    assert_no_secret_left(result.text, VALID_PESEL)


@pytest.mark.parametrize(
    "trigger", ["PESEL", "pesel:", "numer PESEL", "Mój PESEL to", "PESEL-u nie pamiętam, to",
                "peselu:", "Numer pesel"],
)  # fmt: skip
def test_pesel_with_failing_checksum_is_masked_after_pesel_word(trigger: str) -> None:
    broken = VALID_PESEL[:-1] + str((int(VALID_PESEL[-1]) + 1) % 10)
    text = f"{trigger} {spaced(broken)}, dziękuję."
    result = masked(text)
    assert result.text == f"{trigger} [PESEL], dziękuję."
    assert [(t.kind, t.answered) for t in result.triggers] == [(PiiKind.PESEL, True)]


def test_pesel_with_failing_checksum_without_pesel_word_is_kept() -> None:
    broken = VALID_PESEL[:-1] + str((int(VALID_PESEL[-1]) + 1) % 10)
    text = f"Numer klienta {broken}, dziękuję."
    assert masked(text).text == text


def test_pesel_with_impossible_date_is_kept_without_context() -> None:
    no_such_day = pesel("8502301234")  # 30 February
    assert masked(f"numer {no_such_day} ok").text == f"numer {no_such_day} ok"
    assert masked(f"PESEL {no_such_day} ok").text == "PESEL [PESEL] ok"


@pytest.mark.parametrize(("digits", "answered"), [(10, False), (9, False), (12, True)])
def test_pesel_with_dropped_or_repeated_digits(digits: int, answered: bool) -> None:
    number = (VALID_PESEL * 2)[:digits]
    result = masked(f"PESEL {spaced(number)}.")
    assert result.text == "PESEL [PESEL]."
    assert [t.answered for t in result.triggers] == [answered]


def test_number_after_a_complete_pesel_is_kept() -> None:
    text = f"Mój PESEL {VALID_PESEL}, 600 700 800 to telefon."
    assert masked(text).text == "Mój PESEL [PESEL], 600 700 800 to telefon."


def test_valid_pesel_between_commas_of_a_longer_run_is_masked() -> None:
    text = f"Zapisałam: {VALID_PESEL}, 600 700 800."
    assert masked(text).text == "Zapisałam: [PESEL], 600 700 800."


def test_repeated_digits_after_a_complete_card_stay_in_the_span() -> None:
    text = f"Numer karty {groups_of_four(SAMPLE_CARD)}, 5, 5, 5, 5."
    assert masked(text).text == "Numer karty [CARD]."


def test_pesel_word_followed_by_words_only_is_unanswered() -> None:
    text = "PESEL podam później, a telefon to 600 700 800."
    result = masked(text)
    assert result.text == text
    assert [(t.kind, t.answered) for t in result.triggers] == [(PiiKind.PESEL, False)]


# --- CVV and expiry ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CVV 123.", "CVV [CVV]."),
        ("kod CVV to 1 2 3, dobrze?", "kod CVV to [CVV], dobrze?"),
        ("CVC2: 1234", "CVC2: [CVV]"),
        ("cvv jeden dwa trzy", "cvv [CVV]"),
        ("kod CVV z karty to 456", "kod CVV z karty to [CVV]"),
        ("trzy cyfry z tyłu karty: siedem osiem dziewięć.", "trzy cyfry z tyłu karty: [CVV]."),
        ("Numer karty podam, a kod zabezpieczający 321.", "Numer karty podam, a kod "
         "zabezpieczający [CVV]."),
        ("My card, security code 789 ok", "My card, security code [CVV] ok"),
    ],
)  # fmt: skip
def test_cvv_is_masked(text: str, expected: str) -> None:
    result = masked(text)
    assert result.text == expected
    assert [t.answered for t in result.triggers if t.kind is PiiKind.CVV] == [True]


def test_security_code_without_card_context_is_kept() -> None:
    text = "Kod zabezpieczający do bramy to 4321."
    assert masked(text).text == text


def test_cvv_word_before_card_number_leaves_the_card_to_the_card_word() -> None:
    text = f"CVV podam później. Numer karty to {groups_of_four(SAMPLE_CARD)}"
    result = masked(text)
    assert result.text == "CVV podam później. Numer karty to [CARD]"
    assert [(t.kind, t.answered) for t in result.triggers] == [
        (PiiKind.CVV, False),
        (PiiKind.CARD, True),
    ]


@pytest.mark.parametrize(
    ("expiry", "expected"),
    [
        ("ważna do 12/27", "ważna do [CARD]"),
        ("data ważności 12/2027", "data ważności [CARD]"),
        ("wazna do 12 27", "wazna do [CARD]"),
        ("ważności dwanaście dwadzieścia siedem", "ważności [CARD]"),
        ("ważna do grudnia dwa tysiące dwadzieścia siedem", "ważna do [CARD]"),
        ("expires 12/27", "expires [CARD]"),
        ("expiry date 12/27", "expiry date [CARD]"),
        ("exp 12/27", "exp [CARD]"),
        ("valid thru 0 3 / 2 9", "valid thru [CARD]"),
    ],
)
def test_expiry_after_card_context_is_masked(expiry: str, expected: str) -> None:
    result = masked(f"Karta {SAMPLE_CARD}, {expiry}, dziękuję.")
    assert result.text == f"Karta [CARD], {expected}, dziękuję."


@pytest.mark.parametrize("lead", ["Numer karty ", "Zapisałem: ", ""])
def test_expiry_and_cvv_read_right_after_a_card_are_masked(lead: str) -> None:
    text = f"{lead}{groups_of_four(SAMPLE_CARD)} 12/27 1 2 3, dziękuję."
    assert masked(text).text == f"{lead}[CARD] [CARD] [CVV], dziękuję."


def test_expiry_words_without_card_context_are_kept() -> None:
    text = "Umowa ważna do 12/27, data ważności 12 2027."
    assert masked(text).text == text


def test_full_card_dialogue() -> None:
    text = ("Numer karty cztery pięć pięć sześć siedem trzy siedem pięć osiem sześć osiem "
            "dziewięć dziewięć osiem pięć pięć, ważna do 12/27, CVV 123, dziękuję.")  # fmt: skip
    result = masked(text)
    assert result.text == "Numer karty [CARD], ważna do [CARD], CVV [CVV], dziękuję."
    assert [t.kind for t in result.triggers] == [PiiKind.CARD, PiiKind.CVV]
    assert all(t.answered for t in result.triggers)


# --- distractors ------------------------------------------------------------------------

DISTRACTORS = [
    "Proszę dzwonić na +48 600 700 800.",
    "Mój numer to 600-700-800, albo stacjonarny 22 111 00 00.",
    "Kwota 1 250,50 zł do zapłaty.",
    "Zapłaciłem 4,111 złotych.",
    "It costs $1,250.00 in total.",
    "Saldo 1.250,00 na dziś.",
    "Termin 23.11.2026, czyli 2026-11-23, 23 listopada.",
    "Spotkanie o 14:30, albo o czternastej trzydzieści.",
    "zamówienie 247",
    "order number 123456789",
    "Numer zamówienia ZAM-2026-000123.",
    "NIP 526-000-12-46, bez kresek 5260001246.",
    "Kod pocztowy 00-950 Warszawa.",
    "Konto PL61 1090 1014 0000 0712 1981 2874 w banku.",
    "Konto 61109010140000071219812874.",
    "Mam czterdzieści cztery lata i trzy koty.",
    "Mieszkam pod numerem sto dwadzieścia trzy.",
    "Numer klienta 12345678901 nie pasuje.",  # 11 digits, invalid checksum and date
    "",
]


@pytest.mark.parametrize("text", DISTRACTORS)
def test_distractors_stay_byte_identical(text: str) -> None:
    result = masked(text)
    assert result.text == text
    assert result.spans == ()


def test_distractors_next_to_pii_stay_byte_identical() -> None:
    text = (f"Zamówienie 247 za 1 250,50 zł, telefon +48 600 700 800. "
            f"Mój PESEL {VALID_PESEL}. Termin 23.11.2026 o 14:30.")  # fmt: skip
    result = masked(text)
    assert result.text == text.replace(VALID_PESEL, "[PESEL]")


# --- robustness ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["PESEL", "karta", "CVV", "ważna do", "   ", "...", "-", "4", "9" * 5000,
     "karta " + ".".join("9" * 3000), "ę̨ ́x 4̨5", "PESEL-", "cvv2", "\u00a0 4556\u2009", "٣٤٥",
     "karta " + ", ".join("7" * 500), "double", "one hundred and", "tysiąc tysięcy"],
)  # fmt: skip
def test_any_text_gives_a_result(text: str) -> None:
    result = mask_text(text)
    assert_consistent(text, result)


def python_calls(function: Callable[[], object]) -> int:
    """How many Python functions ``function`` calls: a cost that no machine's load changes."""
    count = 0

    def profile(_frame: object, event: str, _arg: object) -> None:
        nonlocal count
        count += event == "call"

    sys.setprofile(profile)
    try:
        function()
    finally:
        sys.setprofile(None)
    return count


def test_big_transcript_costs_linear_work() -> None:
    # Not a stopwatch (the suite runs on busy machines): the number of Python calls
    # for 4x the text stays within 5x, so no part of masking grows faster than linear.
    sentence = (f"Dzień dobry, numer karty {groups_of_four(SAMPLE_CARD)}, ważna do 12/27, "
                f"CVV 123, PESEL {VALID_PESEL}, telefon 600 700 800, kwota 1 250,50 zł, "
                "numer 1 2 3 4 5 6 7 8 9 0 1 2 to 3, first 1234 second 5678. ")  # fmt: skip
    small, big = sentence * 40, sentence * 160
    mask_text(small)  # warm the word caches, so both counts see them warm
    small_calls = python_calls(lambda: mask_text(small))
    big_calls = python_calls(lambda: mask_text(big))
    assert big_calls <= 5 * small_calls
    assert SAMPLE_CARD[:4] not in mask_text(big).text


# --- apply_spans and mask_lines -------------------------------------------------------------


def test_apply_spans_replaces_only_the_spans() -> None:
    text = "ab 123 cd 4567 ef"
    spans = [MaskedSpan(PiiKind.CVV, 3, 6), MaskedSpan(PiiKind.CARD, 10, 14)]
    assert apply_spans(text, spans) == "ab [CVV] cd [CARD] ef"
    assert apply_spans(text, []) == text


def test_apply_spans_refuses_overlaps_without_quoting_the_text() -> None:
    text = f"secret {VALID_PESEL}"
    with pytest.raises(ValueError) as error:
        apply_spans(text, [MaskedSpan(PiiKind.PESEL, 7, 18), MaskedSpan(PiiKind.CVV, 10, 12)])
    assert VALID_PESEL not in str(error.value)
    assert "secret" not in str(error.value)


def test_mask_lines_masks_each_line_alone_and_keeps_line_endings() -> None:
    lines = ["numer karty\n", f"{groups_of_four(BAD_LUHN_CARD)}\r\n", f"{SAMPLE_CARD}", "\n"]
    assert list(mask_lines(lines)) == [
        "numer karty\n",
        "[CARD]\r\n",  # no card word on its own line, but a card's shape
        "[CARD]",
        "\n",
    ]


# --- property-ish: random secrets in random sentences ---------------------------------------

TRIGGER_TEMPLATES = [
    "Mój numer karty to {n}, dziękuję.",
    "Dobrze, karta kredytowa: {n}.",
    "Podaję PESEL {n} i proszę o sprawdzenie.",
    "numer PESEL {n}",
    "My card number is {n}, thanks.",
    "Yes, the credit card {n}.",
]
PLAIN_TEMPLATES = [
    "Proszę zapisać {n} i oddzwonić.",
    "To jest {n}.",
    "{n}",
    "No więc {n}, tak?",
    "Please note {n} thanks.",
    "Halo, słyszy mnie pan? {n} Dobrze.",
]
CARD_PREFIXES = [("4", 16), ("4", 13), ("51", 16), ("55", 16), ("2221", 16), ("2720", 16),
                 ("34", 15), ("37", 15), ("6011", 16), ("65", 16), ("644", 16), ("50", 18),
                 ("67", 19), ("3528", 16), ("3589", 16), ("36", 14), ("38", 14), ("300", 14),
                 ("62", 17)]  # fmt: skip


def random_card(rng: random.Random) -> str:
    prefix, length = rng.choice(CARD_PREFIXES)
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return luhn_complete(body)


def random_pesel(rng: random.Random) -> str:
    year = rng.randint(1900, 2099)
    month = rng.randint(1, 12) + (20 if year >= 2000 else 0)
    day = rng.randint(1, 28)
    serial = "".join(rng.choice("0123456789") for _ in range(4))
    return pesel(f"{year % 100:02d}{month:02d}{day:02d}{serial}")


def test_random_secrets_never_leak() -> None:
    rng = random.Random(20261123)
    for _ in range(400):
        secret = random_card(rng) if rng.random() < 0.5 else random_pesel(rng)
        form = rng.choice(list(FORMS))
        template = rng.choice(TRIGGER_TEMPLATES + PLAIN_TEMPLATES)
        text = template.format(n=FORMS[form](secret))
        result = masked(text)
        assert_no_secret_left(result.text, secret)
        prefix, _, suffix = template.partition("{n}")
        assert result.text.startswith(prefix) and result.text.endswith(suffix), (form, template)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("zamówienie 247 85010112345 dziękuję", "85010112345"),
        ("order 247 4556 7375 8689 9855 thanks", "4556 7375 8689 9855"),
        ("telefon 48 85010112345", "85010112345"),
        ("order 4556 7375 8689 9855 123", "4556 7375 8689 9855"),
        ("zapłaciłem 100 zł 4556 7375 8689 9856", "4556 7375 8689 9856"),
    ],
)
def test_a_secret_next_to_another_number_or_an_amount_is_masked(text: str, secret: str) -> None:
    result = masked(text)
    assert secret not in result.text and "[" in result.text
    assert "8501" not in result.text and "4556" not in result.text


def test_a_card_after_another_numbers_word_takes_its_cvv_along() -> None:
    assert masked("order 4556 7375 8689 9855 123").text == "order [CARD]"
