"""Silencing spans of a recording (spoken card numbers, PESELs) in place.

Cutting is done on samples: each padded span is replaced by digital silence of
exactly the same number of frames, in every channel. ffmpeg's volume filter is
not used on purpose: it works per audio frame and leaks about 100 ms around a
span's edges. The rewritten file has the same rate, width, channels and length.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
from pydub import AudioSegment

from ccengine.transcribe.audio import Recording
from ccengine.transcribe.types import TimeSpan


def silence_spans(audio: AudioSegment, spans: Sequence[TimeSpan],
                  padding: float = 0.25) -> AudioSegment:
    """``audio`` with every span, widened by ``padding`` on both sides, made silent
    in every channel."""
    return silence_channels(audio, [spans] * int(audio.channels), padding)


def silence_channels(audio: AudioSegment, spans: Sequence[Sequence[TimeSpan]],
                     padding: float = 0.25) -> AudioSegment:
    """``audio`` with ``spans[i]`` (padded) made silent in channel ``i`` only.

    The other side of a call keeps its words while one side reads a number.
    """
    if len(spans) != audio.channels:
        raise ValueError(f"{len(spans)} span lists for {audio.channels} channel(s)")
    width, channels = int(audio.sample_width), int(audio.channels)
    frame_count = len(audio.raw_data) // (width * channels)
    samples = np.frombuffer(audio.raw_data, np.uint8)[:frame_count * width * channels].copy()
    by_channel = samples.reshape(frame_count, channels, width)
    for channel, channel_spans in enumerate(spans):
        for first, end in frame_ranges(channel_spans, padding, int(audio.frame_rate),
                                       frame_count):
            by_channel[first:end, channel, :] = 0  # pydub keeps samples signed: 0 is silence
    return AudioSegment(data=samples.tobytes(), sample_width=width,
                        frame_rate=audio.frame_rate, channels=channels)


def frame_ranges(spans: Sequence[TimeSpan], padding: float, rate: int,
                 frame_count: int) -> list[tuple[int, int]]:
    """Padded spans as sorted, merged [first, end) frame ranges within the audio.

    Edges round outwards: a sample that is partly inside a span is silenced.
    """
    if padding < 0 or not math.isfinite(padding):
        raise ValueError(f"padding must be a non-negative number of seconds, not {padding}")
    ranges: list[tuple[int, int]] = []
    for span in spans:
        if not (math.isfinite(span.start) and math.isfinite(span.end)):
            raise ValueError(f"span times must be finite, not {span}")
        first = max(0, math.floor((span.start - padding) * rate))
        end = min(frame_count, math.ceil((span.end + padding) * rate))
        if end > first:
            ranges.append((first, end))
    merged: list[tuple[int, int]] = []
    for first, end in sorted(ranges):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((first, end))
    return merged


def write_wav_atomic(audio: AudioSegment, path: Path) -> None:
    """Write ``audio`` as a PCM WAV at ``path`` so that readers see the old file or the new.

    A temporary file in the same directory is written, flushed to disk and
    renamed over ``path``; the original's permissions are kept.
    """
    path = Path(path)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as out:
            _write_wav(audio, out)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_directory(path.parent)


def _write_wav(audio: AudioSegment, out: BinaryIO) -> None:
    data = audio.raw_data
    if audio.sample_width == 1:  # pydub's 8-bit samples are signed, WAV's unsigned
        data = (np.frombuffer(data, np.int8).astype(np.int16) + 128).astype(np.uint8).tobytes()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(audio.channels)
        writer.setsampwidth(audio.sample_width)
        writer.setframerate(audio.frame_rate)
        writer.writeframes(data)


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX; other systems have no directory fds)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def redact_file(recording: Recording, spans: Sequence[Sequence[TimeSpan]],
                padding: float = 0.25) -> Path | None:
    """Silence ``spans[i]`` in channel ``i`` and rewrite the recording's file in place.

    An interleaved recording is written back as a proper 2-channel WAV, header
    included. Returns the path, or None when there was nothing to silence (the
    file is then left untouched).
    """
    if not any(spans):
        return None
    write_wav_atomic(silence_channels(recording.audio, spans, padding), recording.path)
    return recording.path
