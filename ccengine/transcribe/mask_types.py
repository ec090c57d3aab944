"""What masking reports: masked spans and the trigger words that asked for a number."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PiiKind(StrEnum):
    PESEL = "PESEL"
    CARD = "CARD"
    CVV = "CVV"
    # 12+ digits read in one go that validate as nothing: masked all the same (a card
    # with a lost digit looks just like that) and reported for QA.
    NUMBER = "NUMBER"


@dataclass(frozen=True)
class MaskedSpan:
    """Characters ``start``..``end`` (exclusive) of the original text hold a ``kind``."""

    kind: PiiKind
    start: int
    end: int


@dataclass(frozen=True)
class Trigger:
    """A PII trigger word (PESEL, karta/numer karty/card, CVV...) in the original text."""

    kind: PiiKind
    start: int
    end: int
    # True when a number (span) was masked right after it; False when the ASR output
    # after it holds no usable number (e.g. words, nothing, or too few digits).
    answered: bool


@dataclass(frozen=True)
class MaskResult:
    text: str  # masked text
    spans: tuple[MaskedSpan, ...]  # sorted, non-overlapping, in original coordinates
    triggers: tuple[Trigger, ...]
    # Digit runs masked although they validate as nothing (12+ digits read in one go):
    # the call should go to QA, whose ears decide what was said.
    long_runs: tuple[MaskedSpan, ...] = ()

    @property
    def needs_review(self) -> bool:
        return bool(self.long_runs)
