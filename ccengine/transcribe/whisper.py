"""Speech to text with faster-whisper (CTranslate2), fully offline.

faster_whisper is imported only when a model is loaded, so commands that never
transcribe do not pay for CTranslate2 and onnxruntime. Errors never carry
transcript text: they name the model, the device and what failed.
"""

from __future__ import annotations

import asyncio
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from ccengine.transcribe.models import (
    ModelError,
    default_cache_dir,
    is_english_only,
    resolve_model,
)
from ccengine.transcribe.types import AsrSegment, Word

__all__ = [  # ModelError is re-exported: load errors come from here for callers
    "SAMPLE_RATE",
    "ModelError",
    "Transcriber",
    "TranscriptionError",
    "WhisperSettings",
]

SAMPLE_RATE = 16_000
WINDOW_SECONDS = 30  # Whisper decodes at most this much audio at a time

# Telephone audio: IVR prompts and hold music between short turns. A 500 ms pause
# already separates turns (the default 2 s merges them), and 200 ms of padding
# keeps the soft starts and ends of words that the narrow band blurs.
VAD_PARAMETERS: dict[str, Any] = {"min_silence_duration_ms": 500, "speech_pad_ms": 200}


@dataclass(frozen=True)
class WhisperSettings:
    model: str = "small"  # a name from models.PACKAGED_MODELS or a model directory
    language: str = "pl"  # always given: detection goes wrong on IVR prompts and music
    device: str = "cpu"  # "cpu" | "cuda" | "auto"
    compute_type: str = "auto"  # auto: int8 on CPU, float16 on CUDA
    cpu_threads: int = 0  # 0: CTranslate2's default (4, or OMP_NUM_THREADS)
    beam_size: int = 5
    vad: bool = True  # Silero VAD skips silence and hold music before decoding
    batch_size: int = 0  # > 0: decode that many VAD chunks at once (BatchedInferencePipeline)
    cache_dir: Path = field(default_factory=default_cache_dir)  # where split models are joined


