"""Folding digits, digit groups and Polish/English number words into a digit stream."""

from __future__ import annotations

import unicodedata

import pytest

from ccengine.transcribe.numbers import TokenKind, digit_stream, fold_numbers, tokenize


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("4556", "4556"),
        ("4 5 5 6", "4556"),
        ("4556 7375", "45567375"),
        ("4556-7375-8689", "455673758689"),
        ("4.5.5.6.7.3", "455673"),
        ("4,111,111,111", "4111111111"),
        ("cztery pięć pięć sześć", "4556"),
        ("CZTERY Pięć", "45"),
        ("piec szesc dziewiec osiem", "5698"),  # ASCII-folded Polish
        ("zero jeden jedna jedno dwa dwie trzy siedem osiem", "011122378"),
        ("czterdzieści cztery", "44"),
        ("czterdzieści", "40"),
        ("zero pięć", "05"),
        ("dwanaście", "12"),
        ("dziesięć dziewiętnaście", "1019"),
        ("czterdzieści pięć pięćdziesiąt sześć", "4556"),
        ("czterdzieści pięć, pięćdziesiąt sześć", "4556"),
        ("trzysta osiem", "308"),
        ("sto dwadzieścia trzy", "123"),
        ("dziewięćset dziewięćdziesiąt dziewięć", "999"),
        ("trzysta dwanaście", "312"),
        ("dwa tysiące dwadzieścia siedem", "2027"),
        ("dwanaście dwadzieścia siedem", "1227"),
        ("45 pięćdziesiąt sześć 7 3", "455673"),
        ("four five five six", "4556"),
        ("oh five", "05"),
        ("one thousand two hundred thirty four", "1234"),  # a card group in English words
        ("nine thousand twelve", "9012"),
        ("tysiąc dwieście trzydzieści cztery", "1234"),
        ("forty four", "44"),
        ("twenty-five", "25"),
        ("one hundred and five", "105"),
        ("four hundred twelve", "412"),
        ("nineteen", "19"),
        ("double five triple oh", "55000"),
        ("dwadzieścia zero", "200"),  # "zero" never continues a number
        ("no numbers here", ""),
        ("", ""),
    ],
)
def test_digit_stream(text: str, digits: str) -> None:
    assert digit_stream(text) == digits


def test_tokens_keep_original_offsets() -> None:
    text = "Nr: 4556-7375, pięć!"
    tokens = tokenize(text)
    assert [text[t.start : t.end] for t in tokens] == [t.text for t in tokens]
    assert [t.text for t in tokens] == ["Nr", ":", "4556-7375", ",", "pięć", "!"]
    assert [t.kind for t in tokens] == [
        TokenKind.WORD, TokenKind.PUNCT, TokenKind.NUMBER,
        TokenKind.PUNCT, TokenKind.WORD, TokenKind.PUNCT,
    ]  # fmt: skip
    assert tokens[2].norm == "45567375"
    assert tokens[4].norm == "piec"


def test_decomposed_diacritics_stay_inside_the_word() -> None:
    text = unicodedata.normalize("NFD", "pięćdziesiąt sześć")
    assert digit_stream(text) == "56"
    assert len(tokenize(text)) == 2


def test_pieces_map_back_to_their_tokens() -> None:
    tokens = tokenize("to sto dwadzieścia trzy i 7")
    pieces = fold_numbers(tokens)
    assert [(p.first, p.last, p.digits) for p in pieces] == [(1, 3, "123"), (5, 5, "7")]


def test_blocked_tokens_are_plain_words() -> None:
    tokens = tokenize("trzy cyfry cztery")
    assert [p.digits for p in fold_numbers(tokens, blocked={0})] == ["4"]
