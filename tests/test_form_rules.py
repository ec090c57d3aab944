"""Pure rules of web forms and mailboxes: the snippet escapes what admins typed, origins
are normalised, the thank-you address keeps its own query, titles stay short and
masked, and a mailbox's health adds up to one state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ccengine.forms.embed import snippet, thank_you_page
from ccengine.forms.rules import InvalidForm, origin, parse_form
from ccengine.forms.submission import FieldTooLong, checked, is_spam
from ccengine.forms.submit_api import _thanks
from ccengine.mail.mailbox_rules import InvalidMailbox, state
from ccengine.mail.mailbox_rules import checked as mailbox_checked

NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)
FORM = {"key": "k", "name": 'Kontakt"><script>x()</script>', "queue": "q", "fields": [
    {"name": "subject", "label_pl": "<b>Temat</b>", "label_en": "Subject", "max_length": 300},
    {"name": "pick", "label_pl": "Wybór", "label_en": "Pick", "kind": "choice",
     "choices": ['"><img src=x onerror=alert(1)>']}]}


def test_the_snippet_escapes_labels_choices_and_the_action() -> None:
    html = snippet(parse_form(FORM), 'http://h/api/v1/forms/k"onload="x', "pl")
    assert "<b>Temat</b>" not in html and "&lt;b&gt;Temat&lt;/b&gt;" in html
    assert "<img" not in html and 'onload="x' not in html
    assert html.count("<script>") == 1  # only the form's own
    assert "<strong>&lt;i&gt;</strong>" in thank_you_page("<i>")


def test_origins_are_normalised_and_paths_refused() -> None:
    assert origin("o", "HTTPS://Sklep.Example:443/") == "https://sklep.example:443"
    assert origin("o", "http://127.0.0.1:8080") == "http://127.0.0.1:8080"
    for bad in ("ftp://a.example", "https://a.example/x", "https://", "https://a:99999"):
        with pytest.raises(InvalidForm):
            origin("o", bad)


def test_the_thank_you_address_keeps_its_query() -> None:
    assert _thanks("https://a.example/ok", "TK-1") == "https://a.example/ok?ticket=TK-1"
    assert _thanks("https://a.example/ok?x=1#top", "TK-1") == (
        "https://a.example/ok?x=1&ticket=TK-1#top")
    assert _thanks("https://a.example/ok", None) == "https://a.example/ok"


def test_titles_are_short_and_masked_and_limits_hold() -> None:
    spec = parse_form({**FORM, "name": "Kontakt"})
    post = checked(spec, {"subject": "PESEL 44051401359 " + "słowo " * 40}, "PL")
    assert post.title.startswith("Kontakt: PESEL [PESEL] słowo") and len(post.title) == 120
    assert "44051401359" not in post.note
    with pytest.raises(FieldTooLong):
        checked(spec, {"subject": "x" * 301}, "PL")
    assert is_spam({"website": " http://x "}) and not is_spam({"website": "  "})


def test_mailbox_state() -> None:
    later = NOW + timedelta(minutes=1)
    assert state(True, None, None) == "never connected"
    assert state(True, NOW, None) == "ok"
    assert state(True, NOW, later) == "failing"
    assert state(True, later, NOW) == "ok"
    assert state(False, None, later) == "inactive"


def test_an_empty_password_keeps_the_stored_one() -> None:
    assert "imap_password" not in mailbox_checked({"imap_password": ""}, new=False)
    assert mailbox_checked({"smtp_password": "s"}, new=False) == {"smtp_password": "s"}
    with pytest.raises(InvalidMailbox) as refused:
        mailbox_checked({"imap_password": 5}, new=False)
    assert refused.value.field == "imap_password"
