"""One channel's ASR words joined into one text, each word remembering its time.

Masking works on text; silencing works on time. This is the map between the
two, and it knows which word times can be trusted. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ccengine.transcribe.types import AsrSegment, TimeSpan

# Whisper spreads a token's time over its sub-word pieces: a run of digits merged
# into one word ("45567375", "4556-7375") has a time that says little about where
# each digit was spoken. More digits than one spoken group (4) in one word: unreliable.
MERGED_DIGITS = 5
_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Piece:
    """A word (or a whole segment Whisper gave no words for) at its place in the text."""

    start_char: int
    end_char: int
    at: TimeSpan
    segment: int  # index of the ASR segment it came from
    has_word_time: bool  # False: the segment gave no words; ``at`` is the segment's span


class ChannelText:
    """The channel's words joined into one text, remembering where each came from.

    Holds unmasked words: it lives only while one recording is processed.
    """

    def __init__(self, segments: Sequence[AsrSegment]) -> None:
        self.text = ""
        self.pieces: list[Piece] = []
        self.segment_chars: list[tuple[int, int]] = []
        self.segment_spans = tuple(TimeSpan(s.start, s.end) for s in segments)
        for index, segment in enumerate(segments):
            first = len(self.text)
            if segment.words:
                for word in segment.words:
                    if word.text:
                        self._add(word.text, TimeSpan(word.start, word.end), index, True)
            elif segment.text:
                self._add(segment.text, TimeSpan(segment.start, segment.end), index, False)
            self.segment_chars.append((first, len(self.text)))

    def __repr__(self) -> str:  # never the words: a repr can end up in a log
        return f"ChannelText({len(self.pieces)} pieces)"

    def _add(self, text: str, at: TimeSpan, segment: int, has_word_time: bool) -> None:
        if self.text and not text[:1].isspace():
            text = " " + text  # keep words apart so numbers of two words stay two
        start = len(self.text)
        self.text += text
        self.pieces.append(Piece(start, len(self.text), at, segment, has_word_time))

    def piece_text(self, piece: Piece) -> str:
        return self.text[piece.start_char:piece.end_char]

    def touched(self, start_char: int, end_char: int) -> list[Piece]:
        return [p for p in self.pieces if p.start_char < end_char and start_char < p.end_char]

    def time_of(self, start_char: int, end_char: int) -> TimeSpan | None:
        return span_of([p.at for p in self.touched(start_char, end_char)])

    def is_unreliable(self, piece: Piece) -> bool:
        """No word time, a zero-length one, or several digit groups merged into one word."""
        if not piece.has_word_time or piece.at.end <= piece.at.start:
            return True
        return len(_DIGIT.findall(self.piece_text(piece))) >= MERGED_DIGITS

    def silence_for(self, pieces: Sequence[Piece]) -> TimeSpan | None:
        """The time to silence for ``pieces``: their words, or their whole segments
        where a word's time cannot be trusted."""
        spans = [p.at for p in pieces]
        spans += [self.segment_spans[p.segment] for p in pieces if self.is_unreliable(p)]
        return span_of(spans)


def span_of(spans: Sequence[TimeSpan]) -> TimeSpan | None:
    if not spans:
        return None
    return TimeSpan(min(t.start for t in spans), max(t.end for t in spans))
