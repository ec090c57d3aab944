"""Silencing spans by samples: exact zeros inside, untouched bytes outside, same length."""

from __future__ import annotations

import math
import shutil
import stat
import wave
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from pydub import AudioSegment

from ccengine.transcribe.audio import Layout, load_recording
from ccengine.transcribe.redact import (
    frame_ranges,
    redact_file,
    silence_channels,
    silence_spans,
    write_wav_atomic,
)
from ccengine.transcribe.types import TimeSpan

REAL_INTERLEAVED = Path("/work/shared/recordings/refund-card-interleaved.wav")
RATE = 8000


def noise(seconds: float, channels: int, rate: int = RATE, seed: int = 1) -> AudioSegment:
    """Loud noise with no zero sample, so any silenced sample shows."""
    rng = np.random.default_rng(seed)
    samples = rng.integers(1, 20_000, (round(seconds * rate), channels))
    samples *= rng.choice([-1, 1], samples.shape)
    return AudioSegment(data=samples.astype("<i2").tobytes(), sample_width=2, frame_rate=rate,
                        channels=channels)


def frames_of(audio: AudioSegment) -> NDArray[np.int16]:
    return np.frombuffer(audio.raw_data, "<i2").reshape(-1, audio.channels)


def assert_silenced_exactly(before: AudioSegment, after: AudioSegment,
                            spans: list[TimeSpan], padding: float) -> None:
    """Zeros in every channel inside each padded span; identical bytes outside all of them.

    Expected edges are worked out here from the spans (outward rounding allows
    one sample either side), not taken from the code under test.
    """
    assert (after.frame_rate, after.sample_width, after.channels) == (
        before.frame_rate, before.sample_width, before.channels)
    assert len(after.raw_data) == len(before.raw_data)
    old, new = frames_of(before), frames_of(after)
    rate = before.frame_rate
    touched = np.zeros(len(old), bool)
    for span in spans:
        inner_first = max(0, math.ceil((span.start - padding) * rate))
        inner_end = min(len(old), math.floor((span.end + padding) * rate))
        assert not new[inner_first:inner_end].any(), span
        outer_first = max(0, math.floor((span.start - padding) * rate) - 1)
        outer_end = min(len(old), math.ceil((span.end + padding) * rate) + 1)
        touched[outer_first:outer_end] = True
    assert np.array_equal(new[~touched], old[~touched])


@pytest.mark.parametrize("channels", [1, 2])
def test_spans_are_silenced_by_samples(channels: int) -> None:
    audio = noise(10.0, channels)
    spans = [TimeSpan(1.0, 2.0), TimeSpan(5.123, 5.5)]
    silenced = silence_spans(audio, spans, padding=0.25)
    assert_silenced_exactly(audio, silenced, spans, 0.25)
    # 1.5 s and 0.877 s of padded span, to the sample.
    assert np.count_nonzero(~frames_of(silenced).any(axis=1)) == pytest.approx(
        (1.5 + 0.877) * RATE, abs=4)


def test_padding_is_clipped_to_the_recording() -> None:
    audio = noise(3.0, 2)
    spans = [TimeSpan(0.0, 0.1), TimeSpan(2.9, 3.0)]
    silenced = silence_spans(audio, spans, padding=0.5)
    frames = frames_of(silenced)
    assert not frames[:round(0.6 * RATE)].any()
    assert not frames[round(2.4 * RATE):].any()
    assert frames[round(0.7 * RATE):round(2.3 * RATE)].all()
    assert len(silenced.raw_data) == len(audio.raw_data)


def test_overlapping_padded_spans_merge() -> None:
    assert frame_ranges([TimeSpan(2.0, 3.0), TimeSpan(1.0, 1.6), TimeSpan(3.4, 4.0)],
                        0.25, 1000, 10_000) == [(750, 4250)]
    assert frame_ranges([TimeSpan(1.0, 1.2), TimeSpan(2.0, 2.2)], 0.25, 1000, 10_000) == [
        (750, 1450), (1750, 2450)]


def test_spans_beyond_the_end_and_no_padding() -> None:
    audio = noise(2.0, 1)
    assert silence_spans(audio, [TimeSpan(5.0, 6.0)]).raw_data == audio.raw_data
    exact = silence_spans(audio, [TimeSpan(0.5, 1.0)], padding=0.0)
    assert_silenced_exactly(audio, exact, [TimeSpan(0.5, 1.0)], 0.0)
    assert np.count_nonzero(frames_of(exact) == 0) == 4000


def test_bad_padding_or_times_are_refused() -> None:
    audio = noise(1.0, 1)
    with pytest.raises(ValueError, match="padding"):
        silence_spans(audio, [TimeSpan(0.1, 0.2)], padding=-1.0)
    with pytest.raises(ValueError, match="finite"):
        silence_spans(audio, [TimeSpan(0.1, math.nan)])


