"""The audio half of ``benchmarks/masking.py --audio``: secrets spoken, heard, masked, silenced.

Each sampled call is an English sentence with a PESEL or a card, spoken by
espeak-ng on the caller's channel of an 8 kHz stereo recording (as the end-to-end
test makes them); in every other call the agent repeats the number on the other
channel. The real ``TranscriptionPipeline`` with each model transcribes, masks and
redacts the file; the redacted file is then transcribed again. Figures per model:

- heard: calls where the raw ASR text held 7 digits in a row of the secret (the
  others cannot leak through text; they still count for the re-hearing);
- stored leaks: calls whose stored (masked) transcript still holds 7 digits in a
  row of the secret, with the current rules and, on the same ASR text per channel,
  with each other set of rules given (the baseline);
- re-heard leaks: calls where the model, hearing the redacted file again, still
  writes 7 digits in a row of the secret;
- flagged: calls the pipeline flagged for QA.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from masking import leaks  # benchmarks/ is the script's folder

from ccengine.simulator.recordings import Utterance, synthesize_call
from ccengine.transcribe.audio import Layout, load_recording
from ccengine.transcribe.pipeline import PipelineOptions, TranscriptionPipeline
from ccengine.transcribe.types import AsrSegment, Speaker
from ccengine.transcribe.whisper import Transcriber, WhisperSettings
from tests.pii_readings import READINGS, random_card, random_pesel

# Readings espeak-ng says as a person would (it reads "4556" as a number, as people do;
# not "plain": nobody says a card as one number of quadrillions).
SPOKEN_READINGS = ("groups-4", "spaced", "english-digits", "english-thousands", "two-as-to",
                   "groups-3-3-3-2", "english-pairs")  # fmt: skip
CALLER_TEMPLATES = {
    "PESEL": ["My PESEL number is {n}, thank you.", "Yes, {n}, that is my PESEL.",
              "Please note {n}. Thank you."],
    "CARD": ["My card number is {n}, thank you.", "Okay. {n}. That is all.",
             "Yes, the credit card, {n}."],
}  # fmt: skip
AGENT_REPEATS = "Let me repeat that: {n}. Is that right?"
AGENT_AT = 14.0  # seconds: after the caller's sentence
MaskText = Callable[[str], str]


@dataclass(frozen=True)
class SpokenCall:
    secret: str
    caller: str
    agent: str | None


def sample_calls(rng: random.Random, count: int) -> list[SpokenCall]:
    calls = []
    for index in range(count):
        kind = "PESEL" if index % 2 == 0 else "CARD"
        secret = random_pesel(rng) if kind == "PESEL" else random_card(rng)
        said = READINGS[rng.choice(SPOKEN_READINGS)](secret)
        caller = rng.choice(CALLER_TEMPLATES[kind]).format(n=said)
        agent = AGENT_REPEATS.format(n=said) if index % 2 == 1 else None
        calls.append(SpokenCall(secret, caller, agent))
    return calls


class HeardText:
    """The real model, keeping what it heard per channel (the pipeline keeps only masked text)."""

    def __init__(self, model: Transcriber) -> None:
        self.model = model
        self.channels: list[str] = []

    def transcribe(self, samples: Any, *, vad: bool | None = None) -> list[AsrSegment]:
        segments = self.model.transcribe(samples, vad=vad)
        if vad is not False:  # the self-check hears its clips with vad=False: not a channel
            self.channels.append(" ".join(segment.text for segment in segments))
        return segments


@dataclass
class AudioFigures:
    calls: int = 0
    heard: int = 0
    stored_leaks: dict[str, int] = field(default_factory=dict)
    reheard_leaks: int = 0
    flagged: int = 0
    seconds: float = 0.0


def _record(call: SpokenCall, path: Path) -> None:
    utterances = [Utterance(Speaker.CALLER, call.caller, at=0.5)]
    if call.agent is not None:
        utterances.append(Utterance(Speaker.AGENT, call.agent, at=AGENT_AT))
    synthesize_call(utterances, path, layout=Layout.STEREO)


def _reheard(model: Transcriber, path: Path) -> str:
    recording = load_recording(path, "auto", 1)
    return " ".join(
        segment.text
        for channel in recording.channels
        for segment in model.transcribe(channel.whisper_samples())
    )


def measure(name: str, calls: Sequence[SpokenCall], rules: Mapping[str, MaskText],
            folder: Path) -> AudioFigures:  # fmt: skip
    model = Transcriber.load(WhisperSettings(model=name, language="en", device="cpu"))
    figures = AudioFigures(stored_leaks=dict.fromkeys(rules, 0))
    started = time.perf_counter()
    for index, call in enumerate(calls):
        path = folder / f"{name}-{index}.wav"
        _record(call, path)
        heard = HeardText(model)
        transcript = TranscriptionPipeline(heard, PipelineOptions(layout="auto")).run(path)
        figures.calls += 1
        figures.heard += any(leaks(text, call.secret) for text in heard.channels)
        figures.flagged += transcript.needs_qa
        for rule, mask in rules.items():
            texts = [transcript.as_text()] if rule == "current" else map(mask, heard.channels)
            figures.stored_leaks[rule] += any(leaks(text, call.secret) for text in texts)
        figures.reheard_leaks += leaks(_reheard(model, path), call.secret)
    figures.seconds = time.perf_counter() - started
    return figures


def audio_leaks(
    models: Sequence[str], sample: int, seed: int, rules: Mapping[str, MaskText]
) -> None:
    calls = sample_calls(random.Random(seed), sample)
    print(f"audio: {len(calls)} calls per model (espeak-ng, 8 kHz stereo, English), "
          f"seed {seed}")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        for name in models:
            figures = measure(name, calls, rules, Path(folder))
            stored = ", ".join(f"{rule} {count}" for rule, count in figures.stored_leaks.items())
            print(f"{name:<8} heard {figures.heard}/{figures.calls}; stored leaks: {stored}; "
                  f"re-heard leaks (current) {figures.reheard_leaks}/{figures.calls}; "
                  f"flagged {figures.flagged}; {figures.seconds:.0f} s")  # fmt: skip
