"""Masking one channel's words: spans map to word times, lost numbers to QA flags."""

from __future__ import annotations

from ccengine.transcribe.channel_mask import QaReason, mask_channel
from ccengine.transcribe.types import AsrSegment, Speaker, TimeSpan, Word


def _segment(start: float, words: str, step: float = 0.5, ratio: float = 1.2) -> AsrSegment:
    parts = words.split()
    timed = tuple(Word(start + i * step, start + (i + 1) * step - 0.05, " " + w)
                  for i, w in enumerate(parts))
    return AsrSegment(start, start + len(parts) * step, " " + words, timed, compression_ratio=ratio)


def test_a_card_split_over_two_segments_is_masked_in_both_and_silenced_by_word_times() -> None:
    first = _segment(0.0, "my card number is 4556 7375")
    second = _segment(4.0, "8689 9855 thank you")
    masked = mask_channel(Speaker.CALLER, [first, second], trigger_window=15, channel_end=20)
    assert [s.text for s in masked.segments] == ["my card number is [CARD]", "[CARD] thank you"]
    assert masked.silence == (TimeSpan(2.0, 4.95),)  # one number: its words and the gap
    assert masked.flags == ()


def test_a_card_mentioned_without_a_number_silences_nothing() -> None:
    talk = _segment(1.0, "moja karta nie działa i proszę o pomoc w sprawie zamówienia")
    masked = mask_channel(Speaker.CALLER, [talk], trigger_window=15, channel_end=30)
    assert masked.silence == () and masked.flags == ()
    assert masked.segments[0].text == "moja karta nie działa i proszę o pomoc w sprawie zamówienia"


def test_speech_lost_after_the_card_word_is_silenced_for_the_window_and_flagged() -> None:
    said = _segment(2.0, "numer karty to")  # then nothing: VAD/ASR dropped the digits
    masked = mask_channel(Speaker.CALLER, [said], trigger_window=15, channel_end=10)
    [flag] = masked.flags
    assert (flag.reason, flag.kind, flag.speaker) == (QaReason.NUMBER_LOST, "CARD", Speaker.CALLER)
    [window] = masked.silence
    assert window.start == 2.95 and window.end == 10  # from the card word to the channel's end


def test_too_few_digits_after_pesel_are_masked_silenced_and_flagged() -> None:
    said = _segment(0.0, "mój PESEL to 850 101 i coś jeszcze o zamówieniu numer 247")
    masked = mask_channel(Speaker.CALLER, [said], trigger_window=5, channel_end=60)
    assert "850" not in masked.segments[0].text and "247" in masked.segments[0].text
    assert [f.reason for f in masked.flags] == [QaReason.NUMBER_LOST]
    assert any(span.start <= 1.0 and span.end >= 5.9 for span in masked.silence)


def test_a_looping_segment_with_digits_is_flagged_and_silenced_whole() -> None:
    loop = _segment(5.0, "9. 9. 9. 9. 9. 9. 9. 9.", step=0.2)
    fine = _segment(9.0, "dziękuję bardzo")
    masked = mask_channel(Speaker.MIXED, [loop, fine], trigger_window=15, channel_end=20)
    assert [f.reason for f in masked.flags] == [QaReason.ASR_LOOP]
    assert TimeSpan(5.0, loop.end) in masked.silence
    assert masked.segments[-1].text == "dziękuję bardzo"


def test_a_repeated_word_without_numbers_is_flagged_but_keeps_its_audio() -> None:
    loop = _segment(1.0, "nie nie nie nie nie nie", ratio=3.0)
    masked = mask_channel(Speaker.AGENT, [loop], trigger_window=15, channel_end=20)
    assert [f.reason for f in masked.flags] == [QaReason.ASR_LOOP]
    assert masked.silence == ()


def test_digits_right_after_a_masked_number_are_silenced_with_it() -> None:
    # base wrote "[CARD] ,850." once: the card's tail heard again as a number of its own.
    said = _segment(0.0, "my card number is 4556 7375 8689 9855 ,850. thanks")
    masked = mask_channel(Speaker.CALLER, [said], trigger_window=15, channel_end=20)
    tail = said.words[8]
    assert any(s.start <= tail.start and tail.end <= s.end for s in masked.silence)
    assert not any(s.end > said.words[9].start for s in masked.silence)  # "thanks" stays


def test_a_long_digit_run_that_is_no_known_number_is_silenced_flagged_and_kept_secret() -> None:
    said = _segment(0.0, "my car number in 4 ,500, 556 ,300 and 75 ,000, 600 and 89 ,000, 800")
    masked = mask_channel(Speaker.CALLER, [said], trigger_window=15, channel_end=20)
    first_digit = said.words[4]
    assert any(s.start <= first_digit.start and said.words[-1].end <= s.end
               for s in masked.silence)
    assert QaReason.LONG_DIGIT_RUN in {f.reason for f in masked.flags}
    assert masked.secrets  # kept for the self-check, never shown
    assert all(s not in repr(masked) for s in masked.secrets)
