"""A mailbox that masks personal data: no PESEL or card digits survive in a
received message's subject, text, quoted history or HTML, however written."""

from __future__ import annotations

import re

import pytest

from ccengine.mail.masking import masked
from ccengine.mail.model import ParsedMail

PESEL = "90010112345"
CARD = "4111111111111111"
WRITTEN = [
    f"Mój PESEL: {PESEL}, proszę o kontakt",
    "pesel 900 101 123 45",
    "PESEL: 900-101-123-45",
    "numer karty 4111 1111 1111 1111 ważna do 12/27",
    "karta 4111-1111-1111-1111",
    "numer karty:\n4111 1111\n1111 1111",
    f"Dane: {CARD}.",
]


def _digits_left(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.mark.parametrize("written", WRITTEN)
def test_no_secret_digits_survive_anywhere(written: str) -> None:
    mail = masked(ParsedMail(message_id="<m@x>", subject=f"Re: {written}", from_address=None,
                             from_name=None, text=written, quoted_text=f"> {written}",
                             html=f"<p>{written}</p>"))
    for value in (mail.subject, mail.text, mail.quoted_text or "", mail.html or ""):
        digits = _digits_left(value)
        assert PESEL not in digits and CARD not in digits, value
        assert "[" in value, value


def test_a_number_split_by_markup_is_still_masked_and_the_html_stays_whole() -> None:
    html = ('<p>PESEL <b>9001</b></p><p>0112345</p>'
            '<p>Karta <b>4111 1111</b> 1111 1111</p><a href="https://x.pl/?p=90010112345">l</a>')
    mail = masked(ParsedMail(message_id="<m@x>", subject="", from_address=None,
                             from_name=None, html=html))
    out = mail.html or ""
    assert PESEL not in _digits_left(out) and CARD not in _digits_left(out)
    assert "0112345" not in out and "1111 1111" not in out
    assert out.count("<b>") == out.count("</b>") and out.count("<p>") == out.count("</p>")


def test_ordinary_numbers_stay() -> None:
    text = "Zamówienie 12345 z 2026-02-02, kwota 1 234,56 zł, tel. 601 234 567"
    mail = masked(ParsedMail(message_id="<m@x>", subject=text, from_address=None,
                             from_name=None, text=text))
    assert mail.text == text and mail.subject == text and mail.html is None
