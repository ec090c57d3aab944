"""The pure rules of replies: the editor's HTML cleaned, its text alternative, the
signatures appended, a template's fields checked, placeholders' values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ccengine.replies.rules import (
    Context,
    TemplateInvalid,
    check_template,
    clean_html,
    placeholder_values,
    text_of,
    with_signatures,
)


def test_only_simple_formatting_and_safe_links_survive() -> None:
    cleaned = clean_html('<p onclick="x()" style="color:red">Dzień <b>dobry</b>'
                         '<script>alert(1)</script><img src=x onerror=y></p>'
                         '<a href="javascript:alert(1)">zły</a><a href="https://firma.pl">dobry</a>')
    assert "script" not in cleaned and "onclick" not in cleaned and "<img" not in cleaned
    assert "javascript:" not in cleaned and 'href="https://firma.pl"' in cleaned
    assert "<b>dobry</b>" in cleaned


def test_the_text_alternative_keeps_paragraphs_lists_and_links() -> None:
    html = with_signatures('<p>Dzień dobry,</p><ul><li>zwrot</li><li>faktura <a href='
                           '"https://firma.pl/f">tutaj</a></li></ul>', "<p>Anna</p>", None)
    assert text_of(html) == ("Dzień dobry,\n\n- zwrot\n- faktura tutaj (https://firma.pl/f)"
                             "\n\n-- \n\nAnna\n")


def test_no_signature_adds_no_separator() -> None:
    assert with_signatures("<p>x</p>", "", None) == "<p>x</p>"


def test_a_template_with_an_unknown_placeholder_is_refused_naming_the_field() -> None:
    with pytest.raises(TemplateInvalid) as refused:
        check_template("Zwrot", "{{ ticket.numer }}", "<p>ok</p>")
    assert refused.value.field == "subject" and "ticket.numer" in str(refused.value)
    with pytest.raises(TemplateInvalid) as refused:
        check_template(" ", "x", "<p>ok</p>")
    assert refused.value.field == "name"
    assert check_template(" Zwrot ", "x", "<p>ok<script></script></p>") == (
        "Zwrot", "x", "<p>ok</p>")


def test_the_sla_due_time_is_shown_in_the_contact_centers_time_zone() -> None:
    values = placeholder_values(Context(
        "TK-1", "Zwrot", None, datetime(2026, 7, 1, 10, 30, tzinfo=UTC), None, None,
        "Anna", "", "BOK"), "Europe/Warsaw")
    assert values["ticket.sla_due"] == "2026-07-01 12:30"
    assert values["customer.name"] == "" and values["ticket.queue"] == ""
