"""The recorded traces of shared/asterisk-traces, and what their README says of them."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

TRACES = Path(os.environ.get(
    "CCENGINE_TRACES", Path(__file__).resolve().parents[2] / "shared" / "asterisk-traces"))


def trace(name: str) -> Path:
    path = TRACES / f"{name}.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"recorded trace {path} is missing (set CCENGINE_TRACES)")
    return path


@dataclass(frozen=True)
class Expected:
    caller: str
    outcome: str
    queue: str | None = None
    agent: str | None = None
    hold: int | None = None
    talk: int | None = None
    caller_name: str | None = None
    ivr_digits: str = ""
    priority: int | None = None


# The README's table, call by call (concurrent-three: in order of the callers).
EXPECTED: dict[str, list[Expected]] = {
    "queue-answered": [Expected("+48601111222", "answered", "support", "Agent One", 2, 9,
                                caller_name="Jan Kowalski")],
    "queue-abandoned": [Expected("+48602333444", "abandoned", "sales-empty", hold=3)],
    "queue-timeout": [Expected("+48603555666", "timeout", "sales-empty", hold=6)],
    "tiered-escalation": [Expected("+48605000111", "answered", "tiered", "Agent Three", 12)],
    "agi-ivr-vip-queue": [Expected("+48604777888", "answered", "support", "Agent One", 2, 8,
                                   caller_name="Anna Nowak", ivr_digits="2", priority=10)],
    "agi-external-transfer": [Expected("+48606999000", "external")],
    "agi-after-hours": [Expected("+48607123123", "unanswered")],
    "agi-caller-hangs-up-in-ivr": [Expected("+48608000222", "ivr_abandoned")],
    "concurrent-three": [
        Expected("+48611000001", "answered", "support", "Agent One", 2, 9),
        Expected("+48611000002", "abandoned", "sales-empty"),
        Expected("+48611000003", "abandoned", "support"),
    ],
}
