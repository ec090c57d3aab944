"""Loading call recordings: the real MixMonitor files, synthetic calls, broken files."""

from __future__ import annotations

import shutil
import struct
import wave
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from pydub import AudioSegment

from ccengine.simulator.recordings import Utterance, synthesize_call
from ccengine.transcribe.audio import (
    AudioError,
    Layout,
    load_recording,
    looks_interleaved,
    normalised_autocorrelation,
)
from ccengine.transcribe.types import Speaker

RECORDINGS = Path("/work/shared/recordings")
REAL_MONO = RECORDINGS / "refund-card-mono.wav"
REAL_INTERLEAVED = RECORDINGS / "refund-card-interleaved.wav"
REAL_SECONDS = 25.14
needs_real = pytest.mark.skipif(not REAL_INTERLEAVED.exists(),
                                reason="the shared Asterisk recordings are not on this machine")

CALLER_LINE = Utterance(Speaker.CALLER, "Hello, I am calling about the refund for my order.", 0.5)
AGENT_LINE = Utterance(Speaker.AGENT, "Thank you. Your refund will be processed today.", 4.5)


def window_rms(samples: NDArray[np.float32], rate: int, start: float, end: float) -> float:
    window = samples[round(start * rate):round(end * rate)].astype(np.float64)
    return float(np.sqrt(np.mean(window**2))) if window.size else 0.0


def channel_samples(path: Path, layout: str = "auto") -> list[NDArray[np.float32]]:
    return [channel.whisper_samples() for channel in load_recording(path, layout).channels]


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> dict[Layout, Path]:
    """The same two-sided call in every layout, synthesised once."""
    folder = tmp_path_factory.mktemp("calls")
    paths = {}
    for layout in Layout:
        paths[layout] = folder / f"call-{layout}.wav"
        synthesize_call([CALLER_LINE, AGENT_LINE], paths[layout], layout=layout, total=9.0)
    return paths


# --- the real MixMonitor recordings ------------------------------------------------


@needs_real
def test_real_mono_file_is_one_mixed_channel() -> None:
    recording = load_recording(REAL_MONO)
    assert recording.layout is Layout.MONO
    assert [channel.speaker for channel in recording.channels] == [Speaker.MIXED]
    assert recording.duration == pytest.approx(REAL_SECONDS, abs=0.01)
    assert recording.audio.frame_rate == 8000
    assert recording.audio.channels == 1


@needs_real
def test_real_interleaved_file_is_detected_despite_its_mono_header() -> None:
    with wave.open(str(REAL_INTERLEAVED)) as header:
        assert header.getnchannels() == 1  # the header lies: it says 50 s of mono
    recording = load_recording(REAL_INTERLEAVED)
    assert recording.layout is Layout.INTERLEAVED
    assert recording.audio.channels == 2
    assert recording.duration == pytest.approx(REAL_SECONDS, abs=0.01)
    assert [channel.speaker for channel in recording.channels] == [Speaker.CALLER, Speaker.AGENT]
    for channel in recording.channels:
        assert channel.audio.channels == 1
        assert channel.audio.frame_count() == pytest.approx(REAL_SECONDS * 8000, abs=1)


@needs_real
def test_real_interleaved_channels_carry_each_side() -> None:
    caller, agent = channel_samples(REAL_INTERLEAVED)
    rate = 16_000
    # The caller speaks from about 3 s to about 16 s, then that channel is silent.
    for start in np.arange(3.0, 12.0, 0.5):
        assert window_rms(caller, rate, start, start + 0.5) > 0.02, start
    assert window_rms(caller, rate, 18.0, 25.0) < 0.001
    assert window_rms(caller, rate, 0.0, 1.0) < 0.001
    # The agent channel is what the caller hears (the queue's music, then the
    # agent): it has sound from 14 s on while the caller's side is quiet after 17 s.
    for start in np.arange(14.0, 25.0, 0.5):
        assert window_rms(agent, rate, start, start + 0.5) > 0.02, start
    assert window_rms(agent, rate, 20.0, 25.0) > 20 * window_rms(caller, rate, 20.0, 25.0)


