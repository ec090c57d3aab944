"""Model resolution and transcription with a real Whisper model on real (synthesised) speech."""

from __future__ import annotations

import dataclasses
import itertools
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from ccengine.transcribe.models import (
    PACKAGED_MODELS,
    REQUIRED_FILES,
    ModelError,
    PackagedModel,
    join_parts,
    resolve_model,
)
from ccengine.transcribe.types import AsrSegment
from ccengine.transcribe.whisper import (
    SAMPLE_RATE,
    Transcriber,
    TranscriptionError,
    WhisperSettings,
)

Audio = npt.NDArray[np.float32]
SENTENCE = "Hello, I am calling about my refund for order two four seven."
BASE_PACKAGES = PACKAGED_MODELS["base"].packages


def _text(segments: list[AsrSegment]) -> str:
    return "".join(segment.text for segment in segments)


def _silence(seconds: float) -> Audio:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


# --- resolving models ---------------------------------------------------------------


def test_tiny_en_resolves_to_the_packaged_directory(tmp_path: Path) -> None:
    directory = resolve_model("tiny.en", tmp_path)
    assert all((directory / name).is_file() for name in REQUIRED_FILES)
    assert not any(tmp_path.iterdir())  # a whole model in one package is used in place


def test_directory_without_tokenizer_names_the_missing_file(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"weights")
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelError, match=r"lacks tokenizer\.json \("):  # and nothing else
        resolve_model(str(tmp_path), tmp_path / "cache")


def test_missing_directory_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        resolve_model(str(tmp_path / "nowhere"), tmp_path)


def test_unknown_name_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="'large-v9'") as raised:
        resolve_model("large-v9", tmp_path)
    message = str(raised.value)
    assert "tiny.en" in message and "models-base" in message and "directory" in message


def test_small_is_refused_with_a_way_out(tmp_path: Path) -> None:
    # Installed or not, PyPI's "small" parts are truncated: the answer is a local directory.
    with pytest.raises(ModelError, match="not available offline from PyPI") as raised:
        resolve_model("small", tmp_path)
    assert "ct2-transformers-converter" in str(raised.value)


# --- joining split models -------------------------------------------------------------


def _parts(directory: Path, *contents: bytes) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, content in enumerate(contents, start=1):
        path = directory / f"model.bin.part{number}"
        path.write_bytes(content)
        paths.append(path)
    return paths


def test_join_concatenates_once(tmp_path: Path) -> None:
    parts = _parts(tmp_path / "parts", b"first-", b"second")
    target = tmp_path / "model" / "model.bin"
    join_parts(parts, target)
    assert target.read_bytes() == b"first-second"
    inode = target.stat().st_ino
    join_parts(parts, target)
    assert target.stat().st_ino == inode  # already complete: not written again
    assert [path.name for path in target.parent.iterdir()] == ["model.bin"]


def test_join_replaces_a_truncated_model_and_ignores_leftover_temp_files(tmp_path: Path) -> None:
    parts = _parts(tmp_path / "parts", b"a" * 1000, b"b" * 500)
    target = tmp_path / "model" / "model.bin"
    target.parent.mkdir()
    target.write_bytes(b"a" * 700)  # what a non-atomic writer leaves after a crash
    leftover = target.parent / ".model.bin.crashed.tmp"
    leftover.write_bytes(b"a" * 300)  # and a temp file of an earlier crashed join
    old = os.path.getmtime(leftover) - 3600
    os.utime(leftover, (old, old))
    join_parts(parts, target)
    assert target.read_bytes() == b"a" * 1000 + b"b" * 500
    assert not leftover.exists()  # stale temp files are cleaned up after a join


def test_failed_join_leaves_no_model_and_no_temp_file(tmp_path: Path) -> None:
    unreadable_part = tmp_path / "parts" / "model.bin.part2"
    unreadable_part.mkdir(parents=True)  # stat() works, open() fails mid-join
    parts = [*_parts(tmp_path / "parts", b"first"), unreadable_part]
    target = tmp_path / "model" / "model.bin"
    with pytest.raises(IsADirectoryError):
        join_parts(parts, target)
    assert list(target.parent.iterdir()) == []


