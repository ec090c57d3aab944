"""Building the transcription parts from the config (the one place that does)."""

from __future__ import annotations

import threading
from pathlib import Path

from ccengine.config import TranscribeConfig
from ccengine.db import Database
from ccengine.transcribe.pipeline import PipelineOptions, TranscriptionPipeline
from ccengine.transcribe.queue import RetryPolicy
from ccengine.transcribe.whisper import Transcriber, WhisperSettings
from ccengine.transcribe.worker import TranscriptionWorker, WorkerSettings, worker_name


def whisper_settings(config: TranscribeConfig) -> WhisperSettings:
    return WhisperSettings(
        model=config.model, language=config.language, device=config.device,
        compute_type=config.compute_type, beam_size=config.beam_size, vad=config.vad,
        batch_size=config.batch_size, cache_dir=Path(config.models_dir).expanduser(),
    )


def build_pipeline(config: TranscribeConfig) -> TranscriptionPipeline:
    """Load the model (blocking, seconds) and wrap it in the pipeline."""
    return TranscriptionPipeline(Transcriber.load(whisper_settings(config)),
                                 PipelineOptions.from_config(config))


def build_workers(database: Database, config: TranscribeConfig,
                  recording_dirs: tuple[Path, ...]) -> list[TranscriptionWorker]:
    """``config.workers`` workers sharing one loaded model (the pipeline is built once);
    they take only files inside ``recording_dirs`` (``paths.recording_dirs``)."""
    shared: list[TranscriptionPipeline] = []
    loading = threading.Lock()  # workers start together; the model loads once

    def pipeline() -> TranscriptionPipeline:
        with loading:
            if not shared:
                shared.append(build_pipeline(config))
            return shared[0]

    settings = WorkerSettings(
        model=config.model, language=config.language, poll_seconds=config.poll_seconds,
        policy=RetryPolicy(max_attempts=config.max_attempts, retry_seconds=config.retry_seconds,
                           lease_seconds=config.lease_seconds),
        recording_dirs=recording_dirs,
    )
    return [TranscriptionWorker(database, pipeline, settings, worker_name(index))
            for index in range(config.workers)]