@needs_real
def test_the_two_real_files_hold_the_same_call() -> None:
    """The mono file is the sum of the interleaved file's two channels."""
    mixed = channel_samples(REAL_MONO)[0].astype(np.float64)
    caller, agent = (samples.astype(np.float64) for samples in channel_samples(REAL_INTERLEAVED))
    assert np.corrcoef(mixed, caller + agent)[0, 1] > 0.999


@needs_real
def test_autocorrelation_of_the_real_files() -> None:
    def raw(path: Path) -> NDArray[np.float64]:
        return np.frombuffer(path.read_bytes()[44:], "<i2").astype(np.float64) / 32768

    mono_lag1, mono_lag2 = normalised_autocorrelation(raw(REAL_MONO))
    both_lag1, both_lag2 = normalised_autocorrelation(raw(REAL_INTERLEAVED))
    assert mono_lag1 > 0.7 and mono_lag1 > mono_lag2
    assert abs(both_lag1) < 0.01 and both_lag2 > 0.7


@needs_real
def test_caller_channel_two_swaps_the_speakers() -> None:
    recording = load_recording(REAL_INTERLEAVED, caller_channel=2)
    assert [channel.speaker for channel in recording.channels] == [Speaker.AGENT, Speaker.CALLER]
    # File order is kept: the first channel is still the one that speaks at 3–12 s.
    first = recording.channels[0].whisper_samples()
    assert window_rms(first, 16_000, 3.0, 12.0) > 0.02


@needs_real
def test_forced_mono_reads_the_interleaved_file_as_its_header_says() -> None:
    recording = load_recording(REAL_INTERLEAVED, "mono")
    assert recording.layout is Layout.MONO
    assert recording.duration == pytest.approx(2 * REAL_SECONDS, abs=0.01)


@needs_real
def test_forced_interleaved_splits_a_mono_file() -> None:
    recording = load_recording(REAL_MONO, "interleaved")
    assert recording.layout is Layout.INTERLEAVED
    assert len(recording.channels) == 2
    assert recording.duration == pytest.approx(REAL_SECONDS / 2, abs=0.01)


@needs_real
def test_whisper_samples_are_float32_at_16_khz() -> None:
    recording = load_recording(REAL_INTERLEAVED)
    for channel in recording.channels:
        samples = channel.whisper_samples()
        assert samples.dtype == np.float32
        assert samples.ndim == 1
        assert samples.size == pytest.approx(recording.duration * 16_000, abs=2)
        assert float(np.abs(samples).max()) <= 1.0
    assert float(np.abs(recording.channels[0].whisper_samples()).max()) > 0.1


# --- synthetic calls ----------------------------------------------------------------


def test_synthetic_stereo_is_stereo(synthetic: dict[Layout, Path]) -> None:
    recording = load_recording(synthetic[Layout.STEREO])
    assert recording.layout is Layout.STEREO
    assert recording.duration == pytest.approx(9.0, abs=0.001)
    caller, agent = (channel.whisper_samples() for channel in recording.channels)
    assert window_rms(caller, 16_000, 0.5, 3.0) > 0.02
    assert window_rms(agent, 16_000, 0.5, 3.0) < 0.001


def test_synthetic_interleaved_is_detected(synthetic: dict[Layout, Path]) -> None:
    with wave.open(str(synthetic[Layout.INTERLEAVED])) as header:
        assert header.getnchannels() == 1
    recording = load_recording(synthetic[Layout.INTERLEAVED])
    assert recording.layout is Layout.INTERLEAVED
    assert recording.duration == pytest.approx(9.0, abs=0.001)
    stereo = load_recording(synthetic[Layout.STEREO])
    assert recording.audio.raw_data == stereo.audio.raw_data


def test_synthetic_mono_speech_stays_mono(synthetic: dict[Layout, Path]) -> None:
    recording = load_recording(synthetic[Layout.MONO])
    assert recording.layout is Layout.MONO
    assert recording.duration == pytest.approx(9.0, abs=0.001)
    mixed = recording.channels[0].whisper_samples()
    assert window_rms(mixed, 16_000, 0.5, 3.0) > 0.02
    assert window_rms(mixed, 16_000, 5.0, 7.0) > 0.02


