"""Customer rules, pure: search folding, phone forms, NIP checksums (issue 13, item 12)."""

from __future__ import annotations

import unicodedata

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccengine.customers.rules import (
    InvalidValue,
    fold,
    merged_notes,
    search_terms,
    valid_email,
    valid_nip,
)

POLISH = "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"
# Nine-digit Polish numbers in the mobile ranges that the numbering plan allocates: not
# every 5xx-7xx is (702 000 000 is not a number), and what is no number is no phone.
MOBILES = st.builds(lambda first, rest: f"{first}{rest:08d}",
                    st.sampled_from("567"), st.integers(0, 99_999_999)).filter(
    lambda national: phonenumbers.is_valid_number(phonenumbers.parse("+48" + national)))


def _written(national: str, prefix: str, separator: str, groups: tuple[int, ...]) -> str:
    parts, start = [], 0
    for size in groups:
        parts.append(national[start:start + size])
        start += size
    return prefix + separator.join(parts)


@given(MOBILES, st.sampled_from(["", "+48", "48", "0048", "+48 ", "0048 "]),
       st.sampled_from(["", " ", "-", "."]), st.sampled_from([(9,), (3, 3, 3), (2, 3, 2, 2)]))
def test_any_written_form_of_a_number_searches_for_the_stored_one(
        national: str, prefix: str, separator: str, groups: tuple[int, ...]) -> None:
    text = _written(national, prefix, separator, groups)
    assert search_terms(text, "PL").phone == "+48" + national


NAMES = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz -'" + POLISH), max_size=40)


@given(NAMES)
def test_folding_is_idempotent_case_blind_and_leaves_plain_letters(name: str) -> None:
    folded = fold(name)
    assert fold(folded) == folded
    assert fold(name.upper()) == fold(name.lower()) == folded
    assert folded.isascii()


@given(st.text(max_size=40))
def test_folding_any_text_leaves_no_accents(text: str) -> None:
    assert not any(unicodedata.combining(c) for c in fold(text))


@pytest.mark.parametrize(("written", "folded"), [
    ("Wójcik", "wojcik"), ("ŁUCJA  Żółć", "lucja zolc"), ("Gęś Ćma Źdźbło Ń", "ges cma zdzblo n"),
])
def test_polish_letters_fold_to_their_plain_ones(written: str, folded: str) -> None:
    assert fold(written) == folded


def test_search_text_is_read_as_name_number_and_email() -> None:
    terms = search_terms("Wójcik", "PL")
    assert (terms.words, terms.phone, terms.digits) == (("wojcik",), None, None)
    assert search_terms("333 444", "PL").digits == "333444"
    assert search_terms("Lucja@Example.pl", "PL").email == "lucja@example.pl"


@pytest.mark.parametrize("nip", ["5260250274", "526-025-02-74", "PL 526 025 02 74"])
def test_a_valid_nip_in_any_form_is_its_ten_digits(nip: str) -> None:
    assert valid_nip(nip) == "5260250274"


@pytest.mark.parametrize("nip", ["5260250275", "123", "abcdefghij", "52602502741"])
def test_a_wrong_nip_names_the_field(nip: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        valid_nip(nip)
    assert refused.value.field == "nip"


def test_emails_are_lower_cased_and_checked() -> None:
    assert valid_email(" Anna@Firma.PL ") == "anna@firma.pl"
    with pytest.raises(InvalidValue):
        valid_email("anna@")


def test_merged_notes_keep_both_in_order() -> None:
    assert merged_notes("a", "b") == "a\n\nb"
    assert merged_notes(None, "b") == "b"
    assert merged_notes("  ", None) is None
