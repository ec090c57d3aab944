"""Issue 11: every kind of miss seen on held-out transcripts and recordings, one test each.

Texts are what Whisper and the held-out set really wrote (digits changed to test
numbers). Each test asserts what holds on any machine: the secret's digits are gone
from the masked text and the words around them stay.
"""

from __future__ import annotations

import random

import pytest

from ccengine.transcribe.masking import MaskResult, PiiKind, mask_text
from ccengine.transcribe.numbers import digit_stream
from tests.pii_readings import (
    READINGS,
    corpus,
    pesel,
    random_card,
    random_pesel,
    secret_line,
)
from tests.pii_readings import (
    leaked_windows as leaks,
)
from tests.test_masking import assert_consistent

VALID_PESEL = pesel("8501011234")  # 85010112345... with its check digit
BAD_PESEL = VALID_PESEL[:-1] + str((int(VALID_PESEL[-1]) + 1) % 10)  # date fine, checksum not
CARD = "4556737586899855"  # the sample recording's card, Luhn-valid


def masked(text: str) -> MaskResult:
    result = mask_text(text)
    assert_consistent(text, result)
    return result


# --- the number said before its trigger word -------------------------------------------------


@pytest.mark.parametrize("number", [VALID_PESEL, BAD_PESEL, "12345678901"])
def test_a_pesel_said_before_its_word_is_masked_and_answers_it(number: str) -> None:
    result = masked(f"Tak, {number}, to mój numer PESEL.")
    assert result.text == "Tak, [PESEL], to mój numer PESEL."
    assert [(t.kind, t.answered) for t in result.triggers] == [(PiiKind.PESEL, True)]


def test_a_card_said_before_its_word_is_masked() -> None:
    bad_luhn_unknown_prefix = "9" * 15 + "1"
    assert masked(f"Yes, {bad_luhn_unknown_prefix}, that is my card.").text == (
        "Yes, [CARD], that is my card.")


# --- PESEL shapes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # BAD_PESEL: a date, but ASR flipped a digit, so no checksum helps.
        ("Proszę: 850 101 123 46, dziękuję.", "Proszę: [PESEL], dziękuję."),
        ("Proszę: 75,091,621,629, dziękuję.", "Proszę: [PESEL], dziękuję."),
        ("osiem, pięć, zero, jeden, zero, jeden, jeden, dwa, trzy, cztery, sześć.", "[PESEL]."),
        ("osiemdziesiąt pięć, zero jeden, zero jeden, dwanaście, trzydzieści cztery, sześć",
         "[PESEL]"),
    ],
)  # fmt: skip
def test_pesel_grouped_with_separators_or_in_words_without_a_trigger(
    text: str, expected: str
) -> None:
    assert masked(text).text == expected


@pytest.mark.parametrize("reading", ["8 5 0 1 0 1 1 to 3 4 5", "8 5 0 1 0 1 1 too 3 4 5"])
def test_a_pesel_with_two_heard_as_to(reading: str) -> None:
    for lead in ("", "PESEL "):
        result = masked(f"{lead}{reading}, dobrze.")
        assert result.text == f"{lead}[PESEL], dobrze."


def test_a_pesel_heard_as_password_with_its_first_digit_lost() -> None:
    # The real Asterisk recording: "My password is d -d -ddd -ddddd."
    text = f"My password is {BAD_PESEL[1]} -{BAD_PESEL[2]} -{BAD_PESEL[3:6]} -{BAD_PESEL[6:]}."
    result = masked(text)
    assert result.text == "My password is [PESEL]."
    assert not leaks(result.text, BAD_PESEL)


def test_password_before_a_short_number_or_words_stays() -> None:
    for text in ("My password is 1234.", "My password is secret, and my PIN 1234."):
        assert masked(text).text == text


def test_the_note_after_a_masked_pesel_is_not_swallowed() -> None:
    for number in (VALID_PESEL, VALID_PESEL[:-1]):
        result = masked(f"PESEL {number} (10 cyfr…), dobrze?")
        assert result.text == "PESEL [PESEL] (10 cyfr…), dobrze?"


@pytest.mark.parametrize("word", ["PESEL", "peselu", "pesla", "Pezel", "pessel", "peseł"])
def test_pesel_words_are_matched_fuzzily(word: str) -> None:
    result = masked(f"Mój {word}: 12345678901.")  # no valid date: only the word says PESEL
    assert result.text == f"Mój {word}: [PESEL]."