def test_cross_talk_is_still_interleaved(tmp_path: Path) -> None:
    path = tmp_path / "overlap.wav"
    both_at_once = [CALLER_LINE, Utterance(Speaker.AGENT, AGENT_LINE.text, CALLER_LINE.at)]
    synthesize_call(both_at_once, path, layout=Layout.INTERLEAVED)
    assert load_recording(path).layout is Layout.INTERLEAVED


@pytest.mark.parametrize("rate", [16_000, 44_100])
def test_other_rates_are_detected_too(tmp_path: Path, rate: int) -> None:
    for layout in (Layout.MONO, Layout.INTERLEAVED):
        path = tmp_path / f"{layout}.wav"
        synthesize_call([CALLER_LINE, AGENT_LINE], path, layout=layout, rate=rate)
        recording = load_recording(path)
        assert recording.layout is layout
        assert recording.audio.frame_rate == rate
        samples = recording.channels[0].whisper_samples()
        assert samples.size == pytest.approx(recording.duration * 16_000, abs=2)


def write_mono(path: Path, samples: NDArray[np.int16], rate: int = 8000) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.astype("<i2").tobytes())
    return path


def test_silence_only_mono_stays_mono(tmp_path: Path) -> None:
    silent = load_recording(write_mono(tmp_path / "silent.wav", np.zeros(80_000, np.int16)))
    assert silent.layout is Layout.MONO
    assert silent.duration == pytest.approx(10.0)


def test_dither_and_noise_stay_mono(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    dither = rng.integers(-1, 2, 80_000).astype(np.int16)
    noise = rng.normal(0, 300, 80_000).astype(np.int16)
    assert load_recording(write_mono(tmp_path / "dither.wav", dither)).layout is Layout.MONO
    assert load_recording(write_mono(tmp_path / "noise.wav", noise)).layout is Layout.MONO


def test_tones_stay_mono_even_near_nyquist() -> None:
    t = np.arange(40_000) / 8000
    for frequency in (440.0, 3_900.0):
        assert not looks_interleaved(0.2 * np.sin(2 * np.pi * frequency * t))
    music_on_one_side = np.zeros(80_000)
    music_on_one_side[1::2] = 0.2 * np.sin(2 * np.pi * 440.0 * t)
    assert looks_interleaved(music_on_one_side)


def test_forced_layouts_on_a_stereo_file(synthetic: dict[Layout, Path]) -> None:
    path = synthetic[Layout.STEREO]
    assert load_recording(path, "stereo").layout is Layout.STEREO
    # A true 2-channel header has nothing to undo.
    assert load_recording(path, "interleaved").layout is Layout.STEREO
    mixed = load_recording(path, "mono")
    assert mixed.layout is Layout.MONO
    assert mixed.audio.channels == 1
    assert [channel.speaker for channel in mixed.channels] == [Speaker.MIXED]
    assert mixed.duration == pytest.approx(9.0, abs=0.001)


def test_forced_stereo_on_a_mono_header_is_refused(synthetic: dict[Layout, Path]) -> None:
    with pytest.raises(ValueError, match="interleaved"):
        load_recording(synthetic[Layout.INTERLEAVED], "stereo")


def test_bad_arguments_are_refused(synthetic: dict[Layout, Path]) -> None:
    with pytest.raises(ValueError, match="layout"):
        load_recording(synthetic[Layout.MONO], "quad")
    with pytest.raises(ValueError, match="caller_channel"):
        load_recording(synthetic[Layout.STEREO], caller_channel=3)


def test_wav_with_a_list_chunk_before_data(tmp_path: Path) -> None:
    """Headers are parsed chunk by chunk, not assumed to be 44 bytes."""
    samples = np.column_stack((np.full(8000, 1000), np.full(8000, -2000))).astype("<i2")
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    info = b"INFOISFT" + struct.pack("<I", 5) + b"test\x00\x00"  # odd size, padded
    data = samples.tobytes()
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + b"LIST" + struct.pack("<I", len(info)) + info
            + b"data" + struct.pack("<I", len(data)) + data)
    path = tmp_path / "list.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    recording = load_recording(path, "interleaved")
    caller, agent = (np.frombuffer(c.audio.raw_data, "<i2") for c in recording.channels)
    assert caller.tolist() == [1000] * 8000
    assert agent.tolist() == [-2000] * 8000


