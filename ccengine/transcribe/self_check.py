"""Hearing the redacted audio again: only the silenced spans, with a little margin.

After the masked words are silenced, the model transcribes each silenced span
again (a short clip each: cheap). If it still hears digits where it silenced (4 or
more, or 3 in a row of a masked number) or, in the unsilenced margin around it,
3 digits in a row of a masked number (an amount said next to a card is no leak), the silence is
widened (twice the padding, and the whole ASR segments around it) and the call
is flagged for QA; if it still hears them after that, the redaction is not
proven and the recording is not played. What is heard again is never kept:
only whether it holds digits leaves this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pydub import AudioSegment

from ccengine.transcribe.audio import WHISPER_RATE, pcm_to_float, resample
from ccengine.transcribe.channel_mask import MaskedChannel, QaFlag, QaReason
from ccengine.transcribe.digit_runs import shares_digits
from ccengine.transcribe.numbers import digit_stream
from ccengine.transcribe.redact import silence_channels
from ccengine.transcribe.types import AsrSegment, SpeechToText, TimeSpan, Word, merge_spans

MARGIN_SECONDS = 1.0  # heard around each span: a digit just outside it shows up too
LEAK_DIGITS = 4  # this many digits heard inside a silenced span: something leaked
PART_DIGITS = 3  # or this many digits in a row of a masked number
WIDENINGS = 2  # rounds of widening before the redaction counts as unproven


@dataclass(frozen=True)
class Checked:
    audio: AudioSegment
    spans: tuple[tuple[TimeSpan, ...], ...]  # per channel, as finally silenced
    flags: tuple[QaFlag, ...]


def silence_and_check(model: SpeechToText, audio: AudioSegment,
                      channels: Sequence[MaskedChannel], spans: Sequence[Sequence[TimeSpan]],
                      padding: float) -> Checked:
    """Silence ``spans`` (per channel) in ``audio``, hear them again, widen where needed."""
    secrets = [digits for channel in channels
               for digits in (*channel.secrets, *channel.audio_runs)]
    current = [merge_spans(channel_spans) for channel_spans in spans]
    to_check = [(index, span) for index, channel_spans in enumerate(current)
                for span in channel_spans]
    flags: list[QaFlag] = []
    for round_ in range(WIDENINGS + 1):
        silenced = silence_channels(audio, current, padding)
        leaks = [(index, span) for index, span in to_check
                 if _heard(model, silenced, index, span, padding, secrets)]
        if not leaks:
            break
        last = round_ == WIDENINGS
        for index, span in leaks:
            flags.append(QaFlag(QaReason.REDACTION_UNPROVEN if last else QaReason.HEARD_AGAIN,
                                channels[index].speaker, span.start))
        if not last:  # only what was widened is heard again
            to_check = _widen(current, leaks, channels, padding * 2 ** (round_ + 1))
    return Checked(silenced, tuple(tuple(s) for s in current), tuple(flags))


def _widen(current: list[list[TimeSpan]], leaks: Sequence[tuple[int, TimeSpan]],
           channels: Sequence[MaskedChannel], extra: float) -> list[tuple[int, TimeSpan]]:
    """Widen each leaking span in ``current`` (in place); the widened spans as they are now."""
    for index, span in leaks:
        current[index] = merge_spans([*current[index], _widened(span, channels[index], extra)])
    return sorted({(index, merged) for index, span in leaks for merged in current[index]
                   if merged.start <= span.start and span.end <= merged.end},
                  key=lambda item: (item[0], item[1].start))


def _widened(span: TimeSpan, channel: MaskedChannel, extra: float) -> TimeSpan:
    """``span`` with ``extra`` seconds each side and every ASR segment it overlaps."""
    around = [s for s in channel.text.segment_spans if s.start <= span.end and span.start <= s.end]
    return TimeSpan(min([span.start - extra, *(s.start for s in around)]),
                    max([span.end + extra, *(s.end for s in around)]))


def _heard(model: SpeechToText, audio: AudioSegment, channel: int, span: TimeSpan,
           padding: float, secrets: Sequence[str]) -> bool:
    """Digits heard again where it was silenced, or a masked number's digits around it.

    The margin is not silenced: an amount said there ("and I paid 1500 zloty") is no
    leak, only digits that repeat part of a secret are.
    """
    start = max(0.0, span.start - padding - MARGIN_SECONDS)
    clip = _clip(audio, channel, start, span.end + padding + MARGIN_SECONDS)
    if clip.size == 0:
        return False
    silenced = TimeSpan(span.start - padding - start, span.end + padding - start)
    inside, margin = _digits_by_place(model.transcribe(clip, vad=False), silenced)
    return len(inside) >= LEAK_DIGITS or any(
        shares_digits(inside, secret, PART_DIGITS) or shares_digits(margin, secret, PART_DIGITS)
        for secret in secrets)


def _digits_by_place(segments: Sequence[AsrSegment], silenced: TimeSpan) -> tuple[str, str]:
    """The digits of words overlapping ``silenced`` and those of the other words; a
    segment without word times counts as inside (nothing shows it is not)."""
    inside: list[str] = []
    margin: list[str] = []
    for segment in segments:
        words = segment.words or (Word(segment.start, segment.end, segment.text),)
        for word in words:
            overlaps = word.start < silenced.end and silenced.start < word.end
            (inside if overlaps or not segment.words else margin).append(word.text)
    return digit_stream(" ".join(inside)), digit_stream(" ".join(margin))


def _clip(audio: AudioSegment, channel: int, start: float, end: float) -> NDArray[np.float32]:
    rate, channels = int(audio.frame_rate), int(audio.channels)
    frames = pcm_to_float(audio.raw_data, int(audio.sample_width)).reshape(-1, channels)
    first, last = max(0, int(start * rate)), min(len(frames), int(np.ceil(end * rate)))
    part = np.ascontiguousarray(frames[first:last, channel]) if last > first else np.zeros(0)
    return resample(part, rate, WHISPER_RATE).astype(np.float32)
