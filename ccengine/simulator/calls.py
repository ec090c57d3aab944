"""Simulated calls: the recorded scenarios played again as new calls, in real time.

Each call is a recorded trace with fresh Uniqueids, channels and caller, so the
simulated PBX says exactly what the real Asterisk said, only for other people.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ccengine.simulator.scripts import IdentityMint, ScriptLine, Template, load_templates, renew
from ccengine.simulator.server import AmiServer


@dataclass(frozen=True, slots=True)
class Caller:
    number: str  # as Asterisk shows it: country code, no plus
    name: str | None
    vip: bool = False


DEMO_CALLERS = (
    Caller("48601111222", "Jan Kowalski"),
    Caller("48512345678", "Łukasz Żółtowski"),
    Caller("48691234567", "Zofia Wójcik"),
    Caller("48501987654", "Małgorzata Gęś"),
    Caller("48723456789", "Krzysztof Szczęsny"),
    Caller("48604777888", "Anna Nowak", vip=True),
    Caller("48602333444", None),
)

# How often each recorded scenario happens in the demo's contact center.
SCENARIO_WEIGHTS = {
    "queue-answered": 5,
    "agi-ivr-vip-queue": 2,
    "tiered-escalation": 2,
    "queue-abandoned": 2,
    "queue-timeout": 1,
    "agi-external-transfer": 1,
    "agi-after-hours": 1,
    "agi-caller-hangs-up-in-ivr": 1,
}


@dataclass(frozen=True, slots=True)
class SimulatedCall:
    scenario: str
    caller: Caller
    lines: list[ScriptLine]


class CallFactory:
    def __init__(self, seed: int | None = None, callers: Sequence[Caller] = DEMO_CALLERS,
                 templates: dict[str, Template] | None = None) -> None:
        self._random = random.Random(seed)
        self._templates = templates or load_templates()
        self._callers = callers
        self._mint = IdentityMint(epoch=int(time.time()))

    @property
    def scenarios(self) -> list[str]:
        return sorted(self._templates)

    def make(self, scenario: str | None = None, caller: Caller | None = None) -> SimulatedCall:
        scenario = scenario or self._pick_scenario()
        caller = caller or self._random.choice(self._callers)
        lines = renew(self._templates[scenario], self._mint, caller.number, caller.name)
        return SimulatedCall(scenario, caller, lines)

    def _pick_scenario(self) -> str:
        names = [name for name in SCENARIO_WEIGHTS if name in self._templates]
        weights = [SCENARIO_WEIGHTS[name] for name in names]
        return self._random.choices(names, weights)[0]


async def play(server: AmiServer, lines: Sequence[ScriptLine], speed: float | None = 1.0,
               base: float | None = None) -> None:
    """Emit a script on the server: at its pace (speed 1), faster, or at once (None).

    Event timestamps follow the script's own clock either way, so durations
    stay true when a script is played faster than it happened.
    """
    start = time.time() if base is None else base
    began = time.monotonic()
    for count, line in enumerate(lines, start=1):
        if speed:
            await asyncio.sleep(max(0.0, line.t / speed - (time.monotonic() - began)))
        server.emit(line.raw, at=start + line.t)
        if count % 64 == 0:
            await server.flush()
    await server.flush()
