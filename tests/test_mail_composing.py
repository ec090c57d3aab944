"""A ticket's e-mail: the ticket number in the subject once, threading headers that
keep the root and the newest ids, and no header injection through a subject."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default

import pytest

from ccengine.mail.composing import MAX_REFERENCES, Attachment, Outgoing, compose, ticket_subject

NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)


def _mail(**changes: object) -> Outgoing:
    fields: dict[str, object] = {
        "from_address": "bok@firma.pl", "from_name": "Biuro Obsługi", "to": ("jan@x.pl",),
        "subject": "Zamówienie 123", "text": "Dzień dobry, źdźbło.",
        "ticket_number": "TK-2026-000123"}
    fields.update(changes)
    return Outgoing(**fields)  # type: ignore[arg-type]


def test_the_ticket_number_is_in_the_subject_once() -> None:
    assert ticket_subject("Re: [TK-2026-000123] x", "TK-2026-000123") == (
        "Re: [TK-2026-000123] x")
    assert ticket_subject("x", "TK-2026-000123") == "[TK-2026-000123] x"


def test_a_reply_threads_and_reads_back_in_polish() -> None:
    refs = tuple(f"<{n}@x.pl>" for n in range(40))
    raw = bytes(compose(_mail(in_reply_to="<last@x.pl>", references=refs, html="<p>ą</p>",
                              attachments=(Attachment("faktura.pdf", "application/pdf",
                                                      b"%PDF-1.4"),)),
                        now=NOW, domain="firma.pl"))
    parsed = message_from_bytes(raw, policy=default)
    assert parsed["Subject"] == "[TK-2026-000123] Zamówienie 123"
    assert parsed["In-Reply-To"] == "<last@x.pl>"
    ids = str(parsed["References"]).split()
    assert len(ids) == MAX_REFERENCES and ids[0] == "<0@x.pl>" and ids[-1] == "<last@x.pl>"
    assert str(parsed["Message-ID"]).endswith("@firma.pl>")
    body = parsed.get_body(("plain",))
    assert body is not None and "źdźbło" in body.get_content()
    files = [part.get_filename() for part in parsed.iter_attachments()]
    assert files == ["faktura.pdf"]


def test_a_line_break_in_a_subject_adds_no_header() -> None:
    raw = bytes(compose(_mail(subject="Hej\r\nBcc: spy@evil.example"), now=NOW,
                        domain="firma.pl"))
    parsed = message_from_bytes(raw, policy=default)
    assert parsed["Bcc"] is None
    assert "spy@evil.example" in str(parsed["Subject"])


# Every separator str.splitlines() breaks at; the email policy refuses each in a header.
SEPARATORS = ("\r", "\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


@pytest.mark.parametrize("separator", SEPARATORS, ids=[f"U+{ord(c):04X}" for c in SEPARATORS])
def test_any_line_separator_in_a_subject_or_name_still_composes_one_line(
        separator: str) -> None:
    mail = _mail(subject=f"Zamówienie{separator}Bcc: spy@evil.example",
                 from_name=f"Biuro{separator}Obsługi",
                 headers={"Auto-Submitted": f"auto-replied{separator}X: y"})
    parsed = message_from_bytes(bytes(compose(mail, now=NOW, domain="firma.pl")),
                                policy=default)
    assert parsed["Subject"] == "[TK-2026-000123] Zamówienie Bcc: spy@evil.example"
    assert parsed["From"].addresses[0].display_name == "Biuro Obsługi"
    assert parsed["Auto-Submitted"] == "auto-replied X: y"
    assert parsed["Bcc"] is None and parsed["X"] is None
