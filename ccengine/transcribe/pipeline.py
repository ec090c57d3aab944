"""One recording → a masked transcript, with the recording's PII silenced.

Blocking from start to end (ffmpeg, the model, the file write): the worker
and the CLI run it in a thread. The unmasked words live only inside
``run`` and are gone when it returns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ccengine.config import TranscribeConfig
from ccengine.transcribe.audio import Channel, Layout, Recording, load_recording
from ccengine.transcribe.channel_mask import (
    MaskedChannel,
    MaskedSegment,
    QaFlag,
    mask_channel,
    redaction_proven,
)
from ccengine.transcribe.redact import write_wav_atomic
from ccengine.transcribe.self_check import silence_and_check
from ccengine.transcribe.types import AsrSegment, Speaker, SpeechToText, TimeSpan, merge_spans

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
        return redaction_proven(flag.reason for flag in self.flags)

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

    def run(self, path: Path, *, redact: bool | None = None,
            speaker: Speaker | None = None) -> CallTranscript:
        """Load, transcribe each channel, mask, and (by default) silence the PII in the file.

        Each channel is masked and silenced where its own side spoke a number, and
        where it repeats 4+ digits of a number masked on either side. After silencing, the
        silenced spans are heard again (self_check) before the file is written.
        ``speaker``: a file of one voice (a voicemail: the caller), read as mono.
        """
        recording = self._load(path, speaker)
        heard = [self.model.transcribe(c.whisper_samples()) for c in recording.channels]
        channels = [self._mask(recording, index, heard[index]) for index in range(len(heard))]
        first_flags = [flag for channel in channels for flag in channel.flags]
        # Only masked numbers: a long run the text kept (a phone, a NIP) stays readable.
        secrets = [secret for channel in channels for secret in channel.secrets]
        if secrets:  # again, now knowing the numbers masked on either side
            channels = [self._mask(recording, index, heard[index], secrets)
                        for index in range(len(heard))]
        spans = [list(channel.silence) for channel in channels]
        # A flag of the first pass stays even where the second pass masked its run.
        flags = list(dict.fromkeys([*first_flags,
                                    *(flag for channel in channels for flag in channel.flags)]))
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

    def _load(self, path: Path, speaker: Speaker | None) -> Recording:
        if speaker is None:
            return load_recording(path, self.options.layout, self.options.caller_channel)
        recording = load_recording(path, Layout.MONO)
        return replace(recording, channels=(Channel(speaker, recording.audio),))

    def _mask(self, recording: Recording, index: int, segments: Sequence[AsrSegment],
              heard_elsewhere: Sequence[str] = ()) -> MaskedChannel:
        return mask_channel(recording.channels[index].speaker, segments,
                            channel_end=recording.duration, heard_elsewhere=heard_elsewhere,
                            trigger_window=self.options.trigger_window_seconds)
