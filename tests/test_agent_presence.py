"""Agent presence from real Asterisk traces, played over the real TCP simulated PBX
into the engine (login, resync, pipeline), and kept right across reconnects."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from ccengine.agents.presence import WRAP_UP_REASON, AgentState, Presence
from ccengine.ami import events as ev
from ccengine.db import Database
from ccengine.simulator.calls import play
from ccengine.simulator.scripts import ScriptLine, trace_script
from tests.engine_harness import Harness, eventually, running_engine
from tests.traces import trace

AGENT3 = "Local/agent3@lab-agents/n"
AGENT1 = "Local/agent1@lab-agents/n"


def attach(harness: Harness, presence: Presence) -> list[tuple[str, AgentState, str | None]]:
    seen: list[tuple[str, AgentState, str | None]] = []

    def listen(event: ev.Event) -> None:
        for interface in presence.handle(event):
            agent = presence.view(interface)
            seen.append((interface, agent.state, agent.pause_reason))

    harness.engine.on_event(listen)
    return seen


def member_lines() -> list[ScriptLine]:
    lines, errors = trace_script(trace("agent-pause-and-members"))
    assert errors == []
    return lines


async def test_login_pause_resume_logout_from_the_trace(database: Database) -> None:
    presence = Presence()
    async with running_engine(database) as harness:
        seen = attach(harness, presence)
        await play(harness.server, member_lines(), speed=None)
        await harness.settle()
    assert [s for s in seen if s[0] == AGENT3] == [
        (AGENT3, AgentState.AVAILABLE, None),
        (AGENT3, AgentState.PAUSED, "break"),
        (AGENT3, AgentState.AVAILABLE, None),
        (AGENT3, AgentState.LOGGED_OUT, None),
    ]


async def test_pause_state_is_rebuilt_from_queue_status_after_a_reconnect(
        database: Database) -> None:
    lines = member_lines()
    added_and_paused = [line for line in lines if "QueueMemberPause" not in line.raw
                        or "Paused: 1" in line.raw]
    added_and_paused = added_and_paused[:4]  # DeviceState, Added, DeviceState, Pause(break)
    presence = Presence()
    async with running_engine(database) as harness:
        attach(harness, presence)
        await play(harness.server, added_and_paused, speed=None)
        await harness.settle()
        assert presence.view(AGENT3).state is AgentState.PAUSED
        assert [q.as_json() for q in presence.view(AGENT3).queues.values()] == [
            {"queue": "support", "penalty": 2, "paused": True}]

        logins = harness.server.logins
        harness.server.drop_clients()
        # While the engine is away, the agent resumes; AMI has no replay of it.
        unpause = next(line for line in lines if "Paused: 0" in line.raw
                       and "QueueMemberPause" in line.raw)
        harness.server.emit(unpause.raw)
        await eventually(lambda: harness.server.logins > logins
                         and harness.engine.connections[0].ready)
        await harness.settle()
        await eventually(lambda: presence.view(AGENT3).state is AgentState.AVAILABLE)

        # Logged out while away: gone after the next resync.
        removed = next(line for line in lines if "QueueMemberRemoved" in line.raw)
        harness.server.drop_clients()
        harness.server.emit(removed.raw)
        await eventually(lambda: harness.server.logins > logins + 1
                         and harness.engine.connections[0].ready)
        await harness.settle()
        await eventually(lambda: presence.view(AGENT3).state is AgentState.LOGGED_OUT)


async def test_ringing_in_call_wrap_up_from_queue_answered(database: Database) -> None:
    presence = Presence(wrap_up_seconds=30)
    lines, _ = trace_script(trace("queue-answered"))
    async with running_engine(database) as harness:
        seen = attach(harness, presence)
        await play(harness.server, lines, speed=None)
        await harness.settle()
    states = [state for interface, state, _ in seen if interface == AGENT1]
    # The second RINGING: QueueMemberStatus shows agent1 a (static) member of support.
    assert states == [AgentState.RINGING, AgentState.RINGING, AgentState.IN_CALL,
                      AgentState.WRAP_UP]
    agent = presence.view(AGENT1)
    assert agent.call == "1795425074.21"
    assert [q.as_json() for q in agent.queues.values()] == [
        {"queue": "support", "penalty": 0, "paused": False}]
    assert agent.wrap_up_until is not None and agent.since is not None
    assert agent.wrap_up_until - agent.since == timedelta(seconds=30)
    assert presence.end_wrap_up(AGENT1, agent.since)
    assert presence.view(AGENT1).state is AgentState.AVAILABLE


def test_wrap_up_ends_by_the_agent_or_by_time() -> None:
    at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    presence = Presence(wrap_up_seconds=20)
    call = ev.ChannelInfo("Local/x;2", "1.2", "1.1", "48601111222", "Jan", "in", "4822")
    common = {"pbx": "p", "channel": call, "queue": "support", "member_name": "A",
              "interface": "PJSIP/a"}
    presence.handle(ev.MemberAdded(pbx="p", at=at, queue="support", interface="PJSIP/a",
                                   member_name="A", penalty=0, paused=False,
                                   paused_reason="", status=1, in_call=False, dynamic=True))
    presence.handle(ev.AgentRang(at=at, dest_channel="PJSIP/a-1", **common))
    presence.handle(ev.AgentConnected(at=at, hold_seconds=1, ring_seconds=1, **common))
    presence.handle(ev.AgentCompleted(at=at, hold_seconds=1, talk_seconds=5, reason="caller",
                                      **common))
    assert presence.view("PJSIP/a").state is AgentState.WRAP_UP
    assert presence.expired_wrap_ups(at + timedelta(seconds=19)) == []
    assert presence.expired_wrap_ups(at + timedelta(seconds=20)) == ["PJSIP/a"]
    assert presence.view("PJSIP/a").state is AgentState.AVAILABLE

    presence.handle(ev.AgentRang(at=at, dest_channel="PJSIP/a-2", **common))
    assert presence.view("PJSIP/a").state is AgentState.RINGING
    hangup = ev.ChannelHungUp(pbx="p", at=at, cause=16, channel=ev.ChannelInfo(
        "Local/x;1", "1.1", "1.1", None, None, "", ""))
    assert presence.handle(hangup) == ["PJSIP/a"]  # the caller gave up while it rang
    assert presence.view("PJSIP/a").state is AgentState.AVAILABLE


async def test_a_member_paused_for_wrap_up_shows_in_wrap_up_not_paused(
        database: Database) -> None:
    """The console's own wrap-up pause (QueuePause Reason=wrap-up) is her wrap-up; the
    trace's QueueMemberPause with that reason instead of "break"."""
    lines = [replace(line, raw=line.raw.replace("PausedReason: break",
                                                f"PausedReason: {WRAP_UP_REASON}"))
             for line in member_lines()]
    presence = Presence()
    async with running_engine(database) as harness:
        seen = attach(harness, presence)
        await play(harness.server, lines, speed=None)
        await harness.settle()
    assert [s for s in seen if s[0] == AGENT3][:3] == [
        (AGENT3, AgentState.AVAILABLE, None),
        (AGENT3, AgentState.WRAP_UP, None),
        (AGENT3, AgentState.AVAILABLE, None),
    ]
