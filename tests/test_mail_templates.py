"""Placeholders in admins' texts: known ones filled (escaped in HTML), unknown ones
named when the text is saved and left visible, never executed."""

from __future__ import annotations

from ccengine.mail.templates import render, unknown_placeholders

VALUES = {"ticket.number": "TK-2026-000001", "customer.name": "<b>Zoë</b>"}


def test_known_placeholders_are_filled_and_escaped_in_html() -> None:
    text = "Zgłoszenie {{ticket.number}} dla {{ customer.name }}"
    assert render(text, VALUES) == "Zgłoszenie TK-2026-000001 dla <b>Zoë</b>"
    assert render(text, VALUES, as_html=True).endswith("&lt;b&gt;Zoë&lt;/b&gt;")


def test_unknown_placeholders_are_named_and_left_visible() -> None:
    text = "{{ ticket.number }} {{ ticket.secret }} {{ __import__ }}"
    assert unknown_placeholders(text) == ["__import__", "ticket.secret"]
    assert render(text, VALUES) == "TK-2026-000001 {{ ticket.secret }} {{ __import__ }}"
