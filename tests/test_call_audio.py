"""Synthetic call recordings: speech where the utterances say, music where asked."""

from __future__ import annotations

import time
import wave
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from ccengine.simulator.recordings import (
    MissingProgram,
    Utterance,
    hold_tune,
    synthesize_call,
)
from ccengine.transcribe.audio import Layout, load_recording
from ccengine.transcribe.types import Speaker, TimeSpan

RATE = 8000
CALL = [
    Utterance(Speaker.CALLER, "Hi, I am calling about my refund for order two four seven.", 0.5),
    Utterance(Speaker.AGENT, "Thank you. I can see the order.", 9.5),
]
MUSIC = TimeSpan(5.0, 8.0)


def samples_of(path: Path) -> tuple[NDArray[np.float64], int, int]:
    """Samples (frames × header channels), header channel count and rate, as written."""
    with wave.open(str(path)) as reader:
        channels, rate = reader.getnchannels(), reader.getframerate()
        assert reader.getsampwidth() == 2
        raw = reader.readframes(reader.getnframes())
    frames = np.frombuffer(raw, "<i2").astype(np.float64).reshape(-1, channels) / 32768
    return frames, channels, rate


def rms(track: NDArray[np.float64], start: float, end: float, rate: int = RATE) -> float:
    window = track[round(start * rate):round(end * rate)]
    return float(np.sqrt(np.mean(window**2)))


@pytest.fixture(scope="module")
def stereo_call(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[TimeSpan, ...]]:
    path = tmp_path_factory.mktemp("call") / "stereo.wav"
    spans = synthesize_call(CALL, path, layout=Layout.STEREO, hold_music=[MUSIC], total=14.0)
    return path, spans


def test_spans_say_where_the_speech_is(stereo_call: tuple[Path, tuple[TimeSpan, ...]]) -> None:
    _path, spans = stereo_call
    assert len(spans) == 2
    for utterance, span in zip(CALL, spans, strict=True):
        assert span.start == utterance.at
        assert 1.0 < span.seconds < 6.0
    assert spans[0].end < MUSIC.start  # the test call is laid out without overlaps


def test_stereo_call_has_each_side_on_its_channel(
        stereo_call: tuple[Path, tuple[TimeSpan, ...]]) -> None:
    path, spans = stereo_call
    frames, channels, rate = samples_of(path)
    assert (channels, rate) == (2, RATE)
    assert len(frames) == 14 * RATE
    caller, agent = frames[:, 0], frames[:, 1]
    caller_span, agent_span = spans
    assert rms(caller, caller_span.start, caller_span.end) > 0.05
    assert rms(agent, caller_span.start, caller_span.end) == 0.0
    assert rms(agent, agent_span.start, agent_span.end) > 0.05
    assert rms(caller, agent_span.start, agent_span.end) == 0.0
    # Digital silence before the first word and between speech and music.
    assert not frames[:round(0.5 * RATE)].any()
    assert not frames[round((caller_span.end + 0.01) * RATE):round(MUSIC.start * RATE)].any()
    # The spans are tight: speech right at both edges.
    assert rms(caller, caller_span.start, caller_span.start + 0.05) > 0.0
    assert rms(caller, caller_span.end - 0.05, caller_span.end) > 0.0


def test_hold_music_is_on_the_agent_side_and_tonal(
        stereo_call: tuple[Path, tuple[TimeSpan, ...]]) -> None:
    path, _spans = stereo_call
    frames, _channels, _rate = samples_of(path)
    caller, agent = frames[:, 0], frames[:, 1]
    assert rms(agent, MUSIC.start, MUSIC.end) > 0.03
    assert rms(caller, MUSIC.start, MUSIC.end) == 0.0
    assert not agent[round((MUSIC.end + 0.01) * RATE):round(9.5 * RATE)].any()
    # Music, not speech: one second holds a chord, nearly all energy in three tones.
    second = agent[round(5.0 * RATE):round(6.0 * RATE)]
    power = np.abs(np.fft.rfft(second)) ** 2
    peaks = np.argsort(power)[-3:]  # 1 Hz bins
    assert sorted(int(p) for p in peaks) == [262, 330, 392]
    near_peaks = sum(power[max(0, p - 3):p + 4].sum() for p in peaks)
    assert near_peaks / power.sum() > 0.95