# --- phones stay phones ----------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["+48 731 070 995", "0048 731 070 995", "+48731070995",
                                   "+48 22 111 00 00", "+48 731-070-995"])  # fmt: skip
def test_an_international_phone_in_a_sentence_with_a_pesel_word_stays(phone: str) -> None:
    text = f"Mój PESEL to {VALID_PESEL}, a telefon {phone}, proszę oddzwonić."
    assert masked(text).text == f"Mój PESEL to [PESEL], a telefon {phone}, proszę oddzwonić."
    assert masked(f"Numer PESEL podam, teraz {phone}.").text == f"Numer PESEL podam, teraz {phone}."


@pytest.mark.parametrize("text", [
    "Proszę dzwonić na 600 700 800 albo 601 701 801.",
    "Numery 600 700 800, 601 701 801 i 602 702 802.",
    "Byłem klientem w latach 2019, 2020, 2021 i 2022.",
])  # fmt: skip
def test_lists_of_phones_or_years_stay(text: str) -> None:
    result = masked(text)
    assert result.text == text and not result.needs_review


# --- cards -----------------------------------------------------------------------------------


def test_the_e2e_transcript_with_thousands_artefacts_is_masked_and_flagged() -> None:
    text = ("My car number in 4 ,500, 556 ,300 and 75 ,000, 600 and 89 ,000, 800 and 55.")
    result = masked(text)
    assert digit_stream(result.text) == ""
    assert result.text.startswith("My car number in [") and result.needs_review


def test_card_groups_read_with_ordinals() -> None:
    result = masked("first four 4556 second 7375 third 8689 last 9855")
    # Spans cover the digits' own words only, so the audio silences no more than those.
    assert result.text == "first [CARD] second [CARD] third [CARD] last [CARD]"
    assert not leaks(result.text, CARD)


def test_card_read_without_a_trigger_with_its_first_digit_lost() -> None:
    text = "Okay, " + " -".join(CARD[1:]) + ". Thank you."
    result = masked(text)
    assert not leaks(result.text, CARD)
    assert result.text.startswith("Okay, [") and result.text.endswith("]. Thank you.")


def test_card_read_as_english_thousands() -> None:
    text = ("My card is four thousand five hundred fifty six, seven thousand three hundred "
            "seventy five, eight thousand six hundred eighty nine, nine thousand eight hundred "
            "fifty five.")  # fmt: skip
    assert masked(text).text == "My card is [CARD]."
    without_word = masked(text.replace("My card is", "Right,")).text
    assert digit_stream(without_word) == ""


@pytest.mark.parametrize("prefix", ["2200", "2201", "2204"])
def test_luhn_valid_mir_cards_are_masked_anywhere(prefix: str) -> None:
    number = random_card_with_prefix(prefix)
    assert masked(f"Proszę, {number}.").text == "Proszę, [CARD]."


def random_card_with_prefix(prefix: str) -> str:
    from tests.pii_readings import luhn_complete

    return luhn_complete(prefix + "31415926535")


@pytest.mark.parametrize("word", ["card", "car", "cart", "karta", "karty", "numer karty"])
def test_card_words_as_asr_hears_them(word: str) -> None:
    result = masked(f"My {word} {CARD[:-1]}9 ok")  # Luhn fails: only the word says card
    assert result.text == f"My {word} [CARD] ok"


@pytest.mark.parametrize(("text", "expected"), [
    ("karta 4556 7375 8689 9855, kod 123", "karta [CARD], kod [CVV]"),
    ("CVC 123", "CVC [CVV]"),
    ("kod pocztowy 00-950", "kod pocztowy 00-950"),
])  # fmt: skip
def test_cvv_words(text: str, expected: str) -> None:
    assert masked(text).text == expected


# What tiny.en wrote for espeak-ng calls of benchmarks/masking.py --audio (other digits).
@pytest.mark.parametrize(("text", "secret"), [
    ("Yes, 3,100 and 9 0,300 and 32 and I did my pencils.", "31090300332"),
    ("It's one million eleven trillion seven hundred and ninety three million eight hundred "
     "and thirty four million seven hundred and one thousand seven hundred and forty four is "
     "not right.", "6011793834701744"),
    ("My petal number in 2012, near around 5.842. Thank you.", "40120953842"),
    ("My pedal number in 8,700,000, 800,700,700, 800,700, 800, 800.", "87092877897"),
])  # fmt: skip
def test_asr_number_speak_of_a_secret_is_masked(text: str, secret: str) -> None:
    result = masked(text)
    assert not leaks(result.text, secret)
    assert digit_stream(result.text) == ""


