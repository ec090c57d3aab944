"""The pipeline's silencing over ASR output of the shapes Whisper really gives.

A scripted model (a fake of our own SpeechToText interface) returns hand-made
segments for each channel; the recording is noise, loud where the number is
"spoken". Every sample is checked: zero inside what must be silent, unchanged
outside it, and the other channel untouched unless it repeats the number. For
the self-check the fake "hears" digits in a clip exactly when the clip still
holds loud samples.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ccengine.transcribe.audio import WHISPER_RATE
from ccengine.transcribe.channel_mask import QaReason
from ccengine.transcribe.pipeline import CallTranscript, PipelineOptions, TranscriptionPipeline
from ccengine.transcribe.types import AsrSegment, TimeSpan, Word
from tests.test_redact import write_wav

RATE = 8000
SECONDS = 20.0
QUIET, LOUD, MEDIUM = 1_500, 20_000, 4_500
# As floats LOUD peaks near 0.6, MEDIUM 0.14, QUIET 0.05; resampling noise overshoots a little.
LOUD_LEVEL, MEDIUM_LEVEL = 0.4, 0.12
PAD = 0.25
CARD = "4556 7375 8689 9855"


class ScriptedAsr:
    """Whole channels get their script; short clips are "heard" by their loudness."""

    def __init__(self, *channels: list[AsrSegment]) -> None:
        self.channels = list(channels)
        self.clips = 0

    def transcribe(self, samples: NDArray[np.float32], *, vad: bool | None = None,
                   ) -> list[AsrSegment]:
        if samples.size >= SECONDS * WHISPER_RATE - 1:
            return self.channels.pop(0)
        self.clips += 1
        return [_heard_by_loudness(samples)]


def _heard_by_loudness(samples: NDArray[np.float32]) -> AsrSegment:
    """Each loud 0.25 s of a clip is heard as card digits, each medium one as an amount
    ("1500"), with its word times; a clip with neither says "okay"."""
    step = round(0.25 * WHISPER_RATE)
    words = []
    for first in range(0, samples.size, step):
        peak = float(np.abs(samples[first:first + step]).max())
        said = " 4556" if peak > LOUD_LEVEL else " 1500" if peak > MEDIUM_LEVEL else None
        if said:
            words.append(Word(first / WHISPER_RATE, (first + step) / WHISPER_RATE, said))
    end = samples.size / WHISPER_RATE
    return AsrSegment(0.0, end, "".join(w.text for w in words) or " okay", tuple(words))


def _timed(start: float, words: str, step: float = 0.4) -> AsrSegment:
    parts = words.split()
    timed = tuple(Word(start + i * step, start + (i + 1) * step - 0.05, " " + w)
                  for i, w in enumerate(parts))
    return AsrSegment(start, start + len(parts) * step, " " + words, timed)


def _call(path: Path, loud: dict[int, list[TimeSpan]],
          medium: dict[int, list[TimeSpan]] | None = None) -> NDArray[np.int16]:
    """Stereo noise, quiet everywhere, loud in ``loud[channel]`` (the spoken number) and
    medium in ``medium[channel]`` (an amount said)."""
    rng = np.random.default_rng(7)
    frames = rng.integers(200, QUIET, (round(SECONDS * RATE), 2)) * rng.choice([-1, 1], (
        round(SECONDS * RATE), 2))
    for channel, spans in loud.items():
        for span in spans:
            frames[round(span.start * RATE):round(span.end * RATE), channel] *= LOUD // QUIET
    for channel, spans in (medium or {}).items():
        for span in spans:
            frames[round(span.start * RATE):round(span.end * RATE), channel] *= MEDIUM // QUIET
    from pydub import AudioSegment
    write_wav(path, AudioSegment(data=frames.astype("<i2").tobytes(), sample_width=2,
                                 frame_rate=RATE, channels=2))
    return frames.astype(np.int16)


def _frames(path: Path) -> NDArray[np.int16]:
    import wave
    with wave.open(str(path)) as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), "<i2").reshape(-1, 2)


def _run(path: Path, asr: ScriptedAsr) -> CallTranscript:
    options = PipelineOptions(layout="stereo", redact_padding=PAD, trigger_window_seconds=5.0)
    return TranscriptionPipeline(asr, options).run(path)


def _assert_silent_exactly(before: NDArray[np.int16], after: NDArray[np.int16], channel: int,
                           spans: list[TimeSpan]) -> None:
    """Zero inside each span (padding included), the original samples outside all of them."""
    inside = np.zeros(len(before), bool)
    for span in spans:
        inside[max(0, int((span.start - PAD) * RATE)):int(np.ceil((span.end + PAD) * RATE))] = True
    assert not after[inside, channel].any()
    assert np.array_equal(after[~inside, channel], before[~inside, channel])


def _texts(transcript: CallTranscript) -> str:
    return " ".join(segment.text for segment in transcript.segments)


def test_digits_merged_into_one_token_silence_their_whole_segment(tmp_path: Path) -> None:
    # Whisper put the whole number in one word with a 0.2 s time; it was said over 4 s.
    segment = AsrSegment(2.0, 8.0, " my card number is 4556737586899855 thanks", (
        Word(2.0, 2.3, " my"), Word(2.3, 2.6, " card"), Word(2.6, 2.9, " number"),
        Word(2.9, 3.0, " is"), Word(3.0, 3.2, " 4556737586899855"), Word(7.5, 8.0, " thanks")))
    before = _call(tmp_path / "c.wav", {0: [TimeSpan(3.0, 7.0)]})
    transcript = _run(tmp_path / "c.wav", ScriptedAsr([segment], [_timed(10.0, "okay refund")]))
    after = _frames(tmp_path / "c.wav")
    _assert_silent_exactly(before, after, 0, [TimeSpan(2.0, 8.0)])
    _assert_silent_exactly(before, after, 1, [])  # the agent's side keeps every sample
    assert QaReason.UNRELIABLE_TIMES in {f.reason for f in transcript.flags}
    assert "4556" not in _texts(transcript) and "refund" in _texts(transcript)
    assert transcript.redaction_proven


def test_a_number_without_word_times_is_silenced_by_segment_and_left_unproven(
        tmp_path: Path) -> None:
    segment = AsrSegment(2.0, 8.0, f" my card number is {CARD}", ())
    before = _call(tmp_path / "c.wav", {0: [TimeSpan(3.0, 7.0)]})
    transcript = _run(tmp_path / "c.wav", ScriptedAsr([segment], []))
    _assert_silent_exactly(before, _frames(tmp_path / "c.wav"), 0, [TimeSpan(2.0, 8.0)])
    assert QaReason.REDACTION_UNPROVEN in {f.reason for f in transcript.flags}
    assert not transcript.redaction_proven and transcript.needs_qa


def test_the_agent_reading_part_of_the_number_back_is_silenced_on_the_agent_side(
        tmp_path: Path) -> None:
    caller = _timed(2.0, f"my card number is {CARD}")  # the number: 3.6 .. 5.15
    agent = _timed(9.0, "thanks so it ends 9855 correct")  # "9855": 10.6 .. 10.95
    before = _call(tmp_path / "c.wav", {0: [TimeSpan(3.6, 5.15)], 1: [TimeSpan(10.6, 10.95)]})
    transcript = _run(tmp_path / "c.wav", ScriptedAsr([caller], [agent]))
    after = _frames(tmp_path / "c.wav")
    _assert_silent_exactly(before, after, 0, [TimeSpan(3.6, 5.15)])
    _assert_silent_exactly(before, after, 1, [TimeSpan(10.6, 10.95)])
    assert transcript.redaction_proven
    [agent_said] = [s.text for s in transcript.segments if s.speaker == "agent"]
    assert agent_said == "thanks so it ends [NUMBER] correct"  # masked in the text too


def test_a_trigger_then_digits_heard_as_words_silences_those_words(tmp_path: Path) -> None:
    words = ("my card number is four five five six seven three seven five "
             "eight six eight nine nine eight five five")
    caller = _timed(1.0, words, step=0.3)  # the digits: 2.2 .. 6.95
    before = _call(tmp_path / "c.wav", {0: [TimeSpan(2.2, 6.95)]})
    transcript = _run(tmp_path / "c.wav", ScriptedAsr([caller], []))
    _assert_silent_exactly(before, _frames(tmp_path / "c.wav"), 0, [TimeSpan(2.2, 6.95)])
    assert "eight six eight" not in _texts(transcript)


def test_a_long_run_that_masking_let_through_is_silenced_and_flagged(tmp_path: Path) -> None:
    # 4 ,500, 556 ,300 and 75 ,000, ...: what tiny.en once wrote for a card; no valid number.
    said = "my car number in 4 ,500, 556 ,300 and 75 ,000, 600 and 89 ,000, 800 and 55"
    caller = _timed(1.0, said, step=0.3)
    first_digit = 1.0 + 4 * 0.3
    before = _call(tmp_path / "c.wav", {0: [TimeSpan(first_digit, caller.end)]})
    transcript = _run(tmp_path / "c.wav", ScriptedAsr([caller], []))
    after = _frames(tmp_path / "c.wav")
    loud = np.zeros(len(before), bool)
    loud[int(first_digit * RATE):int(caller.end * RATE)] = True
    assert not after[loud, 0].any()
    assert transcript.needs_qa  # many digits that are no known number: a person looks


def test_the_self_check_widens_a_silence_that_word_times_placed_wrong(tmp_path: Path) -> None:
    # The words say 3.0-4.6, the number really went on until 6.5 (late word times).
    segment = AsrSegment(2.0, 7.0, f" my card is {CARD}", (
        Word(2.0, 2.4, " my"), Word(2.4, 2.7, " card"), Word(2.7, 3.0, " is"),
        Word(3.0, 3.4, " 4556"), Word(3.4, 3.8, " 7375"), Word(3.8, 4.2, " 8689"),
        Word(4.2, 4.6, " 9855")))
    before = _call(tmp_path / "c.wav", {0: [TimeSpan(3.0, 6.5)]})
    asr = ScriptedAsr([segment], [])
    transcript = _run(tmp_path / "c.wav", asr)
    after = _frames(tmp_path / "c.wav")
    assert not after[int(3.0 * RATE):int(6.5 * RATE), 0].any()
    assert QaReason.HEARD_AGAIN in {f.reason for f in transcript.flags}
    assert transcript.redaction_proven and asr.clips >= 2
    assert np.array_equal(after[int(9 * RATE):, 0], before[int(9 * RATE):, 0])


def test_digits_still_heard_after_widening_leave_the_redaction_unproven(tmp_path: Path) -> None:
    segment = _timed(2.0, f"card {CARD}")  # ASR heard it in 2-4 s; it goes on to 15 s
    _call(tmp_path / "c.wav", {0: [TimeSpan(2.4, 15.0)]})
    transcript = _run(tmp_path / "c.wav", ScriptedAsr([segment], []))
    assert not transcript.redaction_proven


def test_nothing_to_silence_leaves_the_file_and_hears_nothing_again(tmp_path: Path) -> None:
    _call(tmp_path / "c.wav", {})
    content = (tmp_path / "c.wav").read_bytes()
    asr = ScriptedAsr([_timed(1.0, "I want a refund for order 247")], [])
    transcript = _run(tmp_path / "c.wav", asr)
    assert (tmp_path / "c.wav").read_bytes() == content and asr.clips == 0
    assert transcript.silenced == () and transcript.flags == ()


def test_numbers_the_text_keeps_stay_in_the_text_and_keep_their_flag(tmp_path: Path) -> None:
    # A masked card makes the pipeline mask again with the card's digits; the phone, the
    # NIP and the account number are no card: silenced, but readable and flagged.
    caller = [_timed(0.5, f"my card is {CARD}"),  # the number: 1.7 .. 3.25
              _timed(6.0, "call me at +48 601 111 222 please"),
              _timed(11.0, "my NIP is 526 104 08 28"),
              _timed(15.0, "numer konta 61 1090 1014 0000 0712 1981 2874")]
    _call(tmp_path / "c.wav", {0: [TimeSpan(1.7, 3.25)]})
    transcript = _run(tmp_path / "c.wav", ScriptedAsr(caller, []))
    said = _texts(transcript)
    assert "4556" not in said and "[CARD]" in said
    assert "+48 601 111 222" in said and "526 104 08 28" in said
    assert "61 1090 1014 0000 0712 1981 2874" in said
    assert QaReason.LONG_DIGIT_RUN in {f.reason for f in transcript.flags}


def test_an_amount_said_next_to_the_card_is_no_leak(tmp_path: Path) -> None:
    # "and I paid 1500 zloty" right after the card: in the self-check's margin, not in
    # what was silenced, and no digits of the card.
    caller = [_timed(1.0, f"my card is {CARD}"),  # the number: 2.2 .. 3.75
              _timed(3.8, "I paid 1500 zloty")]  # "1500": 4.6 .. 4.95, under 1 s after
    _call(tmp_path / "c.wav", {0: [TimeSpan(2.2, 3.75)]}, {0: [TimeSpan(4.6, 4.95)]})
    transcript = _run(tmp_path / "c.wav", ScriptedAsr(caller, []))
    assert transcript.redaction_proven
    assert QaReason.HEARD_AGAIN not in {f.reason for f in transcript.flags}
    assert "1500" in _texts(transcript) and "4556" not in _texts(transcript)


def test_spans_within_30_seconds_are_heard_again_in_one_clip(tmp_path: Path) -> None:
    caller = [_timed(1.0, f"my card is {CARD}"), _timed(9.0, "and PESEL 85010112345 okay")]
    _call(tmp_path / "c.wav", {})
    asr = ScriptedAsr(caller, [])
    transcript = _run(tmp_path / "c.wav", asr)
    assert len(transcript.silenced) == 2 and asr.clips == 1
    assert transcript.redaction_proven
