"""`ccengine replay`: recorded AMI traffic through a real TCP AMI server into the engine.

The engine runs exactly as live — the same connection, login, resync, event
pipeline, tracker and ticket writer — against a simulated PBX that plays the
recorded events. Timestamps follow the recording, so durations stay true when
it plays faster than it happened.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccengine.calls.model import FinishedCall
from ccengine.calls.state import CallState
from ccengine.config import AmiConfig, Config
from ccengine.db import Database
from ccengine.engine import Engine
from ccengine.simulator.calls import play
from ccengine.simulator.scripts import trace_script
from ccengine.simulator.server import AmiServer, close_quietly
from ccengine.tickets.phones import normalise
from ccengine.tickets.rows import RecordedCall


@dataclass(slots=True)
class ReplayReport:
    calls: list[dict[str, Any]] = field(default_factory=list)
    trace_errors: list[str] = field(default_factory=list)


async def replay(paths: Sequence[Path], config: Config, pbx_name: str = "replay",
                 speed: float | None = None) -> ReplayReport:
    report = ReplayReport()
    server = AmiServer(username="replay", secret=secrets.token_hex(8))
    port = await server.start()
    database = Database.open(config.database)
    try:
        await database.migrate()
        pbx = AmiConfig(name=pbx_name, host="127.0.0.1", port=port,
                        username=server.username, secret=server.secret)
        engine = Engine((pbx,), config.tickets, database)
        engine.on_recorded(lambda call, recorded: report.calls.append(call_json(call, recorded)))
        await _run(engine, server, paths, speed, report)
        region = config.tickets.default_region
        report.calls.extend(live_call_json(call, region) for call in engine.tracker.live_calls())
    finally:
        await close_quietly(server)
        await database.close()
    return report


async def _run(engine: Engine, server: AmiServer, paths: Sequence[Path],
               speed: float | None, report: ReplayReport) -> None:
    await engine.start()
    try:
        await server.wait_for_login()
        await engine.connections[0].wait_ready(10.0)
        for path in paths:
            lines, errors = trace_script(path)
            report.trace_errors.extend(errors)
            await play(server, lines, speed=speed, base=time.time())
        await engine.settle()
    finally:
        await engine.stop()


def call_json(call: FinishedCall, recorded: RecordedCall) -> dict[str, Any]:
    return {
        "linkedid": call.linkedid,
        "pbx": call.pbx,
        "caller": recorded.caller,
        "caller_name": call.caller_name,
        "did": recorded.did,
        "outcome": call.outcome.value,
        "queue": call.queue,
        "agent": call.agent_name,
        "agent_interface": call.agent_interface,
        "hold_seconds": call.hold_seconds,
        "talk_seconds": call.talk_seconds,
        "ivr_digits": call.ivr_digits,
        "queue_priority": call.queue_priority,
        "external_number": call.external_number,
        "recording_file": call.recording_file,
        "started_at": call.started_at.isoformat(),
        "ended_at": call.ended_at.isoformat(),
        "ticket": recorded.ticket_number,
        "ticket_priority": str(recorded.ticket_priority),
        "ticket_status": str(recorded.ticket_status),
        "ticket_created": recorded.created,
    }


def live_call_json(call: CallState, region: str) -> dict[str, Any]:
    """A call still going when the traffic ended: no outcome, no ticket yet."""
    return {
        "linkedid": call.linkedid,
        "pbx": call.pbx,
        "caller": normalise(call.caller_num, region),
        "caller_name": call.caller_name,
        "did": normalise(call.did, region),
        "outcome": None,
        "queue": call.queue,
        "agent": call.agent_name,
        "hold_seconds": None,
        "talk_seconds": None,
        "ivr_digits": call.ivr_digits,
        "started_at": call.started_at.isoformat(),
        "ended_at": None,
        "ticket": None,
        "ticket_priority": None,
    }
