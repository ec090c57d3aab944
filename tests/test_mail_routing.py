"""The receiver's pure rules: the ticket number in a subject, the routing filters and
the health back-off."""

from __future__ import annotations

import pytest

from ccengine.mail.health import backoff, describe
from ccengine.mail.imap_client import ImapError, _messages
from ccengine.mail.model import ParsedMail
from ccengine.mail.routing import number_in_subject, number_pattern, route


@pytest.mark.parametrize(("number_format", "subject", "number"), [
    ("TK-{year}-{seq:06d}", "Re: [TK-2026-000123] Internet", "TK-2026-000123"),
    ("TK-{year}-{seq:06d}", "Re: TK-2026-000123 without brackets", None),
    ("TK-{year}-{seq:06d}", "[TK-2026-00012x] not a number", None),
    ("ZGL/{seq}/{year}", "Odp: [ZGL/42/2026] faktura", "ZGL/42/2026"),
    ("Z.{seq}", "[Zx42] the dot is literal", None),
])
def test_the_number_pattern_follows_the_number_format(number_format: str, subject: str,
                                                      number: str | None) -> None:
    assert number_in_subject(subject, number_pattern(number_format)) == number


def _parsed(subject: str = "", sender: str = "jan@example.com", text: str = "") -> ParsedMail:
    return ParsedMail(message_id="<x@y>", subject=subject, from_address=sender,
                      from_name="Jan", text=text)


FILTERS = [{"field": "subject", "contains": "Faktura", "queue": "billing"},
           {"field": "sender", "contains": "@VIP.example", "queue": "vip"},
           {"field": "body", "contains": "reklamacja", "queue": "complaints"},
           {"field": "subject", "contains": "", "queue": "never"}]


@pytest.mark.parametrize(("parsed", "queue"), [
    (_parsed(subject="FAKTURA 1/2026"), "billing"),
    (_parsed(subject="faktura", sender="a@vip.example"), "billing"),  # the first match
    (_parsed(sender="a@vip.example"), "vip"),
    (_parsed(text="To jest Reklamacja"), "complaints"),
    (_parsed(subject="Inne"), "support"),
])
def test_route_first_match_case_insensitive_else_default(parsed: ParsedMail,
                                                         queue: str) -> None:
    assert route(parsed, FILTERS, "support") == queue


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [backoff(n, 5, 900) for n in (1, 2, 3, 8, 20)] == [5, 10, 20, 640, 900]


def test_an_error_never_shows_the_password() -> None:
    assert "hunter2" not in describe(ImapError("IMAP login refused: hunter2"), "hunter2")
    assert describe(ConnectionRefusedError(111, "Connection refused"), None) == (
        "cannot connect: Connection refused")
    statement = ValueError("value too long\n[SQL: INSERT ...]\n[parameters: ('44051401359',)]")
    assert describe(statement, None) == "ValueError: value too long"


def test_fetch_lines_pair_each_literal_with_its_uid() -> None:
    lines = [b"1 FETCH (UID 7 BODY[] {3}", bytearray(b"abc"), b")",
             b"2 FETCH (BODY[] {2}", bytearray(b"de"), b" UID 9)", b"Fetch completed"]
    assert _messages(lines) == [(7, b"abc"), (9, b"de")]
