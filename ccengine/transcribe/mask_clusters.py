"""Clusters: numbers close together in the text, as ASR splits one number read aloud.

"Please note 2020, I've won 1138, 408, thank you." is a PESEL (base, espeak-ng): no
chain holds enough digits, but together, a few words apart, they do. Chains that
the shape rules left alone and that only a few plain words separate form a
cluster; 12 or more digits in a cluster are a long run, masked and reported, unless
every chain is a phone number or a year (a list people say).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ccengine.transcribe.mask_chains import Chain
from ccengine.transcribe.mask_items import KEPT_NUMBER, Item, ItemKind
from ccengine.transcribe.mask_lexicon import CURRENCY_WORDS, DATE_WORDS
from ccengine.transcribe.mask_rules import is_phone_or_year
from ccengine.transcribe.mask_runs import COUNT_WORDS

CLUSTER_DIGITS = 12
_MAX_GAP_WORDS = 2
_MIN_CHAIN_DIGITS = 3  # counts and small numbers ("12 osób", "od 1 do 10") are no groups
# Words that set numbers apart: ranges and alternatives ("od 100 do 200", "albo").
_SEPARATING_WORDS = frozenset({
    "od", "do", "albo", "lub", "czy", "from", "until", "till", "between", "or", "versus",
})  # fmt: skip
# A unit after a number makes it a quantity ("150 sztuk, potem 250 sztuk").
_UNIT_WORDS = frozenset({
    "sztuk", "sztuki", "szt", "kg", "g", "cm", "mm", "m", "km", "l", "ml", "osob", "osoby",
    "lat", "lata", "dni", "dzien", "godzin", "minut", "razy", "procent", "gb", "mb",
    "pieces", "items", "units", "people", "years", "days", "hours", "minutes", "times",
    "percent", "kilometers", "miles",
})  # fmt: skip
_GAP_BLOCKERS = (
    CURRENCY_WORDS | DATE_WORDS | COUNT_WORDS | _SEPARATING_WORDS | _UNIT_WORDS | {KEPT_NUMBER}
)
_BRACKETS = frozenset("()[]")


def _close(items: Sequence[Item], left: Chain, right: Chain) -> bool:
    """Only a few plain words and punctuation other than brackets between the chains."""
    words = 0
    for item in items[left.last + 1 : right.first]:
        if item.kind in (ItemKind.NUMBER, ItemKind.CUE) or item.norm in _GAP_BLOCKERS:
            return False
        if item.kind is ItemKind.PUNCT and item.norm in _BRACKETS:
            return False
        words += item.kind is ItemKind.WORD
        if words > _MAX_GAP_WORDS:
            return False
    return True


def clusters(items: Sequence[Item], open_chains: Sequence[Chain]) -> Iterator[list[Chain]]:
    """Runs of consecutive chains, each close to the one before it."""
    current: list[Chain] = []
    for chain in open_chains:
        if len(chain.digits) < _MIN_CHAIN_DIGITS:
            if current:
                yield current
            current = []
            continue
        if current and not _close(items, current[-1], chain):
            yield current
            current = []
        current.append(chain)
    if current:
        yield current


def is_long_cluster(cluster: Sequence[Chain]) -> bool:
    total = sum(len(chain.digits) for chain in cluster)
    listed = all(is_phone_or_year(chain.digits) for chain in cluster)
    return len(cluster) > 1 and total >= CLUSTER_DIGITS and not listed