@pytest.fixture
def fake_split_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Two importable packages holding a split model, registered as "fake".

    Yields the second package's data folder, where the tests put config and tokenizer.
    Names are unique per test: an imported package stays in sys.modules.
    """
    root = tmp_path / "site"
    names = tuple(f"ccengine_fake_{uuid.uuid4().hex}_{number}" for number in (1, 2))
    for number, name in enumerate(names, start=1):
        data = root / name / "data"
        data.mkdir(parents=True)
        (data.parent / "__init__.py").write_text("")
        (data / f"model.bin.part{number}").write_bytes(bytes([number]) * 600)
    monkeypatch.syspath_prepend(str(root))
    model = PackagedModel("fake", names, "data", 1000, "install the fake packages")
    monkeypatch.setitem(PACKAGED_MODELS, "fake", model)
    yield root / names[1] / "data"


def test_split_model_without_tokenizer_is_refused(
    fake_split_model: Path, tmp_path: Path
) -> None:
    (fake_split_model / "config.json").write_text("{}")
    with pytest.raises(ModelError, match=r"lack tokenizer\.json; install the fake packages"):
        resolve_model("fake", tmp_path / "cache")


def test_truncated_split_model_is_refused(fake_split_model: Path, tmp_path: Path) -> None:
    for name in ("config.json", "tokenizer.json"):
        (fake_split_model / name).write_text("{}")
    PACKAGED_MODELS["fake"] = dataclasses.replace(PACKAGED_MODELS["fake"], min_model_bytes=5000)
    with pytest.raises(ModelError, match="truncated upload"):
        resolve_model("fake", tmp_path / "cache")


def test_split_model_is_assembled_in_the_cache(fake_split_model: Path, tmp_path: Path) -> None:
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        (fake_split_model / name).write_text(name)
    directory = resolve_model("fake", tmp_path / "cache")
    assert directory == tmp_path / "cache" / "fake"
    assert (directory / "model.bin").read_bytes() == b"\x01" * 600 + b"\x02" * 600
    assert (directory / "vocabulary.json").read_text() == "vocabulary.json"
    assert resolve_model("fake", tmp_path / "cache") == directory


# --- transcribing ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Audio:
    """The test sentence spoken by espeak-ng, as 16 kHz mono float32."""
    from faster_whisper import decode_audio

    espeak = shutil.which("espeak-ng")
    assert espeak, "espeak-ng is required (scripts/ensure-system-packages.sh installs it)"
    wav = tmp_path_factory.mktemp("speech") / "refund.wav"
    subprocess.run([espeak, "-v", "en", "-w", str(wav), SENTENCE], check=True)
    audio: Audio = decode_audio(str(wav), sampling_rate=SAMPLE_RATE)
    return audio


@pytest.fixture(scope="module")
def tiny_settings(tmp_path_factory: pytest.TempPathFactory) -> WhisperSettings:
    return WhisperSettings(model="tiny.en", language="en",
                           cache_dir=tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def transcriber(tiny_settings: WhisperSettings) -> Transcriber:
    return Transcriber.load(tiny_settings)


def test_transcribes_speech_with_ordered_word_timestamps(
    transcriber: Transcriber, speech: Audio
) -> None:
    segments = transcriber.transcribe(speech, vad=False)
    assert "refund" in _text(segments).lower()
    words = [word for segment in segments for word in segment.words]
    assert len(words) >= 8
    duration = speech.size / SAMPLE_RATE
    for earlier, later in itertools.pairwise(words):
        assert earlier.start <= later.start
    assert all(0 <= word.start <= word.end <= duration + 0.1 for word in words)
    assert all(0 < word.probability <= 1 for word in words)
    assert all(type(word.start) is float for word in words)


def test_vad_skips_leading_silence_and_keeps_the_timeline(
    transcriber: Transcriber, speech: Audio
) -> None:
    segments = transcriber.transcribe(np.concatenate([_silence(10), speech]), vad=True)
    assert "refund" in _text(segments).lower()
    assert segments[0].words[0].start > 9.0


async def test_transcribe_async_matches_transcribe(
    transcriber: Transcriber, speech: Audio
) -> None:
    assert await transcriber.transcribe_async(speech) == transcriber.transcribe(speech)


def test_empty_audio_gives_no_segments(transcriber: Transcriber) -> None:
    assert transcriber.transcribe(_silence(0)) == []


@pytest.mark.parametrize("samples", [np.zeros((2, 1600), dtype=np.float32),
                                     np.zeros(1600, dtype=np.int16)])
def test_wrong_audio_is_an_audio_error(transcriber: Transcriber, samples: Audio) -> None:
    with pytest.raises(TranscriptionError) as raised:
        transcriber.transcribe(samples)
    assert raised.value.reason == "audio"


@pytest.mark.parametrize("vad", [True, False])
def test_batched_transcription(tiny_settings: WhisperSettings, speech: Audio, vad: bool) -> None:
    batched = Transcriber.load(dataclasses.replace(tiny_settings, batch_size=4))
    # Over 30 s: without VAD the batched pipeline needs the windows we cut ourselves.
    audio = np.concatenate([speech, _silence(30), speech])
    segments = batched.transcribe(audio, vad=vad)
    assert _text(segments).lower().count("refund") == 2
    assert segments[-1].words[0].start > 30.0


def test_english_only_model_refuses_another_language(tiny_settings: WhisperSettings) -> None:
    with pytest.raises(ModelError, match=r"'tiny\.en' with language 'pl'"):
        Transcriber.load(dataclasses.replace(tiny_settings, language="pl"))


def test_corrupt_model_is_a_model_error(tiny_settings: WhisperSettings, tmp_path: Path) -> None:
    source = resolve_model("tiny.en", tmp_path)
    for name in ("config.json", "tokenizer.json"):
        shutil.copy(source / name, tmp_path / name)
    (tmp_path / "model.bin").write_bytes((source / "model.bin").read_bytes()[:1_000_000])
    with pytest.raises(ModelError, match="cannot load"):
        Transcriber.load(dataclasses.replace(tiny_settings, model=str(tmp_path)))


def test_unknown_device_is_a_model_error(tiny_settings: WhisperSettings) -> None:
    with pytest.raises(ModelError, match="'gpu'"):
        Transcriber.load(dataclasses.replace(tiny_settings, device="gpu"))


# --- the multilingual base model (installed with the dev set-up) --------------------------


def test_base_is_joined_once_and_transcribes(tmp_path: Path, speech: Audio) -> None:
    settings = WhisperSettings(model="base", language="en", cache_dir=tmp_path)
    directory = resolve_model("base", tmp_path)
    inode = (directory / "model.bin").stat().st_ino
    segments = Transcriber.load(settings).transcribe(speech)
    assert (directory / "model.bin").stat().st_ino == inode
    assert "refund" in _text(segments).lower()
