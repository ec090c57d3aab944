"""The audio masking benchmark measures leaks on the channels' transcripts only."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ccengine.transcribe.types import AsrSegment

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from _masking_audio import HeardText


class _Saying:
    """Our SpeechToText interface, saying one fixed text: enough to see what is kept."""

    def transcribe(self, samples: Any, *, vad: bool | None = None) -> list[AsrSegment]:
        return [AsrSegment(0.0, 1.0, " channel" if vad is not False else " clip", ())]


def test_the_self_checks_clips_are_not_taken_for_channels() -> None:
    heard = HeardText(_Saying())  # type: ignore[arg-type]
    heard.transcribe([], vad=None)
    heard.transcribe([], vad=False)  # the self-check hearing a silenced span again
    heard.transcribe([], vad=True)
    assert heard.channels == [" channel", " channel"]
