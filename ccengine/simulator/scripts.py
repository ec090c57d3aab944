"""Scripts of PBX events: from a recorded trace as it is, or a template call made new.

A script is what Asterisk would broadcast to any AMI client: the recorded
``in`` events, without the answers to the recording client's own actions
(responses and list events carrying its ActionID; OriginateResponse is a
broadcast event and stays) and without its login chatter.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from ccengine.ami.frames import parse_frame
from ccengine.simulator.trace import TraceMessage, read_trace

SESSION_EVENTS = frozenset({"FullyBooted", "SuccessfulAuth"})
UNIQUEID = re.compile(r"\b1\d{9}\.\d+\b")
CHANNEL_SEQUENCE = re.compile(r"-([0-9a-f]{8})\b")
BRIDGE_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


@dataclass(frozen=True, slots=True)
class ScriptLine:
    t: float  # seconds from the start of the script
    raw: str


def broadcast_events(messages: Iterable[TraceMessage]) -> list[ScriptLine]:
    """The events of a trace that a PBX broadcasts, times relative to the first."""
    lines = [ScriptLine(m.t, m.raw) for m in messages if _broadcast(m)]
    start = lines[0].t if lines else 0.0
    return [ScriptLine(line.t - start, line.raw) for line in lines]


def _broadcast(message: TraceMessage) -> bool:
    if not message.incoming or not message.raw.startswith("Event: "):
        return False
    headers = parse_frame(message.raw)
    if headers.get("Event") in SESSION_EVENTS:
        return False
    return "ActionID" not in headers or headers.get("Event") == "OriginateResponse"


def trace_script(path: Path) -> tuple[list[ScriptLine], list[str]]:
    """A recorded trace file as a script, and the trace lines that were unusable."""
    messages, errors = read_trace(path)
    return broadcast_events(messages), [str(error) for error in errors]


@dataclass(frozen=True, slots=True)
class Template:
    """One recorded call, to be played again with fresh identities."""

    name: str
    lines: tuple[ScriptLine, ...]
    caller_number: str
    caller_name: str | None

    @classmethod
    def from_lines(cls, name: str, lines: list[ScriptLine]) -> Template:
        number, caller_name = _recorded_caller(lines)
        return cls(name, tuple(lines), number, caller_name)


def load_templates() -> dict[str, Template]:
    """The single-call traces shipped with the package, by scenario name."""
    folder = resources.files("ccengine.simulator") / "templates"
    templates = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".jsonl"):
            with resources.as_file(entry) as path:
                lines, _ = trace_script(path)
            name = entry.name.removesuffix(".jsonl")
            templates[name] = Template.from_lines(name, lines)
    return templates


def _recorded_caller(lines: Iterable[ScriptLine]) -> tuple[str, str | None]:
    for line in lines:
        headers = parse_frame(line.raw)
        if headers.get("Event") == "NewCallerid" and headers.get("Uniqueid") == headers.get(
            "Linkedid"
        ):
            name = headers.get("CallerIDName", "")
            return headers["CallerIDNum"], None if name in ("", "<unknown>") else name
    raise ValueError("template has no caller: no NewCallerid on the originating channel")


class IdentityMint:
    """Fresh Uniqueids, channel sequence numbers and bridge ids, never repeated."""

    def __init__(self, epoch: int) -> None:
        self.epoch = epoch
        self._uniqueids = itertools.count(1)
        self._sequences = itertools.count(0x100)

    def uniqueid(self) -> str:
        return f"{self.epoch}.{next(self._uniqueids)}"

    def sequence(self) -> str:
        return f"{next(self._sequences) % 0x100000000:08x}"


def renew(template: Template, mint: IdentityMint, caller_number: str,
          caller_name: str | None) -> list[ScriptLine]:
    """The template's call as a new call: new ids, this caller, same timing."""
    ids: dict[str, str] = {}
    sequences: dict[str, str] = {}
    bridges: dict[str, str] = {}
    name_pattern = _name_pattern(template)
    shown_name = caller_name or "<unknown>"  # the template's name must not leak
    result = []
    for line in template.lines:
        raw = UNIQUEID.sub(lambda m: _mapped(ids, m.group(0), mint.uniqueid), line.raw)
        raw = CHANNEL_SEQUENCE.sub(
            lambda m: "-" + _mapped(sequences, m.group(1), mint.sequence), raw)
        raw = BRIDGE_UUID.sub(lambda m: _mapped(bridges, m.group(0), _uuid), raw)
        raw = raw.replace(template.caller_number, caller_number)
        if caller_name or template.caller_name:
            raw = name_pattern.sub(lambda m: m.group(1) + shown_name, raw)
            raw = raw.replace(quote(template.caller_name or "\0"), quote(shown_name))
        result.append(ScriptLine(line.t, raw))
    return result


def _name_pattern(template: Template) -> re.Pattern[str]:
    """Name fields paired with the caller's number (the name may be unknown there)."""
    old_name = re.escape(template.caller_name) if template.caller_name else "<unknown>|unknown"
    return re.compile(
        r"((?:Dest|LocalOne|LocalTwo)?(?:CallerIDName|ConnectedLineName): )"
        rf"(?:{old_name})(?=\r\n)"
    )


def _mapped(table: dict[str, str], old: str, make: Callable[[], str]) -> str:
    if old not in table:
        table[old] = make()
    return table[old]


def _uuid() -> str:
    return str(uuid.uuid4())
