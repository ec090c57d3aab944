"""What one trigger cue's capture produced: spans, the trigger, where the scan goes on."""

from __future__ import annotations

from dataclasses import dataclass

from ccengine.transcribe.mask_types import MaskedSpan, Trigger


@dataclass(frozen=True, slots=True)
class Outcome:
    spans: tuple[MaskedSpan, ...]
    trigger: Trigger | None
    resume: int  # the item index the scan goes on from
