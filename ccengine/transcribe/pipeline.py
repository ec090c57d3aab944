"""One recording → a masked transcript, with the recording's PII silenced.

Blocking from start to end (ffmpeg, the model, the file write): the worker
and the CLI run it in a thread. The unmasked words live only inside
``run`` and are gone when it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ccengine.config import TranscribeConfig
from ccengine.transcribe.audio import Recording, load_recording
from ccengine.transcribe.channel_mask import (
    MaskedChannel,
    MaskedSegment,
    QaFlag,
    QaReason,
    mask_channel,
)
from ccengine.transcribe.digit_runs import repeated_runs
from ccengine.transcribe.redact import write_wav_atomic
from ccengine.transcribe.self_check import silence_and_check
from ccengine.transcribe.types import SpeechToText, TimeSpan, merge_spans

__all__ = ["CallTranscript", "PipelineOptions", "SpeechToText", "TranscriptionPipeline"]


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
    def redaction_proven(self) -> bool:
        """False when a number was heard where silencing cannot be shown to cover it."""
        return all(flag.reason != QaReason.REDACTION_UNPROVEN for flag in self.flags)

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
        """Load, transcribe each channel, mask, and (by default) silence the PII in the file.

        Each channel is silenced where its own side spoke a number, and where it
        repeats digits of a number masked on either side. After silencing, the
        silenced spans are heard again (self_check) before the file is written.
        """
        recording = load_recording(path, self.options.layout, self.options.caller_channel)
        channels = [self._channel(recording, index) for index in range(len(recording.channels))]
        spans = _spans_per_channel(channels)
        flags = [flag for channel in channels for flag in channel.flags]
        if self.options.redact_audio if redact is None else redact:
            checked = silence_and_check(self.model, recording.audio, channels, spans,
                                        self.options.redact_padding)
            if any(checked.spans):
                write_wav_atomic(checked.audio, recording.path)
            spans, flags = [list(s) for s in checked.spans], [*flags, *checked.flags]
        return CallTranscript(
            layout=str(recording.layout),
            duration=recording.duration,
            segments=tuple(sorted((s for c in channels for s in c.segments),
                                  key=lambda s: (s.start, s.end))),
            flags=tuple(sorted(flags, key=lambda f: f.at)),
            silenced=tuple(merge_spans([span for s in spans for span in s])),
        )

    def _channel(self, recording: Recording, index: int) -> MaskedChannel:
        channel = recording.channels[index]
        segments = self.model.transcribe(channel.whisper_samples())
        return mask_channel(channel.speaker, segments, channel_end=recording.duration,
                            trigger_window=self.options.trigger_window_seconds)


def _spans_per_channel(channels: Sequence[MaskedChannel]) -> list[list[TimeSpan]]:
    """What to silence on each channel: its own masked words, and every run of digits
    that repeats part of a number masked on any channel (the agent reading it back)."""
    secrets = [secret for channel in channels for secret in channel.secrets]
    spans = []
    for channel in channels:
        repeats = [at for run in repeated_runs(channel.text, secrets)
                   if (at := channel.text.silence_for(run.pieces)) is not None]
        spans.append(merge_spans([*channel.silence, *repeats]))
    return spans
