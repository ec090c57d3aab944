"""The simulated PBX's queue members say what real Asterisk said in
agent-pause-and-members.jsonl: the same actions get the same answers and events,
field for field (timestamps aside), over a real TCP AMI socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from ccengine.ami.frames import EOL, parse_frame, render_frame
from ccengine.simulator.server import AmiServer
from ccengine.simulator.trace import read_trace
from tests.traces import trace

VARYING = {"LoginTime", "LastPause", "LastCall", "Timestamp", "ActionID", "Uptime",
           "LastReload", "Holdtime", "TalkTime", "Completed", "Abandoned", "Strategy",
           "CallsTaken"}


class RawClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def send(self, headers: dict[str, str]) -> None:
        self.writer.write(render_frame(headers).encode())
        await self.writer.drain()

    async def frames_until(self, last_event: str | None, count: int = 99) -> list[dict[str, str]]:
        frames: list[dict[str, str]] = []
        while len(frames) < count:
            raw = await asyncio.wait_for(self.reader.readuntil((EOL + EOL).encode()), 5)
            frame = parse_frame(raw.decode())
            frames.append(frame)
            if last_event is not None and frame.get("Event") == last_event:
                break
        return frames


@pytest.fixture
async def client() -> AsyncIterator[tuple[AmiServer, RawClient]]:
    server = AmiServer(username="ccengine", secret="ccsecret", timestamps=False)
    port = await server.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await reader.readline()  # banner
    raw = RawClient(reader, writer)
    await raw.send({"Action": "Login", "Username": "ccengine", "Secret": "ccsecret"})
    await raw.frames_until("FullyBooted")
    yield server, raw
    writer.close()
    await server.stop()


def recorded() -> list[tuple[dict[str, str], list[dict[str, str]]]]:
    """Each action the recording client sent, and what Asterisk answered before the next."""
    messages, _ = read_trace(trace("agent-pause-and-members"))
    pairs: list[tuple[dict[str, str], list[dict[str, str]]]] = []
    for message in messages:
        headers = message.headers
        if not message.incoming:
            pairs.append((headers, []))
        elif pairs and headers.get("Event") != "SuccessfulAuth":
            pairs[-1][1].append(headers)
    return [(action, answers) for action, answers in pairs
            if action["Action"] in ("QueueAdd", "QueuePause", "QueueRemove")]


def shape(frame: dict[str, str]) -> list[tuple[str, str]]:
    return [(key, "" if key in VARYING else value) for key, value in frame.items()]


async def test_member_actions_answer_exactly_as_the_trace(
        client: tuple[AmiServer, RawClient]) -> None:
    _, raw = client
    for action, answers in recorded():
        await raw.send(action)
        got = await raw.frames_until(None, count=len(answers))
        assert [shape(f) for f in got] == [shape(f) for f in answers], action["Action"]


async def test_queue_status_lists_dynamic_members_with_name_and_location(
        client: tuple[AmiServer, RawClient]) -> None:
    _server, raw = client
    [add, pause, *_] = recorded()
    for action, answers in (add, pause):
        await raw.send(action)
        await raw.frames_until(None, count=len(answers))
    await raw.send({"Action": "QueueStatus", "Queue": "support", "ActionID": "qs"})
    frames = await raw.frames_until("QueueStatusComplete")
    [member] = [f for f in frames if f.get("Event") == "QueueMember"]
    messages, _ = read_trace(trace("agent-pause-and-members"))
    real = next(m.headers for m in messages if m.headers.get("Event") == "QueueMember"
            and m.headers.get("Name") == "Agent Three")
    assert shape(member) == shape(real)
    assert (member["Location"], member["Paused"], member["PausedReason"]) == (
        "Local/agent3@lab-agents/n", "1", "break")
    assert frames[-1]["ListItems"] == str(len(frames) - 2)


async def test_refusals_are_errors_like_asterisk(client: tuple[AmiServer, RawClient]) -> None:
    _, raw = client
    await raw.send({"Action": "QueueRemove", "Queue": "support", "Interface": "PJSIP/9"})
    [answer] = await raw.frames_until(None, count=1)
    assert (answer["Response"], answer["Message"]) == (
        "Error", "Unable to remove interface: Not there")
    await raw.send({"Action": "QueuePause", "Interface": "PJSIP/9", "Paused": "true"})
    [answer] = await raw.frames_until(None, count=1)
    assert (answer["Response"], answer["Message"]) == ("Error", "Interface not found")
    add = {"Action": "QueueAdd", "Queue": "q", "Interface": "PJSIP/9", "Penalty": "1"}
    await raw.send(add)
    await raw.frames_until("QueueMemberAdded")
    await raw.send(add)
    [answer] = await raw.frames_until(None, count=1)
    assert answer["Message"] == "Unable to add interface: Already there"


async def test_originate_is_queued_then_answered_like_the_trace(
        client: tuple[AmiServer, RawClient]) -> None:
    server, raw = client
    await raw.send({"Action": "Originate", "Async": "true", "Channel": "PJSIP/agent3",
                    "Context": "ccengine-callback", "Exten": "48601111222", "Priority": "1",
                    "CallerID": '"Jan Kowalski" <48601111222>', "ActionID": "cb-1"})
    answer, response = await raw.frames_until("OriginateResponse")
    assert (answer["Response"], answer["Message"]) == ("Success",
                                                       "Originate successfully queued")
    messages, _ = read_trace(trace("queue-answered"))
    real = next(m.headers for m in messages if m.headers.get("Event") == "OriginateResponse")
    assert list(response) == list(real)
    assert (response["ActionID"], response["Response"], response["Reason"]) == (
        "cb-1", "Success", "4")
    assert response["Channel"].startswith("PJSIP/agent3-")
    assert response["CallerIDName"] == "Jan Kowalski"

    server.members.originate_reasons["PJSIP/agent4"] = 3  # the agent's phone rings out
    await raw.send({"Action": "Originate", "Channel": "PJSIP/agent4", "Exten": "1",
                    "Context": "c", "Priority": "1", "ActionID": "cb-2"})
    _, response = await raw.frames_until("OriginateResponse")
    assert (response["Response"], response["Reason"]) == ("Failure", "3")


async def test_a_static_member_is_listed_and_stays_as_asterisk_keeps_it(
        client: tuple[AmiServer, RawClient]) -> None:
    server, raw = client
    server.members.add_static("support", "Local/agent1@lab-agents/n", "Agent One")

    await raw.send({"Action": "QueueStatus", "Queue": "support", "ActionID": "qs"})
    frames = await raw.frames_until("QueueStatusComplete")
    [member] = [f for f in frames if f.get("Event") == "QueueMember"]
    messages, _ = read_trace(trace("agent-pause-and-members"))
    real = next(m.headers for m in messages if m.headers.get("Event") == "QueueMember"
                and m.headers.get("Name") == "Agent One")
    assert list(member) == list(real)
    assert (member["Membership"], member["Location"], member["Penalty"]) == (
        "static", "Local/agent1@lab-agents/n", "0")

    # app_queue's answers for a member of queues.conf (RES_NOT_DYNAMIC, RES_EXISTS).
    await raw.send({"Action": "QueueRemove", "Queue": "support",
                    "Interface": "Local/agent1@lab-agents/n"})
    [answer] = await raw.frames_until(None, count=1)
    assert (answer["Response"], answer["Message"]) == ("Error", "Member not dynamic")
    await raw.send({"Action": "QueueAdd", "Queue": "support",
                    "Interface": "Local/agent1@lab-agents/n", "Penalty": "3"})
    [answer] = await raw.frames_until(None, count=1)
    assert answer["Message"] == "Unable to add interface: Already there"
    assert server.members.members[("support", "Local/agent1@lab-agents/n")].penalty == 0


async def test_queue_rings_static_members_as_well_as_logged_in_ones(
        client: tuple[AmiServer, RawClient]) -> None:
    server, raw = client
    members = server.members
    static = members.add_static("support", "PJSIP/agent1", "Agent One", penalty=1)
    assert members.pick("support") is static  # nobody logged in: Asterisk still rings it

    await raw.send({"Action": "QueueAdd", "Queue": "support", "Interface": "PJSIP/agent3",
                    "Penalty": "0", "MemberName": "Agent Three"})
    await raw.frames_until("QueueMemberAdded")
    assert members.pick("support") is members.members[("support", "PJSIP/agent3")]
    members.busy.add("PJSIP/agent3")
    assert members.pick("support") is static
    static.paused = True
    assert members.pick("support") is None

    # Learnt from a played script's events, as a replayed trace's static member is.
    server.emit(render_frame([
        ("Event", "QueueMemberStatus"), ("Queue", "sales"), ("MemberName", "Agent Two"),
        ("Interface", "Local/agent2@lab-agents/n"), ("Membership", "static"),
        ("Penalty", "0"), ("Status", "2"), ("Paused", "0")]))
    assert members.pick("sales") is None  # in use: ringinuse=no
    server.emit(render_frame([
        ("Event", "QueueMemberStatus"), ("Queue", "sales"), ("MemberName", "Agent Two"),
        ("Interface", "Local/agent2@lab-agents/n"), ("Membership", "static"),
        ("Penalty", "0"), ("Status", "1"), ("Paused", "0")]))
    picked = members.pick("sales")
    assert picked is not None and (picked.interface, picked.dynamic) == (
        "Local/agent2@lab-agents/n", False)