class TranscriptionError(Exception):
    """A recording could not be transcribed; ``reason`` is a stable id ("audio", "model")."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class Transcriber:
    """Loads the model once; transcribe() is blocking and may be run in a worker thread.

    Calls are serialised by a lock: CTranslate2 with one worker would queue them
    anyway, and two decodes in parallel only compete for the same cores.
    """

    def __init__(self, settings: WhisperSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._faster_whisper = _import_faster_whisper()
        self._model = _load_model(self._faster_whisper, settings)

    @classmethod
    def load(cls, settings: WhisperSettings) -> Transcriber:
        """Resolve and load the model (blocking: seconds); raises ModelError."""
        return cls(settings)

    def transcribe(
        self, samples: npt.NDArray[np.floating[Any]], *, vad: bool | None = None
    ) -> list[AsrSegment]:
        """Segments of ``samples`` (mono float, 16 kHz, in [-1, 1]); ``vad`` overrides settings."""
        audio = _model_input(samples)
        if audio.size == 0:
            return []
        use_vad = self.settings.vad if vad is None else vad
        with self._lock:
            try:
                return self._decode(audio, use_vad)
            except Exception as exc:
                raise TranscriptionError("model", _describe_failure(exc)) from None

    async def transcribe_async(
        self, samples: npt.NDArray[np.floating[Any]], *, vad: bool | None = None
    ) -> list[AsrSegment]:
        """transcribe() in a worker thread; cancelling the await does not stop the decode."""
        return await asyncio.to_thread(self.transcribe, samples, vad=vad)

    def _decode(self, audio: npt.NDArray[np.float32], vad: bool) -> list[AsrSegment]:
        options: dict[str, Any] = {
            "language": self.settings.language,
            "beam_size": self.settings.beam_size,
            "word_timestamps": True,
            # Each window is decoded on its own: conditioning on the previous text lets
            # one misheard phrase repeat for minutes (Whisper's repetition loops).
            "condition_on_previous_text": False,
            "vad_filter": vad,
            "vad_parameters": dict(VAD_PARAMETERS),  # a copy: the batched path pops keys
        }
        if self.settings.batch_size > 0:
            segments = self._batched_segments(audio, vad, options)
        else:
            segments, _info = self._model.transcribe(audio, **options)
        # The generator does the decoding: consume it here, inside the lock and the try.
        return [_asr_segment(segment) for segment in segments]

    def _batched_segments(
        self, audio: npt.NDArray[np.float32], vad: bool, options: dict[str, Any]
    ) -> Any:
        # A pipeline per call: it keeps per-call state (last_speech_timestamp).
        pipeline = self._faster_whisper.BatchedInferencePipeline(self._model)
        if not vad:
            # Without VAD the batched pipeline refuses audio over 30 s; cut it into windows.
            options["clip_timestamps"] = _fixed_windows(audio.size / SAMPLE_RATE)
        segments, _info = pipeline.transcribe(
            audio, batch_size=self.settings.batch_size, without_timestamps=False, **options
        )
        return segments


def _import_faster_whisper() -> ModuleType:
    # Models are always local directories; the flag makes any stray Hub lookup fail
    # fast instead of hanging on a network that call-center servers may not have.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import faster_whisper

    module: ModuleType = faster_whisper
    return module


def _load_model(faster_whisper: ModuleType, settings: WhisperSettings) -> Any:
    _check_language_for_name(settings)
    directory = resolve_model(settings.model, settings.cache_dir)
    device, compute_type = _device_and_compute_type(settings.device, settings.compute_type)
    try:
        model = faster_whisper.WhisperModel(
            str(directory), device=device, compute_type=compute_type,
            cpu_threads=settings.cpu_threads, local_files_only=True,
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"model {settings.model!r}: cannot load {directory} on {device} "
                         f"with compute type {compute_type}: {exc}") from exc
    if settings.language not in model.supported_languages:
        raise ModelError(_language_message(settings, "this model"))
    return model


def _check_language_for_name(settings: WhisperSettings) -> None:
    """Fail before a slow load when the name already says the language cannot work."""
    if is_english_only(settings.model) and settings.language != "en":
        raise ModelError(_language_message(settings, "English-only models"))


def _language_message(settings: WhisperSettings, what: str) -> str:
    # faster-whisper itself would warn and quietly transcribe in English instead.
    return (f"model {settings.model!r} with language {settings.language!r}: {what} do not "
            f"support it; set language 'en' for '.en' models or choose a multilingual model")


def _device_and_compute_type(device: str, compute_type: str) -> tuple[str, str]:
    if device not in ("cpu", "cuda", "auto"):
        raise ModelError(f"device {device!r}: use 'cpu', 'cuda' or 'auto'")
    if device == "auto":
        import ctranslate2

        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type


def _model_input(samples: npt.NDArray[np.floating[Any]]) -> npt.NDArray[np.float32]:
    audio = np.asarray(samples)
    if audio.ndim != 1:
        raise TranscriptionError("audio", f"expected mono samples, got shape {audio.shape}")
    if not np.issubdtype(audio.dtype, np.floating):
        raise TranscriptionError("audio", f"expected float samples in [-1, 1], got {audio.dtype}")
    return audio.astype(np.float32, copy=False)


def _fixed_windows(duration: float) -> list[dict[str, float]]:
    starts = np.arange(0.0, duration, WINDOW_SECONDS)
    return [{"start": float(start), "end": float(min(start + WINDOW_SECONDS, duration))}
            for start in starts]


def _asr_segment(segment: Any) -> AsrSegment:
    # faster-whisper hands out numpy floats; plain floats keep AsrSegment JSON-friendly.
    words = tuple(
        Word(start=float(word.start), end=float(word.end), text=word.word,
             probability=float(word.probability))
        for word in segment.words or ()
    )
    return AsrSegment(
        start=float(segment.start), end=float(segment.end), text=segment.text, words=words,
        compression_ratio=float(segment.compression_ratio),
        avg_logprob=float(segment.avg_logprob), no_speech_prob=float(segment.no_speech_prob),
    )


def _describe_failure(exc: Exception) -> str:
    """What failed, without the exception's own words unless they come from CTranslate2.

    CTranslate2 raises RuntimeError about devices, memory and tensors ("CUDA out of
    memory"), which is worth keeping; any other message might quote decoded text.
    """
    if type(exc) is RuntimeError:
        first_line = str(exc).splitlines()[0] if str(exc) else ""
        return f"decoder failed: RuntimeError: {first_line[:200]}"
    return f"decoder failed: {type(exc).__name__}"
