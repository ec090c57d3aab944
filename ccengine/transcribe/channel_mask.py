"""Masking one channel's ASR output, word by word, into text and audio spans.

The whole channel is masked as one text, so a card number that Whisper split
over two segments is still one number. Masked character spans map back to
the words they touch, and the words' timestamps say what to silence. Where
ASR lost the number after a PII word (a repetition loop, digits heard as
words, nothing at all) the audio after that word is silenced for a window
and the call is flagged for QA: recall first. Pure: no I/O.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ccengine.transcribe.masking import MaskedSpan, Trigger, apply_spans, mask_text
from ccengine.transcribe.numbers import digit_stream
from ccengine.transcribe.types import AsrSegment, Speaker, TimeSpan

# Whisper's own hallucination threshold: above it a segment is a repetition loop.
LOOP_COMPRESSION_RATIO = 2.4
LOOP_REPEATS = 5  # the same token this many times in a row is a loop too
# Fewer words than this in the window after a PII word: speech there was lost.
MIN_WORDS_AFTER_TRIGGER = 3
_TOKEN = re.compile(r"\w+", re.UNICODE)


class QaReason:
    NUMBER_LOST = "pii_number_lost"  # a PII word with no usable number after it
    ASR_LOOP = "asr_loop"  # the decoder repeated itself; speech may be lost


@dataclass(frozen=True)
class QaFlag:
    reason: str
    speaker: Speaker
    at: float
    kind: str | None = None

    def as_json(self) -> dict[str, object]:
        return {"reason": self.reason, "kind": self.kind, "speaker": str(self.speaker),
                "at": round(self.at, 2)}


@dataclass(frozen=True)
class MaskedSegment:
    speaker: Speaker
    start: float
    end: float
    text: str

    def as_json(self) -> dict[str, object]:
        return {"speaker": str(self.speaker), "start": round(self.start, 2),
                "end": round(self.end, 2), "text": self.text}


@dataclass(frozen=True)
class MaskedChannel:
    segments: tuple[MaskedSegment, ...]
    silence: tuple[TimeSpan, ...]
    flags: tuple[QaFlag, ...]


@dataclass(frozen=True)
class _Piece:
    """A word (or a whole segment Whisper gave no words for) at its place in the text."""

    start_char: int
    end_char: int
    at: TimeSpan


class _ChannelText:
    """The channel's words joined into one text, remembering where each came from."""

    def __init__(self, segments: Sequence[AsrSegment]) -> None:
        self.text = ""
        self.pieces: list[_Piece] = []
        self.segment_chars: list[tuple[int, int]] = []
        for segment in segments:
            first = len(self.text)
            for text, at in _words_of(segment):
                self._add(text, at)
            self.segment_chars.append((first, len(self.text)))

    def _add(self, text: str, at: TimeSpan) -> None:
        if self.text and not text[:1].isspace():
            text = " " + text  # keep words apart so numbers of two words stay two
        start = len(self.text)
        self.text += text
        self.pieces.append(_Piece(start, len(self.text), at))

    def time_of(self, start_char: int, end_char: int) -> TimeSpan | None:
        touched = [p.at for p in self.pieces if p.start_char < end_char and start_char < p.end_char]
        if not touched:
            return None
        return TimeSpan(min(t.start for t in touched), max(t.end for t in touched))


def _words_of(segment: AsrSegment) -> list[tuple[str, TimeSpan]]:
    if segment.words:
        return [(w.text, TimeSpan(w.start, w.end)) for w in segment.words if w.text]
    return [(segment.text, TimeSpan(segment.start, segment.end))] if segment.text else []


def mask_channel(speaker: Speaker, segments: Sequence[AsrSegment], *,
                 trigger_window: float, channel_end: float) -> MaskedChannel:
    joined = _ChannelText(segments)
    result = mask_text(joined.text)
    masked = tuple(_masked_segments(speaker, segments, joined, result.spans))
    silence = [t for s in result.spans if (t := joined.time_of(s.start, s.end)) is not None]
    flags: list[QaFlag] = []
    loops = [segment for segment in segments if _is_loop(segment)]
    for trigger in result.triggers:
        if trigger.answered:
            continue
        window = _window_after(joined, trigger, trigger_window, channel_end)
        if _number_lost(joined, trigger, window, loops):
            silence.append(window)
            flags.append(QaFlag(QaReason.NUMBER_LOST, speaker, window.start, str(trigger.kind)))
    trigger_times = [t.end for tr in result.triggers
                     if (t := joined.time_of(tr.start, tr.end)) is not None]
    for segment in loops:
        flags.append(QaFlag(QaReason.ASR_LOOP, speaker, segment.start))
        if _may_hold_pii(segment, trigger_times, trigger_window):
            # Inside a loop the word timestamps mean nothing: silence the lot.
            silence.append(TimeSpan(segment.start, segment.end))
    return MaskedChannel(masked, tuple(sorted(silence, key=lambda t: t.start)),
                         tuple(sorted(flags, key=lambda f: f.at)))


def _masked_segments(speaker: Speaker, segments: Sequence[AsrSegment], joined: _ChannelText,
                     spans: Sequence[MaskedSpan]) -> list[MaskedSegment]:
    out = []
    for segment, (first, last) in zip(segments, joined.segment_chars, strict=True):
        inside = [MaskedSpan(s.kind, max(s.start, first) - first, min(s.end, last) - first)
                  for s in spans if s.start < last and first < s.end]
        text = apply_spans(joined.text[first:last], inside).strip()
        if text:
            out.append(MaskedSegment(speaker, segment.start, segment.end, text))
    return out


def _window_after(joined: _ChannelText, trigger: Trigger, seconds: float,
                  channel_end: float) -> TimeSpan:
    at = joined.time_of(trigger.start, trigger.end)
    start = at.end if at is not None else 0.0
    return TimeSpan(start, min(channel_end, start + seconds))


def _number_lost(joined: _ChannelText, trigger: Trigger, window: TimeSpan,
                 loops: Sequence[AsrSegment]) -> bool:
    """Did ASR lose the number a PII word announced (rather than there being none)?

    Lost: some digits came but too few, the decoder looped, or speech stops
    right after the word. "Moja karta nie działa" followed by more talk is
    just a mention: nothing to silence.
    """
    after = [p for p in joined.pieces if p.start_char >= trigger.end and
             p.at.start < window.end]
    heard = "".join(joined.text[p.start_char:p.end_char] for p in after)
    if digit_stream(heard):
        return True
    if any(window.start <= loop.end and loop.start <= window.end for loop in loops):
        return True
    return len(after) < MIN_WORDS_AFTER_TRIGGER


def _may_hold_pii(segment: AsrSegment, trigger_times: Sequence[float], window: float) -> bool:
    if any(char.isdigit() for char in segment.text):
        return True
    return any(at <= segment.end and segment.start - at <= window for at in trigger_times)


def _is_loop(segment: AsrSegment) -> bool:
    if segment.compression_ratio > LOOP_COMPRESSION_RATIO:
        return True
    tokens = _TOKEN.findall(segment.text.casefold())
    run = 1
    for previous, token in itertools.pairwise(tokens):
        run = run + 1 if token == previous else 1
        if run >= LOOP_REPEATS:
            return True
    return False
