"""Runs of spoken digits in one channel, for silencing what text masking may miss.

The audio is held to a stricter rule than the text: a long run of digits is
silenced whatever it validates as (ASR flips and drops digits, so a card may
read as nothing), and a digit sequence that repeats part of a masked number
(the agent reading the card back) is silenced where it is heard. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ccengine.transcribe.channel_text import ChannelText, Piece
from ccengine.transcribe.numbers import digit_stream

# A run this long is silenced in the audio: a PESEL with a digit lost (10) or more.
# Phone numbers with a country code (11) go too; recall wins over keeping them audible.
AUDIO_RUN_DIGITS = 10
# Part of a masked number heard again: this many digits in a row of the secret.
REPEAT_DIGITS = 4
# Words between two numbers that still join them into one run ("and", "to", "i").
MAX_GLUE_WORDS = 1
MAX_GAP_SECONDS = 2.5


@dataclass(frozen=True)
class DigitRun:
    pieces: tuple[Piece, ...]
    digits: str

    def __repr__(self) -> str:  # the digits may be a secret: never in a repr
        return f"DigitRun({len(self.digits)} digits)"

    @property
    def start_char(self) -> int:
        return self.pieces[0].start_char

    @property
    def end_char(self) -> int:
        return self.pieces[-1].end_char


def digit_runs(joined: ChannelText) -> list[DigitRun]:
    """Maximal runs of number words and digits, joined across short glue words."""
    runs = []
    for group in _numeric_groups(joined):
        text = joined.text[group[0].start_char:group[-1].end_char]
        runs.append(DigitRun(tuple(group), digit_stream(text)))
    return runs


def _numeric_groups(joined: ChannelText) -> Iterator[list[Piece]]:
    group: list[Piece] = []
    glue: list[Piece] = []
    for piece in joined.pieces:
        if digit_stream(joined.piece_text(piece)):
            if group and (len(glue) > MAX_GLUE_WORDS or
                          piece.at.start - group[-1].at.end > MAX_GAP_SECONDS):
                yield group
                group = []
            group.extend([*glue, piece] if group else [piece])
            glue = []
        elif group:
            glue.append(piece)
    if group:
        yield group


def shares_digits(heard: str, secret: str, length: int = REPEAT_DIGITS) -> bool:
    """Does ``heard`` hold ``length`` digits in a row of ``secret``?"""
    if len(secret) < length:
        return bool(secret) and secret in heard
    return any(secret[i:i + length] in heard for i in range(len(secret) - length + 1))


def repeated_runs(joined: ChannelText, secrets: Sequence[str]) -> list[DigitRun]:
    """Runs that repeat part of a masked number (on this channel or the other)."""
    return [run for run in digit_runs(joined)
            if any(shares_digits(run.digits, secret) for secret in secrets)]
