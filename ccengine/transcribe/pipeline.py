"""One recording → a masked transcript, with the recording's PII silenced.

Blocking from start to end (ffmpeg, the model, the file write): the worker
and the CLI run it in a thread. The unmasked words live only inside
``run`` and are gone when it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from ccengine.config import TranscribeConfig
from ccengine.transcribe.audio import Recording, load_recording
from ccengine.transcribe.channel_mask import MaskedChannel, MaskedSegment, QaFlag, mask_channel
from ccengine.transcribe.redact import redact_file
from ccengine.transcribe.types import AsrSegment, TimeSpan


class SpeechToText(Protocol):
    """What the pipeline needs of a model (the real one is ``whisper.Transcriber``)."""

    def transcribe(self, samples: np.ndarray, *, vad: bool | None = None) -> list[AsrSegment]: ...


@dataclass(frozen=True)
class CallTranscript:
    layout: str
    duration: float
    segments: tuple[MaskedSegment, ...]
    flags: tuple[QaFlag, ...]
    silenced: tuple[TimeSpan, ...] = field(default=())

    @property
    def needs_qa(self) -> bool:
        return bool(self.flags)

    @property
    def silenced_seconds(self) -> float:
        return sum(span.seconds for span in self.silenced)

    def as_text(self) -> str:
        return "\n".join(f"{s.speaker}: {s.text}" for s in self.segments)

    def segments_json(self) -> list[dict[str, object]]:
        return [segment.as_json() for segment in self.segments]

    def flags_json(self) -> list[dict[str, object]]:
        return [flag.as_json() for flag in self.flags]


@dataclass(frozen=True)
class PipelineOptions:
    layout: str = "auto"
    caller_channel: int = 1
    redact_audio: bool = True
    redact_padding: float = 0.25
    trigger_window_seconds: float = 15.0

    @classmethod
    def from_config(cls, config: TranscribeConfig) -> PipelineOptions:
        return cls(layout=config.layout, caller_channel=config.caller_channel,
                   redact_audio=config.redact_audio, redact_padding=config.redact_padding,
                   trigger_window_seconds=config.trigger_window_seconds)


class TranscriptionPipeline:
    def __init__(self, model: SpeechToText, options: PipelineOptions) -> None:
        self.model = model
        self.options = options

    def run(self, path: Path, *, redact: bool | None = None) -> CallTranscript:
        """Load, transcribe each channel, mask, and (by default) silence the PII in the file."""
        recording = load_recording(path, self.options.layout, self.options.caller_channel)
        channels = [self._channel(recording, index) for index in range(len(recording.channels))]
        silenced = _merge([span for channel in channels for span in channel.silence])
        if self.options.redact_audio if redact is None else redact:
            redact_file(recording, silenced, self.options.redact_padding)
        return CallTranscript(
            layout=str(recording.layout),
            duration=recording.duration,
            segments=tuple(sorted((s for c in channels for s in c.segments),
                                  key=lambda s: (s.start, s.end))),
            flags=tuple(sorted((f for c in channels for f in c.flags), key=lambda f: f.at)),
            silenced=tuple(silenced),
        )

    def _channel(self, recording: Recording, index: int) -> MaskedChannel:
        channel = recording.channels[index]
        segments = self.model.transcribe(channel.whisper_samples())
        return mask_channel(channel.speaker, segments, channel_end=recording.duration,
                            trigger_window=self.options.trigger_window_seconds)


def _merge(spans: Sequence[TimeSpan]) -> list[TimeSpan]:
    merged: list[TimeSpan] = []
    for span in sorted(spans, key=lambda s: s.start):
        if merged and span.start <= merged[-1].end:
            merged[-1] = TimeSpan(merged[-1].start, max(merged[-1].end, span.end))
        else:
            merged.append(span)
    return merged
