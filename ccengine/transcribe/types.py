"""Values the transcription steps pass to each other (no I/O here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np


class Speaker(StrEnum):
    """Who speaks on a channel; a mono recording mixes both sides."""

    CALLER = "klient"
    AGENT = "agent"
    MIXED = "rozmowa"


@dataclass(frozen=True)
class TimeSpan:
    """A stretch of a recording in seconds from its start."""

    start: float
    end: float

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)


@dataclass(frozen=True)
class Word:
    """One word as Whisper heard it; ``text`` keeps Whisper's leading space."""

    start: float
    end: float
    text: str
    probability: float = 1.0


@dataclass(frozen=True)
class AsrSegment:
    """One decoded segment with its words and the decoder's own quality figures.

    A high compression ratio (over about 2.4) is Whisper's sign of a repetition
    loop; the pipeline uses it to flag calls for QA.
    """

    start: float
    end: float
    text: str
    words: tuple[Word, ...]
    compression_ratio: float = 1.0
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0


class SpeechToText(Protocol):
    """What the pipeline needs of a model (the real one is ``whisper.Transcriber``)."""

    def transcribe(self, samples: np.ndarray, *, vad: bool | None = None) -> list[AsrSegment]: ...


def merge_spans(spans: Sequence[TimeSpan]) -> list[TimeSpan]:
    """Sorted, with overlapping or touching spans joined."""
    merged: list[TimeSpan] = []
    for span in sorted(spans, key=lambda s: s.start):
        if merged and span.start <= merged[-1].end:
            merged[-1] = TimeSpan(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged
