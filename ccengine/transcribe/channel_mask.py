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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ccengine.transcribe.channel_text import ChannelText
from ccengine.transcribe.digit_runs import (
    AUDIO_RUN_DIGITS,
    DigitRun,
    digit_runs,
    repeated_runs,
)
from ccengine.transcribe.masking import (
    MaskedSpan,
    PiiKind,
    Trigger,
    apply_spans,
    mask_text,
    merge_masked,
)
from ccengine.transcribe.numbers import digit_stream
from ccengine.transcribe.types import AsrSegment, Speaker, TimeSpan, merge_spans

# Whisper's own hallucination threshold: above it a segment is a repetition loop.
LOOP_COMPRESSION_RATIO = 2.4
LOOP_REPEATS = 5  # the same token this many times in a row is a loop too
# Fewer words than this in the window after a PII word: speech there was lost.
MIN_WORDS_AFTER_TRIGGER = 3
# A run of digits this long that masking let through is flagged for QA (12+: no
# phone number, date or amount is that long; a card or a PESEL read oddly may be).
FLAG_RUN_DIGITS = 12
_TOKEN = re.compile(r"\w+", re.UNICODE)


class QaReason:
    NUMBER_LOST = "pii_number_lost"  # a PII word with no usable number after it
    ASR_LOOP = "asr_loop"  # the decoder repeated itself; speech may be lost
    LONG_DIGIT_RUN = "long_digit_run"  # many digits that masking did not take as PII
    UNRELIABLE_TIMES = "unreliable_word_times"  # a masked number's word times mean little
    # A number was heard but ASR gave no word times: what was silenced cannot be
    # shown to cover it, so the recording is not played (qa.recording).
    REDACTION_UNPROVEN = "redaction_unproven"
    HEARD_AGAIN = "pii_heard_again"  # the self-check heard digits in a silenced span


def redaction_proven(reasons: Iterable[object]) -> bool:
    """No QA flag says the silence may not cover a number that was heard."""
    return all(reason != QaReason.REDACTION_UNPROVEN for reason in reasons)


def recording_playable(audio_redacted: bool | None,
                       flags: Iterable[Mapping[str, object]] | None) -> bool:
    """The one rule for serving a recording: transcribed, redacted, and the redaction
    proven (None: no transcript yet; False: transcribed, not redacted)."""
    return bool(audio_redacted) and redaction_proven(flag.get("reason") for flag in flags or ())


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
    silence: tuple[TimeSpan, ...]  # on this channel only
    flags: tuple[QaFlag, ...]
    speaker: Speaker = Speaker.MIXED
    # Unmasked: the digits of each masked number and the words. They live only while
    # one recording is processed (to find the number read back, to self-check the
    # audio) and stay out of every repr, so no log or error can quote them.
    secrets: tuple[str, ...] = field(default=(), repr=False)
    # Long digit runs the text kept (a phone, a NIP, an account number): silenced and
    # self-checked, but never masked in the text of either channel.
    audio_runs: tuple[str, ...] = field(default=(), repr=False)
    text: ChannelText = field(default_factory=lambda: ChannelText(()), repr=False)


def mask_channel(speaker: Speaker, segments: Sequence[AsrSegment], *,
                 trigger_window: float, channel_end: float,
                 heard_elsewhere: Sequence[str] = ()) -> MaskedChannel:
    """Mask one channel; ``heard_elsewhere`` holds the digits of numbers masked on any
    channel: a run here that repeats 4+ of them in a row is masked too."""
    joined = ChannelText(segments)
    result = mask_text(joined.text)
    spans = _with_repeats(joined, result.spans, heard_elsewhere)
    masked = tuple(_masked_segments(speaker, segments, joined, spans))
    silence, flags = _silence_masked(speaker, joined, spans)
    secrets = [digits for s in spans if (digits := digit_stream(joined.text[s.start:s.end]))]
    for long_run in result.long_runs:  # masked though it validates as nothing: QA listens
        if (at := joined.time_of(long_run.start, long_run.end)) is not None:
            flags.append(QaFlag(QaReason.LONG_DIGIT_RUN, speaker, at.start, str(long_run.kind)))
    for run in digit_runs(joined):
        # Digits next to a masked number are most likely its digits, misheard or cut off.
        if _touches(run, spans) and (at := joined.silence_for(run.pieces)) is not None:
            silence.append(at)
    audio_runs = []
    for run in _unmasked_long_runs(joined, spans):
        audio_runs.append(run.digits)
        if (at := joined.silence_for(run.pieces)) is not None:
            silence.append(at)
            if not all(p.has_word_time for p in run.pieces):
                flags.append(QaFlag(QaReason.REDACTION_UNPROVEN, speaker, at.start))
            elif len(run.digits) >= FLAG_RUN_DIGITS:
                flags.append(QaFlag(QaReason.LONG_DIGIT_RUN, speaker, at.start))
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
    return MaskedChannel(masked, tuple(merge_spans(silence)),
                         tuple(sorted(flags, key=lambda f: f.at)), speaker,
                         secrets=tuple(secrets), text=joined, audio_runs=tuple(audio_runs))


