"""Call-like recordings made on the spot, for tests, the demo and benchmarks.

Each utterance is spoken by espeak-ng and resampled by sox to the telephone
rate, then placed on its speaker's channel at its time; hold music is a
synthetic chord sequence. The file is written as MixMonitor would: 8 kHz
16-bit PCM, mono (both sides mixed), stereo (channel 1 caller, channel 2
agent), or interleaved (the stereo samples under a header that says mono,
MixMonitor's ``D`` quirk).
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ccengine.transcribe.audio import Layout
from ccengine.transcribe.types import Speaker, TimeSpan

# Where each utterance's speech really sits (its audible part), in the utterances' order.
TimeSpansOfSpeech = tuple[TimeSpan, ...]

VOICES = {"en": "en", "pl": "pl"}
# Two sides that sound different: the agent gets espeak's female variant and a higher pitch.
_SIDE_VARIANT = {Speaker.CALLER: "", Speaker.AGENT: "+f3"}
_SIDE_PITCH = {Speaker.CALLER: 40, Speaker.AGENT: 65}
_WORDS_PER_MINUTE = 165
# Samples quieter than this (about -42 dBFS) before the first and after the last
# loud one are espeak's lead-in and tail, not speech.
_AUDIBLE = 256
_SPEECH_GAIN = 0.8  # espeak speaks near full scale; leave room for both sides in a mono mix
_TAIL_SECONDS = 0.5
_PROGRAM_TIMEOUT = 30.0

# Hold music: a I–vi–IV–V progression in C, one chord a second, quiet like a queue's
# music on hold, with short fades so chord changes do not click.
_CHORDS_HZ = ((261.63, 329.63, 392.00), (220.00, 261.63, 329.63),
              (174.61, 220.00, 261.63), (196.00, 246.94, 293.66))
_CHORD_SECONDS = 1.0
_MUSIC_LEVEL = 0.12  # peak amplitude of one chord, about -18 dBFS
_FADE_SECONDS = 0.02


class MissingProgram(RuntimeError):
    """A system program the synthesiser runs is not installed."""


@dataclass(frozen=True)
class Utterance:
    speaker: Speaker  # CALLER or AGENT
    text: str
    at: float  # seconds from the start
    voice: str = ""  # espeak-ng voice; empty: by language and side


def synthesize_call(utterances: Sequence[Utterance], path: Path, *, language: str = "en",
                    layout: Layout = Layout.STEREO, hold_music: Sequence[TimeSpan] = (),
                    total: float | None = None, rate: int = 8000) -> TimeSpansOfSpeech:
    """Write a call recording to ``path``; return where each utterance's speech sits.

    Hold music plays on the agent channel: MixMonitor on the caller's channel
    records what the caller hears there, and a queue's music is heard by the caller.
    """
    _check(utterances, language, rate)
    espeak, sox = _require("espeak-ng"), _require("sox")
    with ThreadPoolExecutor(max_workers=min(8, max(1, len(utterances)))) as pool:
        spoken = list(pool.map(lambda u: _speak(espeak, sox, u, language, rate), utterances))
    spans = tuple(TimeSpan(u.at, u.at + s.size / rate) for u, s in zip(utterances, spoken,
                                                                        strict=True))
    length = _total_samples(spans, hold_music, total, rate)
    tracks = {Speaker.CALLER: np.zeros(length), Speaker.AGENT: np.zeros(length)}
    for utterance, samples in zip(utterances, spoken, strict=True):
        _mix_in(tracks[utterance.speaker], samples, round(utterance.at * rate))
    for span in hold_music:
        _mix_in(tracks[Speaker.AGENT], hold_tune(span.seconds, rate), round(span.start * rate))
    _write(path, tracks[Speaker.CALLER], tracks[Speaker.AGENT], layout, rate)
    return spans


def _check(utterances: Sequence[Utterance], language: str, rate: int) -> None:
    if rate <= 0:
        raise ValueError(f"rate must be positive, not {rate}")
    if language not in VOICES and any(not u.voice for u in utterances):
        raise ValueError(f"no default voice for language {language!r}; give each a voice")
    for index, utterance in enumerate(utterances):
        if utterance.speaker not in (Speaker.CALLER, Speaker.AGENT):
            raise ValueError(f"utterance {index}: speaker must be the caller or the agent")
        if utterance.at < 0:
            raise ValueError(f"utterance {index}: starts before the call ({utterance.at} s)")
        if not utterance.text.strip():
            raise ValueError(f"utterance {index}: nothing to say")


def _require(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise MissingProgram(f"{program} is not installed (it makes the synthetic call "
                             "recordings); scripts/ensure-system-packages.sh installs it")
    return found


def _speak(espeak: str, sox: str, utterance: Utterance, language: str,
           rate: int) -> NDArray[np.float64]:
    """One utterance as float samples at ``rate``, trimmed to its audible part."""
    voice = utterance.voice or VOICES[language] + _SIDE_VARIANT[utterance.speaker]
    speech = _run([espeak, "-v", voice, "-p", str(_SIDE_PITCH[utterance.speaker]),
                   "-s", str(_WORDS_PER_MINUTE), "--stdout"],
                  " ".join(utterance.text.split()).encode())  # text on stdin: never an option
    # sox's automatic dither is random; without it the same call gives the same file.
    raw = _run([sox, "-V1", "-D", "-t", "wav", "-", "-t", "raw", "-r", str(rate), "-e", "signed",
                "-b", "16", "-c", "1", "-"], speech)
    samples = np.frombuffer(raw, "<i2").astype(np.float64)
    audible = np.flatnonzero(np.abs(samples) >= _AUDIBLE)
    if audible.size == 0:
        raise RuntimeError(f"espeak-ng produced no audible speech with voice {voice!r}")
    return samples[audible[0]:audible[-1] + 1] / 32768.0 * _SPEECH_GAIN


def _run(command: list[str], stdin: bytes) -> bytes:
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, check=True,
                              timeout=_PROGRAM_TIMEOUT)
    except subprocess.CalledProcessError as exc:
        reason = exc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"{Path(command[0]).name} failed ({exc.returncode}): "
                           f"{reason[0][:200]}") from None
    return done.stdout


def hold_tune(seconds: float, rate: int) -> NDArray[np.float64]:
    """Music on hold: chords of sine tones, one a second, clearly music and not speech."""
    length = max(0, round(seconds * rate))
    chord_length = round(_CHORD_SECONDS * rate)
    t = np.arange(chord_length) / rate
    fade = min(round(_FADE_SECONDS * rate), chord_length // 2)
    envelope = np.ones(chord_length)
    if fade:
        envelope[:fade] = np.linspace(0.0, 1.0, fade)
        envelope[-fade:] = np.linspace(1.0, 0.0, fade)
    chords = [envelope * sum(np.sin(2 * np.pi * f * t) for f in notes) / len(notes)
              for notes in _CHORDS_HZ]
    repeats = -(-length // (chord_length * len(chords))) if length else 0
    tune = np.tile(np.concatenate(chords), repeats)[:length]
    return np.asarray(tune * _MUSIC_LEVEL, dtype=np.float64)


def _total_samples(spans: Sequence[TimeSpan], hold_music: Sequence[TimeSpan],
                   total: float | None, rate: int) -> int:
    content_end = max((span.end for span in (*spans, *hold_music)), default=0.0)
    if total is None:
        return round((content_end + _TAIL_SECONDS) * rate)
    if total < content_end:
        raise ValueError(f"total {total:.2f} s is shorter than the call's content, "
                         f"which ends at {content_end:.2f} s")
    return round(total * rate)


def _mix_in(track: NDArray[np.float64], samples: NDArray[np.float64], at: int) -> None:
    end = min(track.size, at + samples.size)
    if end > at:
        track[at:end] += samples[:end - at]


def _write(path: Path, caller: NDArray[np.float64], agent: NDArray[np.float64],
           layout: Layout, rate: int) -> None:
    if layout is Layout.MONO:
        frames, header_channels = _pcm16(caller + agent), 1
    else:
        frames = _pcm16(np.column_stack((caller, agent)))
        # Interleaved: the same stereo frames under a mono header, as MixMonitor's D writes.
        header_channels = 2 if layout is Layout.STEREO else 1
    with wave.open(str(path), "wb") as out:
        out.setnchannels(header_channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)


def _pcm16(samples: NDArray[np.float64]) -> bytes:
    scaled = np.clip(np.round(samples * 32767.0), -32768, 32767)
    return scaled.astype("<i2").tobytes()