def test_other_formats_go_through_ffmpeg(tmp_path: Path, synthetic: dict[Layout, Path]) -> None:
    flac = tmp_path / "call.flac"
    shutil.copyfile(synthetic[Layout.STEREO], tmp_path / "source.wav")
    AudioSegment.from_file(str(tmp_path / "source.wav")).export(str(flac), format="flac")
    recording = load_recording(flac)
    assert recording.layout is Layout.STEREO
    assert recording.audio.raw_data == load_recording(synthetic[Layout.STEREO]).audio.raw_data


# --- broken files -------------------------------------------------------------------


def reason_of(path: Path) -> AudioError:
    with pytest.raises(AudioError) as caught:
        load_recording(path)
    assert path.name in str(caught.value)
    return caught.value


def test_missing_file(tmp_path: Path) -> None:
    assert reason_of(tmp_path / "gone.wav").reason == "missing"


def test_zero_bytes(tmp_path: Path) -> None:
    path = tmp_path / "zero.wav"
    path.write_bytes(b"")
    assert reason_of(path).reason == "empty"


def test_header_only_wav(tmp_path: Path) -> None:
    assert reason_of(write_mono(tmp_path / "header.wav", np.zeros(0, np.int16))).reason == "empty"


@needs_real
def test_header_of_a_real_file_without_its_data(tmp_path: Path) -> None:
    path = tmp_path / "cut-after-header.wav"
    path.write_bytes(REAL_MONO.read_bytes()[:44])
    error = reason_of(path)
    assert error.reason == "empty"
    assert "promises" in str(error)


def test_text_file_named_wav(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("Call the customer back about order 247.\n" * 20)
    error = reason_of(path)
    assert error.reason == "unreadable"
    assert "order" not in str(error)  # nothing of the file's content is quoted
    assert "\n" not in str(error)  # ffmpeg's short reason only, not its whole output


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.wav"
    path.write_bytes(np.random.default_rng(3).integers(0, 256, 20_000, np.uint8).tobytes())
    assert reason_of(path).reason == "unreadable"


def test_riff_header_cut_inside_fmt(tmp_path: Path) -> None:
    path = tmp_path / "cut-header.wav"
    path.write_bytes(write_mono(tmp_path / "whole.wav", np.ones(800, np.int16)).read_bytes()[:30])
    assert reason_of(path).reason == "truncated"


@needs_real
@pytest.mark.parametrize("source", [REAL_MONO, REAL_INTERLEAVED])
def test_truncated_wav_still_loads_what_is_there(tmp_path: Path, source: Path) -> None:
    whole = load_recording(source)
    path = tmp_path / "half.wav"
    path.write_bytes(source.read_bytes()[:len(source.read_bytes()) // 2 + 1])  # odd cut
    half = load_recording(path)
    assert half.layout is whole.layout
    assert half.duration >= whole.duration / 2 - 0.01
    assert half.duration < whole.duration
    assert whole.audio.raw_data.startswith(half.audio.raw_data)


@needs_real
def test_truncated_to_almost_nothing(tmp_path: Path) -> None:
    path = tmp_path / "stub.wav"
    path.write_bytes(REAL_MONO.read_bytes()[:44 + 800])  # 50 ms of a 25 s recording
    error = reason_of(path)
    assert error.reason == "truncated"


def test_recording_still_being_written(tmp_path: Path) -> None:
    """Asterisk leaves the data size 0 until it closes the file; the samples count."""
    path = write_mono(tmp_path / "live.wav", np.full(4000, 500, np.int16))
    raw = bytearray(path.read_bytes())
    raw[40:44] = struct.pack("<I", 0)
    path.write_bytes(bytes(raw))
    recording = load_recording(path)
    assert recording.duration == pytest.approx(0.5)
