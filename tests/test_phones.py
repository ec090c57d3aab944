from __future__ import annotations

import pytest

from ccengine.tickets.phones import is_e164, normalise


@pytest.mark.parametrize(
    "raw",
    ["48601111222", "601111222", "0048601111222", "+48601111222", " +48 601 111 222 "],
)
def test_every_asterisk_form_becomes_e164(raw: str) -> None:
    assert normalise(raw, "PL") == "+48601111222"


def test_national_number_follows_the_region() -> None:
    assert normalise("2025550143", "US") == "+12025550143"


def test_foreign_number_without_plus_is_read_as_international() -> None:
    assert normalise("4930123456", "PL") == "+4930123456"


@pytest.mark.parametrize(
    ("raw", "kept"), [("anonymous", "anonymous"), ("101", "101"), (" 7 ", "7")]
)
def test_unparsable_or_invalid_numbers_are_returned_stripped(raw: str, kept: str) -> None:
    assert normalise(raw, "PL") == kept


@pytest.mark.parametrize("raw", [None, "", "   ", "<unknown>", "unknown", "UNKNOWN"])
def test_no_number_is_none(raw: str | None) -> None:
    assert normalise(raw, "PL") is None


def test_is_e164() -> None:
    assert is_e164("+48601111222")
    assert not is_e164("601111222")
    assert not is_e164("+48 601")
    assert not is_e164(None)