def test_other_widths_and_rates() -> None:
    rng = np.random.default_rng(5)
    for width, dtype in ((1, np.int8), (4, np.int32)):
        samples = rng.integers(1, 100, 2 * 11_025).astype(dtype)
        audio = AudioSegment(data=samples.tobytes(), sample_width=width, frame_rate=11_025,
                             channels=2)
        silenced = silence_spans(audio, [TimeSpan(0.2, 0.4)], padding=0.1)
        out = np.frombuffer(silenced.raw_data, dtype).reshape(-1, 2)
        assert len(silenced.raw_data) == len(audio.raw_data)
        assert not out[round(0.1 * 11_025) + 1:round(0.5 * 11_025) - 1].any()
        assert out[:round(0.1 * 11_025) - 1].all() and out[round(0.5 * 11_025) + 1:].all()


def write_wav(path: Path, audio: AudioSegment) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(audio.channels)
        out.setsampwidth(audio.sample_width)
        out.setframerate(audio.frame_rate)
        out.writeframes(audio.raw_data)
    return path


@pytest.mark.parametrize("channels", [1, 2])
def test_redact_file_rewrites_in_place(tmp_path: Path, channels: int) -> None:
    path = write_wav(tmp_path / "call.wav", noise(6.0, channels))
    before = load_recording(path)
    spans = [TimeSpan(2.0, 3.0)]
    assert redact_file(before, [spans] * channels) == path
    after = load_recording(path)
    assert after.layout is before.layout
    assert after.duration == before.duration
    assert_silenced_exactly(before.audio, after.audio, spans, 0.25)
    assert [p.name for p in tmp_path.iterdir()] == ["call.wav"]  # no temporary left behind


def test_no_spans_leaves_the_file_alone(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "call.wav", noise(1.0, 1))
    content, modified = path.read_bytes(), path.stat().st_mtime_ns
    assert redact_file(load_recording(path), [[]]) is None
    assert path.read_bytes() == content
    assert path.stat().st_mtime_ns == modified


@pytest.mark.skipif(not REAL_INTERLEAVED.exists(), reason="shared recordings not here")
def test_real_interleaved_file_is_written_back_as_proper_stereo(tmp_path: Path) -> None:
    path = tmp_path / "refund.wav"
    shutil.copyfile(REAL_INTERLEAVED, path)
    before = load_recording(path)
    assert before.layout is Layout.INTERLEAVED
    spans = [TimeSpan(6.0, 11.5), TimeSpan(11.4, 12.0), TimeSpan(20.0, 21.0)]
    redact_file(before, [spans, spans], padding=0.25)
    with wave.open(str(path)) as header:  # the header now tells the truth
        assert (header.getnchannels(), header.getframerate(), header.getsampwidth()) == (
            2, 8000, 2)
        assert header.getnframes() == before.audio.frame_count()
    after = load_recording(path)
    assert after.layout is Layout.STEREO
    assert after.duration == before.duration
    assert_silenced_exactly(before.audio, after.audio, spans, 0.25)
    # There was speech in the caller's span, so the silence is a real change.
    assert frames_of(before.audio)[round(6 * RATE):round(11 * RATE), 0].any()


def test_write_wav_atomic_keeps_permissions_and_replaces(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "call.wav", noise(1.0, 1))
    path.chmod(0o640)
    replacement = noise(0.5, 2, seed=9)
    write_wav_atomic(replacement, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    reread = AudioSegment.from_file(str(path))
    assert reread.raw_data == replacement.raw_data
    assert reread.channels == 2
    assert [p.name for p in tmp_path.iterdir()] == ["call.wav"]


def test_write_wav_atomic_round_trips_8_bit(tmp_path: Path) -> None:
    signed = np.arange(-100, 100, dtype=np.int8)
    audio = AudioSegment(data=signed.tobytes(), sample_width=1, frame_rate=RATE, channels=1)
    path = tmp_path / "eight.wav"
    write_wav_atomic(audio, path)
    assert load_recording(path).audio.raw_data == signed.tobytes()


def test_failed_write_leaves_the_original(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "call.wav", noise(1.0, 1))
    content = path.read_bytes()
    broken = AudioSegment(data=b"\x00" * 10, sample_width=2, frame_rate=RATE, channels=1)
    broken.channels = 0  # wave refuses to write it
    with pytest.raises(wave.Error):
        write_wav_atomic(broken, path)
    assert path.read_bytes() == content
    assert [p.name for p in tmp_path.iterdir()] == ["call.wav"]


def test_each_channel_is_silenced_only_where_its_own_spans_say() -> None:
    audio = noise(4.0, 2)
    caller, agent = [TimeSpan(0.5, 1.0)], [TimeSpan(2.0, 2.5), TimeSpan(3.9, 5.0)]
    after = silence_channels(audio, [caller, agent], padding=0.1)
    for index, spans in enumerate([caller, agent]):
        one_channel = [AudioSegment(data=np.ascontiguousarray(frames_of(a)[:, index]).tobytes(),
                                    sample_width=2, frame_rate=RATE, channels=1)
                       for a in (audio, after)]
        assert_silenced_exactly(*one_channel, spans, 0.1)


def test_span_lists_must_match_the_channels() -> None:
    with pytest.raises(ValueError, match="2 span lists for 1 channel"):
        silence_channels(noise(1.0, 1), [[], []])
