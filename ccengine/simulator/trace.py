"""Recorded AMI traffic (JSON Lines of {"t", "dir", "raw"}), as in shared/asterisk-traces."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ccengine.ami.frames import parse_frame


class TraceError(ValueError):
    """A trace line that cannot be used, with the file and line number."""


@dataclass(frozen=True, slots=True)
class TraceMessage:
    t: float
    incoming: bool  # Asterisk → client
    raw: str

    @property
    def headers(self) -> dict[str, str]:
        return parse_frame(self.raw)


def read_trace(path: Path, strict: bool = False) -> tuple[list[TraceMessage], list[TraceError]]:
    """The messages of a trace, and one error per unusable line (skipped unless strict)."""
    messages: list[TraceMessage] = []
    errors: list[TraceError] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                messages.append(_message(line))
            except (ValueError, KeyError, TypeError) as exc:
                error = TraceError(f"{path}:{number}: {exc}")
                if strict:
                    raise error from exc
                errors.append(error)
    return messages, errors


def _message(line: str) -> TraceMessage:
    record = json.loads(line)
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    direction = record["dir"]
    if direction not in ("in", "out"):
        raise ValueError(f"dir must be 'in' or 'out', not {direction!r}")
    raw = record["raw"]
    if not isinstance(raw, str):
        raise ValueError("raw must be a string")
    return TraceMessage(t=float(record["t"]), incoming=direction == "in", raw=raw)
