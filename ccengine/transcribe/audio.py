"""Call recordings as Asterisk MixMonitor writes them, loaded for transcription and redaction.

PCM WAV files (what MixMonitor writes) are read from their RIFF chunks into pydub
segments; anything else goes through pydub's ffmpeg decoder. MixMonitor's ``D``
option writes the two directions of a call as interleaved 2-channel samples under
a header that still says mono; such a file is recognised by its samples (see
``looks_interleaved``) and read as the 2-channel audio it really is.

Errors name the file and what is wrong with it, never anything that was said.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from pydub import AudioSegment
from pydub.exceptions import CouldntDecodeError

from ccengine.transcribe.types import Speaker

WHISPER_RATE = 16_000
# A partly written file is still worth transcribing once it holds this much audio.
MIN_PARTIAL_SECONDS = 0.1
# Interleaving thresholds on the normalised autocorrelation (see looks_interleaved).
INTERLEAVED_MIN_LAG2 = 0.2
INTERLEAVED_MAX_LAG1_SHARE = 0.5
# Below this RMS (share of full scale, ≈ 3 LSB at 16 bits) there is nothing to judge by.
SILENCE_RMS = 1e-4
_CHUNK_SAMPLES = 1 << 20  # correlation sums are accumulated in chunks to bound memory
_PCM = 0x0001
_EXTENSIBLE = 0xFFFE
_STREAMING_SIZES = (0, 0xFFFFFFFF)  # data sizes a writer leaves until it closes the file

Reason = Literal["missing", "empty", "unreadable", "truncated", "outside-recordings"]


class AudioError(Exception):
    """A recording that cannot be used; ``reason`` is a stable short id.

    Reasons: 'missing', 'empty', 'unreadable', 'truncated'. The message names
    the file and what is wrong with it, never any transcript text.
    """

    def __init__(self, reason: Reason, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.reason: Reason = reason
        self.path = path


class Layout(StrEnum):
    MONO = "mono"
    STEREO = "stereo"
    # 2-channel data under a header that says mono (MixMonitor's D option).
    INTERLEAVED = "interleaved"


@dataclass(frozen=True)
class Channel:
    speaker: Speaker
    audio: AudioSegment  # mono, the recording's own sample rate

    def whisper_samples(self) -> NDArray[np.float32]:
        """The channel as faster-whisper takes it: float32 in [-1, 1], mono, 16 kHz."""
        samples = pcm_to_float(self.audio.raw_data, self.audio.sample_width)
        return resample(samples, self.audio.frame_rate, WHISPER_RATE).astype(np.float32)


@dataclass(frozen=True)
class Recording:
    path: Path
    layout: Layout
    audio: AudioSegment  # the whole recording with its true channel count
    # Mono: (MIXED,). Two channels: in file order, speakers per caller_channel.
    channels: tuple[Channel, ...]

    @property
    def duration(self) -> float:
        frames: int = len(self.audio.raw_data) // self.audio.frame_width
        rate: int = self.audio.frame_rate
        return frames / rate


def load_recording(path: Path, layout: str = "auto", caller_channel: int = 1) -> Recording:
    """Load a call recording; ``layout`` 'auto' recognises MixMonitor's interleaved files.

    ``layout`` may force 'mono' (a 2-channel file is mixed down), 'stereo' (needs a
    2-channel header) or 'interleaved' (a mono header's samples are read as two
    channels; a true 2-channel file is already right and stays stereo).
    ``caller_channel`` (1 or 2) is the channel the dialplan gives the caller.
    """
    path = Path(path)
    if layout not in ("auto", *Layout):
        raise ValueError(f"layout must be auto, mono, stereo or interleaved, not {layout!r}")
    if caller_channel not in (1, 2):
        raise ValueError(f"caller_channel must be 1 or 2, not {caller_channel!r}")
    blob = _read_bytes(path)
    header = parse_wav_header(path, blob)
    if header is not None and header.is_plain_pcm:
        audio = _pcm_segment(path, blob, header)
    else:
        audio = _decode_with_ffmpeg(path, header)
    resolved = _resolve_layout(path, audio, layout, from_wav=header is not None)
    audio = _with_layout(audio, resolved)
    return Recording(path, resolved, audio, _channels(audio, caller_channel))


# --- reading the file -------------------------------------------------------------


def _read_bytes(path: Path) -> bytes:
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise AudioError("missing", path, "no such file") from None
    except OSError as exc:
        raise AudioError("unreadable", path, f"cannot be read ({exc.strerror})") from None
    if not blob:
        raise AudioError("empty", path, "the file is empty (0 bytes)")
    return blob


@dataclass(frozen=True)
class WavHeader:
    """What a WAV file's RIFF chunks say, and how much of its data is really there."""

    audio_format: int  # 1 PCM; others (µ-law, GSM…) are left to ffmpeg
    channels: int
    rate: int
    bits: int
    data_offset: int
    data_promised: int  # bytes the data chunk header promises
    data_present: int  # of those, bytes actually in the file

    @property
    def block_align(self) -> int:
        return max(1, self.channels * ((self.bits + 7) // 8))

    @property
    def is_plain_pcm(self) -> bool:
        return self.audio_format == _PCM and self.bits in (8, 16, 24, 32) and self.channels > 0

    @property
    def is_cut(self) -> bool:
        return self.data_present < self.data_promised


def parse_wav_header(path: Path, blob: bytes) -> WavHeader | None:
    """The header of a RIFF/WAVE file, or None for anything else.

    Chunks are walked properly (a ``LIST`` chunk before ``data`` is common), not
    assumed to make a 44-byte header.
    """
    if len(blob) < 12 or blob[:4] != b"RIFF" or blob[8:12] != b"WAVE":
        return None
    fmt: tuple[int, int, int, int] | None = None
    position = 12
    while position + 8 <= len(blob):
        chunk_id = blob[position:position + 4]
        (size,) = struct.unpack_from("<I", blob, position + 4)
        body = position + 8
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(path, blob, body, size)
        elif chunk_id == b"data":
            if fmt is None:
                raise AudioError("unreadable", path, "WAV data chunk comes before its fmt chunk")
            return _header_with_data(fmt, blob, body, size)
        position = body + size + (size & 1)  # chunks are padded to even sizes
    if fmt is None:
        raise AudioError("truncated", path, "WAV header is cut short (no complete fmt chunk)")
    raise AudioError("empty", path, "WAV header only, no data chunk")


def _parse_fmt(path: Path, blob: bytes, body: int, size: int) -> tuple[int, int, int, int]:
    if size < 16 or body + 16 > len(blob):
        raise AudioError("truncated", path, "WAV header is cut short (fmt chunk incomplete)")
    audio_format, channels, rate = struct.unpack_from("<HHI", blob, body)
    (bits,) = struct.unpack_from("<H", blob, body + 14)
    if audio_format == _EXTENSIBLE and size >= 40 and body + 26 <= len(blob):
        # WAVE_FORMAT_EXTENSIBLE keeps the real format in its sub-format GUID.
        (audio_format,) = struct.unpack_from("<H", blob, body + 24)
    if rate == 0:
        raise AudioError("unreadable", path, "WAV header gives a sample rate of 0")
    return audio_format, channels, rate, bits


def _header_with_data(fmt: tuple[int, int, int, int], blob: bytes, body: int,
                      size: int) -> WavHeader:
    audio_format, channels, rate, bits = fmt
    available = max(0, len(blob) - body)
    if size in _STREAMING_SIZES and available:
        # A recording still being written: Asterisk fills the sizes in on close.
        size = available
    return WavHeader(audio_format, channels, rate, bits, body, size, min(size, available))


def _pcm_segment(path: Path, blob: bytes, header: WavHeader) -> AudioSegment:
    usable = header.data_present - header.data_present % header.block_align
    frames = usable // header.block_align
    if frames == 0:
        if header.is_cut:
            raise AudioError("empty", path, f"WAV header promises {header.data_promised} bytes "
                             "of audio but the file ends after the header")
        raise AudioError("empty", path, "WAV header only, no audio samples")
    if header.is_cut and frames / header.rate < MIN_PARTIAL_SECONDS:
        raise AudioError("truncated", path, f"WAV data is cut short: {header.data_present} of "
                         f"{header.data_promised} bytes present, too little to use")
    data = blob[header.data_offset:header.data_offset + usable]
    return _segment_from_wav_pcm(data, header.bits // 8, header.rate, header.channels)


def _segment_from_wav_pcm(data: bytes, width: int, rate: int, channels: int) -> AudioSegment:
    """A pydub segment from WAV PCM bytes, in pydub's conventions (signed; 24 bits as 32)."""
    if width == 1:  # WAV stores 8-bit samples unsigned
        data = (np.frombuffer(data, np.uint8).astype(np.int16) - 128).astype(np.int8).tobytes()
    elif width == 3:  # pydub (audioop) cannot work on 24-bit samples
        raw = np.frombuffer(data, np.uint8).reshape(-1, 3)
        wide = np.zeros((raw.shape[0], 4), np.uint8)
        wide[:, 1:] = raw  # keep the value's top 24 bits, scaled to 32-bit full scale
        data, width = wide.tobytes(), 4
    return AudioSegment(data=data, sample_width=width, frame_rate=rate, channels=channels)


def _decode_with_ffmpeg(path: Path, header: WavHeader | None) -> AudioSegment:
    try:
        audio: AudioSegment = AudioSegment.from_file(str(path))
    except CouldntDecodeError as exc:
        raise AudioError("unreadable", path, f"not audio ffmpeg can decode "
                         f"({_ffmpeg_reason(str(exc), path)})") from None
    except (IndexError, KeyError) as exc:  # pydub's probe found no audio stream
        raise AudioError("unreadable", path, f"no audio stream ({type(exc).__name__})") from None
    except Exception as exc:  # anything else pydub/ffmpeg raise still means: unusable file
        raise AudioError("unreadable", path, f"cannot be decoded ({type(exc).__name__})") from None
    seconds = float(audio.frame_count()) / audio.frame_rate if audio.frame_rate else 0.0
    cut = header is not None and header.is_cut
    if seconds == 0.0:
        raise AudioError("truncated" if cut else "empty", path, "no audio samples decoded")
    if cut and seconds < MIN_PARTIAL_SECONDS:
        raise AudioError("truncated", path, "data is cut short, too little to use")
    return audio


def _ffmpeg_reason(message: str, path: Path) -> str:
    """ffmpeg's own last word on the file, without the rest of its output."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    reason = lines[-1] if lines else "unknown error"
    for prefix in (f"{path}:", f"{path.name}:"):
        reason = reason.removeprefix(prefix).strip()
    return reason[:160]


# --- layout -----------------------------------------------------------------------


def _resolve_layout(path: Path, audio: AudioSegment, requested: str, *, from_wav: bool) -> Layout:
    if audio.channels == 2:
        # A true 2-channel header: forced 'interleaved' has nothing left to undo.
        return Layout.MONO if requested == Layout.MONO else Layout.STEREO
    if audio.channels != 1:
        raise AudioError("unreadable", path, f"has {audio.channels} channels; "
                         "only mono and 2-channel recordings are supported")
    if requested == Layout.STEREO:
        raise ValueError(f"{path}: the header says mono; force 'interleaved' if its data "
                         "holds two channels")
    if requested == Layout.INTERLEAVED:
        return Layout.INTERLEAVED
    if requested == "auto" and from_wav and looks_interleaved(_samples(audio)):
        return Layout.INTERLEAVED
    return Layout.MONO


def looks_interleaved(samples: NDArray[np.float64]) -> bool:
    """Whether samples under a mono header are really two interleaved channels.

    Telephone speech is strongly correlated from one sample to the next (lag-1
    autocorrelation about 0.6–0.95 at 8 kHz), more than two samples apart. Two
    interleaved independent channels turn that round: neighbours come from
    different channels (lag 1 ≈ 0), every other sample is the same channel's
    next one (lag 2 ≈ a channel's own lag 1). The real MixMonitor file gives
    lag1 0.0005 / lag2 0.79; its mono twin 0.79 / 0.49; synthetic calls agree
    (mono 0.60–0.99 / 0.37–0.95, interleaved |lag 1| < 0.01 even with cross-talk,
    echo or loud noise, lag 2 ≥ 0.5). Requiring lag 2 ≥ 0.2 keeps silence, dither
    and white noise (both ≈ 0) mono; |lag 1| ≤ half of lag 2 keeps every mono
    signal mono whose energy is not split between DC and Nyquist, including
    tones near the Nyquist rate (lag 1 ≈ -1). Two identical channels cannot be
    told from mono this way (lag 1 stays high): they are read as mono.
    """
    lag1, lag2 = normalised_autocorrelation(samples)
    return lag2 >= INTERLEAVED_MIN_LAG2 and abs(lag1) <= INTERLEAVED_MAX_LAG1_SHARE * lag2


def normalised_autocorrelation(samples: NDArray[np.float64]) -> tuple[float, float]:
    """Lag-1 and lag-2 autocorrelation over energy; (0, 0) for (near) silence."""
    if samples.size < 3:
        return 0.0, 0.0
    mean = float(samples.mean())
    energy = lag1 = lag2 = 0.0
    for start in range(0, samples.size, _CHUNK_SAMPLES):
        # Chunks overlap by two samples so no neighbouring pair is missed.
        chunk = samples[start:start + _CHUNK_SAMPLES + 2] - mean
        body = chunk[:_CHUNK_SAMPLES]
        energy += float(np.dot(body, body))
        lag1 += float(np.dot(chunk[1:_CHUNK_SAMPLES + 1], chunk[:-1][:_CHUNK_SAMPLES]))
        lag2 += float(np.dot(chunk[2:], chunk[:-2]))
    if energy <= (SILENCE_RMS**2) * samples.size:
        return 0.0, 0.0
    return lag1 / energy, lag2 / energy


def _with_layout(audio: AudioSegment, layout: Layout) -> AudioSegment:
    if layout is Layout.MONO and audio.channels == 2:
        return audio.set_channels(1)
    if layout is Layout.INTERLEAVED and audio.channels == 1:
        whole_frames = len(audio.raw_data) - len(audio.raw_data) % (2 * audio.sample_width)
        return AudioSegment(data=audio.raw_data[:whole_frames], sample_width=audio.sample_width,
                            frame_rate=audio.frame_rate, channels=2)
    return audio


def _channels(audio: AudioSegment, caller_channel: int) -> tuple[Channel, ...]:
    if audio.channels == 1:
        return (Channel(Speaker.MIXED, audio),)
    by_file_order = _split(audio)
    speakers = (Speaker.CALLER, Speaker.AGENT) if caller_channel == 1 else (
        Speaker.AGENT, Speaker.CALLER)
    return tuple(Channel(speaker, part) for speaker, part in zip(speakers, by_file_order,
                                                                  strict=True))


def _split(audio: AudioSegment) -> list[AudioSegment]:
    """Each channel as its own mono segment, samples copied exactly."""
    frames = _int_samples(audio.raw_data, audio.sample_width).reshape(-1, audio.channels)
    return [AudioSegment(data=np.ascontiguousarray(frames[:, index]).tobytes(),
                         sample_width=audio.sample_width, frame_rate=audio.frame_rate,
                         channels=1) for index in range(audio.channels)]


# --- samples ----------------------------------------------------------------------

_DTYPES: dict[int, type[np.signedinteger]] = {1: np.int8, 2: np.int16, 4: np.int32}


def _int_samples(data: bytes, width: int) -> NDArray[np.signedinteger]:
    """pydub's raw data as signed integers (pydub keeps 8-bit signed, 24-bit as 32)."""
    return np.frombuffer(data, np.dtype(_DTYPES[width]).newbyteorder("<"))


def pcm_to_float(data: bytes, width: int) -> NDArray[np.float64]:
    """Signed little-endian PCM as floats in [-1, 1)."""
    return _int_samples(data, width).astype(np.float64) / float(1 << (8 * width - 1))


def _samples(audio: AudioSegment) -> NDArray[np.float64]:
    return pcm_to_float(audio.raw_data, audio.sample_width)


def resample(samples: NDArray[np.float64], rate: int, target: int) -> NDArray[np.float64]:
    """Band-limited resampling through the spectrum (exact for the 8 → 16 kHz case).

    Zero-padding or cutting the spectrum is ideal low-pass interpolation: no
    imaging when upsampling, no aliasing when downsampling.
    """
    if rate == target or samples.size == 0:
        return samples
    length = round(samples.size * target / rate)
    spectrum = np.fft.rfft(samples)
    resized = np.zeros(length // 2 + 1, dtype=spectrum.dtype)
    keep = min(spectrum.size, resized.size)
    resized[:keep] = spectrum[:keep]
    result: NDArray[np.float64] = np.fft.irfft(resized, n=length) * (length / samples.size)
    return np.clip(result, -1.0, 1.0)
