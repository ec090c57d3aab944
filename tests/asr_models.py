"""The shipped Whisper models, loaded once per test process and shared by the tests.

Loading is seconds and the Transcriber serialises its own decodes, so one
instance per model serves every test that needs it.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from ccengine.config import TranscribeConfig
from ccengine.transcribe.audio import load_recording
from ccengine.transcribe.numbers import digit_stream
from ccengine.transcribe.service import whisper_settings
from ccengine.transcribe.whisper import Transcriber

MODELS = ("tiny.en", "base")  # every shipped model: what one writes, the other may not
SECRET_RUN = 7  # this many digits in a row of a secret anywhere: a leak


def config(model: str, **extra: object) -> TranscribeConfig:
    return TranscribeConfig(model=model, language="en", max_attempts=1,
                            retry_seconds=0, **extra)  # type: ignore[arg-type]


@functools.cache
def loaded(model: str) -> Transcriber:
    return Transcriber.load(whisper_settings(config(model)))


def leaks(found: str, secret: str) -> list[int]:
    """Where a run of SECRET_RUN digits of ``secret`` shows in ``found`` (as digits with
    any separators, or as number words); only offsets into the secret, never digits."""
    streams = (re.sub(r"\D", "", found), digit_stream(found))
    return [start for start in range(len(secret) - SECRET_RUN + 1)
            if any(secret[start:start + SECRET_RUN] in stream for stream in streams)]


def heard_in(model: str, file: Path) -> str:
    """What ``model`` hears in each channel of ``file``, unmasked: only a test looks at it."""
    return " ".join(segment.text for channel in load_recording(file).channels
                    for segment in loaded(model).transcribe(channel.whisper_samples()))
