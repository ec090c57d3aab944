"""What masking reports: masked spans and the trigger words that asked for a number."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class PiiKind(StrEnum):
    PESEL = "PESEL"
    CARD = "CARD"
    CVV = "CVV"


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