def test_numbers_close_together_are_one_long_run() -> None:
    # base on an espeak-ng PESEL: "won" for a digit, groups a few words apart.
    result = masked("Please note 2020, I've won 1138, 408, thank you.")
    assert not leaks(result.text, "20251138408") and result.needs_review


@pytest.mark.parametrize("text", [
    "Od 100 do 200, potem 300 do 400.",
    "Zamówiłem 150 sztuk, potem 250 sztuk i 300 sztuk, razem 700.",
    "W pokoju 101 jest 12 osób, w 102 jest 15 osób, w 103 jest 20 osób.",
    "I won 3 games.",
])  # fmt: skip
def test_ranges_quantities_and_counts_close_together_stay(text: str) -> None:
    assert masked(text).text == text


def test_pedal_is_a_trigger_only_right_before_a_long_number() -> None:
    assert masked("I pressed the pedal 3 times.").text == "I pressed the pedal 3 times."


# --- Unicode ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("reading", "secret"), [
    ("４５５６ ７３７５ ８６８９ ９８５５", CARD),
    ("٤٥٥٦٧٣٧٥٨٦٨٩٩٨٥٥", CARD),
    ("4556\u200b7375\u200b8689\u200b9855", CARD),
    (VALID_PESEL[:5] + "\u200b" + VALID_PESEL[5:], VALID_PESEL),
    (VALID_PESEL.translate(str.maketrans("0123456789", "０１２３４５６７８９")), VALID_PESEL),
])  # fmt: skip
def test_unicode_digits_and_zero_width_characters(reading: str, secret: str) -> None:
    result = masked(f"Proszę: {reading} dziękuję")
    assert result.text.startswith("Proszę: [") and result.text.endswith("] dziękuję")
    assert not leaks(result.text, secret)


# --- long runs that validate as nothing ------------------------------------------------------


def test_a_long_run_that_validates_as_nothing_is_masked_and_flagged() -> None:
    result = masked("Zapisałem 1 2 3 4 5 6 7 8 9 0 1 2, dobrze?")
    assert result.text == "Zapisałem [NUMBER], dobrze?"
    assert result.needs_review and [s.kind for s in result.long_runs] == [PiiKind.NUMBER]


def test_valid_numbers_are_not_flagged_as_long_runs() -> None:
    assert not masked(f"Proszę {CARD}").needs_review
    assert not masked("Proszę dzwonić na 600 700 800.").needs_review


# --- the property: every reading, every template ---------------------------------------------


@pytest.mark.parametrize("reading", sorted(READINGS))
def test_no_seven_digits_of_a_secret_survive_any_reading(reading: str) -> None:
    rng = random.Random(f"issue-11-{reading}")
    for kind in ("PESEL", "CARD") * 20:
        line = secret_line(rng, kind, reading)
        result = masked(line.text)
        assert not leaks(result.text, line.secret), (line.kind, line.reading)


def test_random_secrets_generated_here_are_what_they_claim() -> None:
    rng = random.Random(7)
    from ccengine.transcribe.mask_rules import is_valid_card, is_valid_pesel

    assert all(is_valid_card(random_card(rng)) for _ in range(50))
    assert all(is_valid_pesel(random_pesel(rng)) for _ in range(50))
    assert not any(is_valid_pesel(random_pesel(rng, checksum_ok=False)) for _ in range(50))


# --- the benchmark's quick mode runs in the suite, so a change that breaks it fails CI ---------


def test_the_quick_corpus_meets_the_targets_for_the_current_rules() -> None:
    # In-process: no subprocess, no git revision (tests/test_benchmarks.py runs the script).
    secrets, distractors = corpus(random.Random(11), 3, 150)
    missed = [line.text for line in secrets if leaks(masked(line.text).text, line.secret)]
    changed = [text for text in distractors if masked(text).text != text]
    assert not missed  # issue 11's targets: recall 100 %, kept >= 99.5 %
    assert len(changed) <= len(distractors) * 0.005, changed