def _with_repeats(joined: ChannelText, spans: Sequence[MaskedSpan],
                  heard_elsewhere: Sequence[str]) -> tuple[MaskedSpan, ...]:
    """``spans`` and the runs repeating a masked number (the agent reading it back),
    sorted; overlapping spans join under the first one's kind."""
    repeats = [MaskedSpan(PiiKind.NUMBER, _first_visible(joined.text, run.start_char),
                          run.end_char) for run in repeated_runs(joined, heard_elsewhere)]
    return merge_masked([*spans, *repeats])


def _first_visible(text: str, start: int) -> int:
    """Past the space a word starts with, so "ends 9855" becomes "ends [NUMBER]"."""
    while start < len(text) and text[start].isspace():
        start += 1
    return start


def _silence_masked(speaker: Speaker, joined: ChannelText, spans: Sequence[MaskedSpan],
                    ) -> tuple[list[TimeSpan], list[QaFlag]]:
    """Each masked number's words, or their whole segments where word times fail."""
    silence: list[TimeSpan] = []
    flags: list[QaFlag] = []
    for span in spans:
        pieces = joined.touched(span.start, span.end)
        at = joined.silence_for(pieces)
        if at is None:
            continue
        silence.append(at)
        if not all(p.has_word_time for p in pieces):
            flags.append(QaFlag(QaReason.REDACTION_UNPROVEN, speaker, at.start, str(span.kind)))
        elif any(joined.is_unreliable(p) for p in pieces):
            flags.append(QaFlag(QaReason.UNRELIABLE_TIMES, speaker, at.start, str(span.kind)))
    return silence, flags


def _touches(run: DigitRun, spans: Sequence[MaskedSpan]) -> bool:
    return any(s.start < run.end_char and run.start_char < s.end for s in spans)


def _unmasked_long_runs(joined: ChannelText, spans: Sequence[MaskedSpan]) -> list[DigitRun]:
    """Long digit runs with digits outside every masked span: the text let them through."""
    out = []
    for run in digit_runs(joined):
        if len(run.digits) < AUDIO_RUN_DIGITS:
            continue
        outside = [p for p in run.pieces
                   if not any(s.start < p.end_char and p.start_char < s.end for s in spans)]
        if any(digit_stream(joined.piece_text(p)) for p in outside):
            out.append(run)
    return out


def _masked_segments(speaker: Speaker, segments: Sequence[AsrSegment], joined: ChannelText,
                     spans: Sequence[MaskedSpan]) -> list[MaskedSegment]:
    out = []
    for segment, (first, last) in zip(segments, joined.segment_chars, strict=True):
        inside = [MaskedSpan(s.kind, max(s.start, first) - first, min(s.end, last) - first)
                  for s in spans if s.start < last and first < s.end]
        text = apply_spans(joined.text[first:last], inside).strip()
        if text:
            out.append(MaskedSegment(speaker, segment.start, segment.end, text))
    return out


def _window_after(joined: ChannelText, trigger: Trigger, seconds: float,
                  channel_end: float) -> TimeSpan:
    at = joined.time_of(trigger.start, trigger.end)
    start = at.end if at is not None else 0.0
    return TimeSpan(start, min(channel_end, start + seconds))


def _number_lost(joined: ChannelText, trigger: Trigger, window: TimeSpan,
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
