"""Bad input and a dropped AMI connection lose no ticket and double none (both databases)."""

from __future__ import annotations

from sqlalchemy import func, select

from ccengine.db import Database
from ccengine.simulator.calls import Caller, CallFactory
from ccengine.simulator.scripts import ScriptLine
from ccengine.tickets.models import Call, Ticket
from tests.engine_harness import eventually, running_engine


def split_at(lines: list[ScriptLine], event: str) -> tuple[list[ScriptLine], list[ScriptLine]]:
    index = next(i for i, line in enumerate(lines) if line.raw.startswith(f"Event: {event}\r\n"))
    return lines[: index + 1], lines[index + 1 :]


async def count(database: Database, model: type) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_connection_cut_mid_call_and_resumed(database: Database) -> None:
    factory = CallFactory(seed=3)
    answered = factory.make("queue-answered", Caller("48512345678", "Łukasz Żółtowski"))
    ends_in_gap = factory.make("queue-abandoned", Caller("48691234567", "Zofia Wójcik"))
    starts_in_gap = factory.make("queue-timeout", Caller("48501987654", "Małgorzata Gęś"))
    a_before, a_after = split_at(answered.lines, "AgentCalled")
    b_before, b_gap = split_at(ends_in_gap.lines, "AgentCalled")
    c_gap, c_after = split_at(starts_in_gap.lines, "AgentCalled")

    async with running_engine(database) as pbx:
        pbx.emit(a_before + b_before)
        await pbx.settle()
        pbx.server.stall()  # the link dies: nothing said now reaches the engine
        pbx.server.drop_clients()
        pbx.emit(b_gap + c_gap)
        await eventually(lambda: not pbx.engine.connections[0].ready)
        pbx.server.resume()
        await eventually(lambda: pbx.engine.connections[0].ready and pbx.server.logins >= 2)
        await eventually(lambda: sum(a.get("Action") == "QueueStatus"
                                     for a in pbx.server.actions_seen) >= 2)
        pbx.emit(a_after + c_after)
        await pbx.settle()

        outcomes = pbx.outcomes()
        recorded = [call for call, _ in pbx.recorded]

    linkedid = {name: call.lines[0].raw.split("Linkedid: ")[1].split("\r\n")[0]
                for name, call in (("a", answered), ("b", ends_in_gap), ("c", starts_in_gap))}
    assert outcomes == {linkedid["a"]: "answered", linkedid["b"]: "abandoned",
                        linkedid["c"]: "timeout"}
    assert len(recorded) == 3
    by_id = {call.linkedid: call for call in recorded}
    assert by_id[linkedid["a"]].caller_name == "Łukasz Żółtowski"
    assert any(e.kind == "ami_disconnected" for e in by_id[linkedid["a"]].timeline)
    assert any(e.kind == "resync" for e in by_id[linkedid["b"]].timeline)
    assert await count(database, Ticket) == 3
    assert await count(database, Call) == 3


async def test_malformed_and_unknown_frames_lose_no_call(database: Database) -> None:
    factory = CallFactory(seed=5)
    first = factory.make("queue-answered")
    second = factory.make("queue-abandoned")
    first_half, first_rest = split_at(first.lines, "AgentCalled")

    async with running_engine(database) as pbx:
        pbx.emit(first_half)
        pbx.server.send_raw(b"this line is not AMI at all\r\n\r\n")
        pbx.server.emit("Event: SomethingAsteriskAddsLater\r\nFoo: bar\r\n\r\n")
        pbx.server.emit("Event: QueueCallerJoin\r\nQueue: support\r\nPosition: 1\r\n\r\n")
        pbx.server.send_raw("Event: Newchannel\r\nCallerIDName: \xff\xfe\r\n\r\n".encode("latin-1"))
        pbx.emit(second.lines + first_rest)
        await pbx.settle()
        stats = pbx.engine.pipeline.stats
        outcomes = sorted(pbx.outcomes().values())
        connection_ready = pbx.engine.connections[0].ready

    assert outcomes == ["abandoned", "answered"]
    assert stats.malformed == 2  # the QueueCallerJoin and Newchannel without their channel
    assert connection_ready
    assert await count(database, Ticket) == 2