def test_mono_call_mixes_both_sides(tmp_path: Path) -> None:
    path = tmp_path / "mono.wav"
    spans = synthesize_call(CALL, path, layout=Layout.MONO, hold_music=[MUSIC])
    frames, channels, rate = samples_of(path)
    assert (channels, rate) == (1, RATE)
    mixed = frames[:, 0]
    for span in (*spans, MUSIC):
        assert rms(mixed, span.start, span.end) > 0.03
    assert len(mixed) == round((spans[-1].end + 0.5) * RATE)  # default: a short tail
    assert load_recording(path).layout is Layout.MONO


def test_interleaved_call_reproduces_mixmonitors_header(
        tmp_path: Path, stereo_call: tuple[Path, tuple[TimeSpan, ...]]) -> None:
    path = tmp_path / "interleaved.wav"
    synthesize_call(CALL, path, layout=Layout.INTERLEAVED, hold_music=[MUSIC], total=14.0)
    frames, channels, rate = samples_of(path)
    assert (channels, rate) == (1, RATE)  # the header says mono…
    assert len(frames) == 2 * 14 * RATE  # …and so twice the call's length
    stereo, _channels, _rate = samples_of(stereo_call[0])
    assert np.array_equal(frames[:, 0], stereo.reshape(-1))
    recording = load_recording(path)
    assert recording.layout is Layout.INTERLEAVED
    assert recording.duration == pytest.approx(14.0)


def test_polish_and_other_rates(tmp_path: Path) -> None:
    path = tmp_path / "pl.wav"
    line = Utterance(Speaker.CALLER, "Dzień dobry, dzwonię w sprawie zwrotu pieniędzy.", 0.2)
    (span,) = synthesize_call([line], path, language="pl", layout=Layout.MONO, rate=16_000)
    frames, _channels, rate = samples_of(path)
    assert rate == 16_000
    assert rms(frames[:, 0], span.start, span.end, rate) > 0.05


def test_a_60_second_call_is_quick(tmp_path: Path) -> None:
    lines = [Utterance(Speaker.CALLER if i % 2 == 0 else Speaker.AGENT,
                       f"This is sentence number {i} of a longer test call.", 6.0 * i)
             for i in range(9)]
    started = time.perf_counter()
    synthesize_call(lines, tmp_path / "long.wav", hold_music=[TimeSpan(55.0, 59.0)], total=60.0)
    elapsed = time.perf_counter() - started
    # Faster than real time on any machine; the figure itself (under 2 s when idle) is
    # load-dependent, so only a runaway cost fails here.
    assert elapsed < 60.0, f"60 s call took {elapsed:.2f} s"
    assert load_recording(tmp_path / "long.wav").duration == pytest.approx(60.0)


def test_same_call_same_file(tmp_path: Path) -> None:
    synthesize_call(CALL, tmp_path / "a.wav", hold_music=[MUSIC])
    synthesize_call(CALL, tmp_path / "b.wav", hold_music=[MUSIC])
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()


def test_hold_tune_level_and_length() -> None:
    tune = hold_tune(2.5, RATE)
    assert tune.size == 20_000
    assert 0.05 < float(np.abs(tune).max()) <= 0.12


def test_bad_requests_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.wav"
    with pytest.raises(ValueError, match="shorter"):
        synthesize_call(CALL, path, total=3.0)
    with pytest.raises(ValueError, match="caller or the agent"):
        synthesize_call([Utterance(Speaker.MIXED, "hello", 0.0)], path)
    with pytest.raises(ValueError, match="nothing to say"):
        synthesize_call([Utterance(Speaker.CALLER, "  ", 0.0)], path)
    with pytest.raises(ValueError, match="voice"):
        synthesize_call(CALL, path, language="xx")
    assert not path.exists()


def test_missing_programs_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing to find there
    with pytest.raises(MissingProgram, match="espeak-ng") as caught:
        synthesize_call(CALL, tmp_path / "call.wav")
    assert "scripts/ensure-system-packages.sh" in str(caught.value)
