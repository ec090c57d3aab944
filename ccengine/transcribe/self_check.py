"""Hearing the redacted audio again: only the silenced spans, with a little margin.

After the masked words are silenced, the model transcribes the silenced spans
again (one clip per 30 s of spans on a channel, with only that part of the
recording converted: cheap). If it still hears digits where it silenced (4 or
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
# Spans this close together are heard in one clip: faster-whisper pads every clip to
# 30 s anyway, so one clip costs what each span alone would.
CLIP_SECONDS = 30.0
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
        leaks = _leaks(model, silenced, to_check, padding, secrets)
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


def _leaks(model: SpeechToText, audio: AudioSegment, to_check: Sequence[tuple[int, TimeSpan]],
           padding: float, secrets: Sequence[str]) -> list[tuple[int, TimeSpan]]:
    """The spans of ``to_check`` where something leaked, hearing nearby spans in one clip."""
    leaks: list[tuple[int, TimeSpan]] = []
    for index, group in _clip_groups(to_check, padding):
        start = max(0.0, group[0].start - padding - MARGIN_SECONDS)
        clip = _clip(audio, index, start, group[-1].end + padding + MARGIN_SECONDS)
        if clip.size == 0:
            continue
        words = _timed_words(model.transcribe(clip, vad=False), start)
        leaks.extend((index, span) for span in group
                     if _heard(words, span, padding, secrets))
    return leaks


def _clip_groups(to_check: Sequence[tuple[int, TimeSpan]], padding: float,
                 ) -> list[tuple[int, list[TimeSpan]]]:
    """Spans of one channel that fit one clip of CLIP_SECONDS together, in order."""
    groups: list[tuple[int, list[TimeSpan]]] = []
    around = padding + MARGIN_SECONDS
    for index, span in sorted(to_check, key=lambda item: (item[0], item[1].start)):
        if (groups and groups[-1][0] == index
                and span.end - groups[-1][1][0].start + 2 * around <= CLIP_SECONDS):
            groups[-1][1].append(span)
        else:
            groups.append((index, [span]))
    return groups


def _timed_words(segments: Sequence[AsrSegment], offset: float) -> list[Word]:
    """Words on the recording's time line; a segment without word times is one word."""
    return [Word(word.start + offset, word.end + offset, word.text)
            for segment in segments
            for word in segment.words or (Word(segment.start, segment.end, segment.text),)]


def _heard(words: Sequence[Word], span: TimeSpan, padding: float,
           secrets: Sequence[str]) -> bool:
    """Digits heard again where ``span`` was silenced, or a secret's digits around it.

    The margin is not silenced: an amount said there ("and I paid 1500 zloty") is no
    leak, only digits that repeat part of a secret are.
    """
    silenced = TimeSpan(span.start - padding, span.end + padding)
    window = TimeSpan(silenced.start - MARGIN_SECONDS, silenced.end + MARGIN_SECONDS)
    inside = digit_stream(" ".join(w.text for w in words if _overlaps(w, silenced)))
    margin = digit_stream(" ".join(w.text for w in words
                                   if _overlaps(w, window) and not _overlaps(w, silenced)))
    return len(inside) >= LEAK_DIGITS or any(
        shares_digits(inside, secret, PART_DIGITS) or shares_digits(margin, secret, PART_DIGITS)
        for secret in secrets)


def _overlaps(word: Word, span: TimeSpan) -> bool:
    return word.start < span.end and span.start < word.end


def _clip(audio: AudioSegment, channel: int, start: float, end: float) -> NDArray[np.float32]:
    """One channel between ``start`` and ``end``: only those bytes are converted."""
    rate, channels, width = int(audio.frame_rate), int(audio.channels), int(audio.sample_width)
    frame_bytes = channels * width
    total = len(audio.raw_data) // frame_bytes
    first, last = max(0, int(start * rate)), min(total, int(np.ceil(end * rate)))
    if last <= first:
        return np.zeros(0, np.float32)
    raw = audio.raw_data[first * frame_bytes:last * frame_bytes]
    part = np.ascontiguousarray(pcm_to_float(raw, width).reshape(-1, channels)[:, channel])
    return resample(part, rate, WHISPER_RATE).astype(np.float32)
