"""The simulated PBX speaks AsyncAGI as the recorded Asterisk does (shared/asterisk-traces).

Every test talks over real TCP: an AmiConnection drives the calls the way the
engine will (Action: AGI, results read from AsyncAGIExec by CommandID), and
the events it hears go through the real event pipeline and call tracker.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

import pytest

from ccengine.ami.connection import AmiConnection
from ccengine.ami.events import EVENT_PARSERS, WATCHED_VARIABLES
from ccengine.ami.frames import parse_frame
from ccengine.calls.model import FinishedCall, Outcome
from ccengine.calls.pipeline import EventPipeline
from ccengine.calls.tracker import CallTracker
from ccengine.config import AmiConfig
from ccengine.simulator.agi_calls import CallerScript, DialPlan, PlacedCall, QueuePlan
from ccengine.simulator.agi_commands import parse_dial, parse_queue, split_args
from ccengine.simulator.agi_pbx import AgiPbx
from ccengine.simulator.server import AmiServer
from ccengine.simulator.shapes import PRIVILEGE
from ccengine.tickets.phones import normalise
from tests.traces import EXPECTED, TRACES, trace

SCALE = 0.02  # scripted seconds run 50 times faster
DID = "48221110000"
AGI_TRACES = ("agi-ivr-vip-queue", "agi-external-transfer", "agi-after-hours",
              "agi-caller-hangs-up-in-ivr")


# -- a client that drives AsyncAGI as the engine will ---------------------------------

@dataclass
class Driver:
    """One AMI connection: sends AGI commands, hears every event, feeds the tracker."""

    port: int
    events: list[dict[str, str]] = field(default_factory=list)
    finished: list[FinishedCall] = field(default_factory=list)
    _results: dict[str, asyncio.Future[str]] = field(default_factory=dict)
    _by_channel: dict[str, set[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tracker = CallTracker(self.finished.append)
        self.pipeline = EventPipeline(self.tracker)
        config = AmiConfig(name="sim", port=self.port, username="ccengine", secret="ccsecret",
                           action_timeout=5.0, ping_interval=30.0)
        self.conn = AmiConnection(config, self._on_message)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self.conn.run()),
                       asyncio.create_task(self.pipeline.run())]
        await self.conn.wait_ready(5)

    async def stop(self) -> None:
        await self.conn.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _on_message(self, headers: Mapping[str, str], received_at: float) -> None:
        self.events.append(dict(headers))
        self.pipeline.feed("sim", headers, received_at)
        event = headers.get("Event")
        if event == "AsyncAGIExec":
            self._resolve(headers.get("CommandId", ""), unquote(headers["Result"]).rstrip("\n"))
        elif event == "AsyncAGIEnd":
            # Commands still queued when the channel hangs up are never run: no result.
            for command_id in self._by_channel.pop(headers["Channel"], set()):
                self._resolve(command_id, "AsyncAGIEnd")

    def _resolve(self, command_id: str, result: str) -> None:
        future = self._results.pop(command_id, None)
        if future is not None and not future.done():
            future.set_result(result)

    async def agi(self, channel: str, command: str, timeout: float = 10.0) -> str:
        """One AGI command's decoded result ('200 result=0'), 'Error: <message>', or
        'AsyncAGIEnd' when the channel hung up before the command could run."""
        command_id = f"cmd-{uuid.uuid4().hex[:12]}"
        future = self._results[command_id] = asyncio.get_running_loop().create_future()
        self._by_channel.setdefault(channel, set()).add(command_id)
        answer = await self.conn.send({"Action": "AGI", "Channel": channel,
                                       "Command": command, "CommandID": command_id})
        if not answer.success:
            self._results.pop(command_id, None)
            return f"Error: {answer.message}"
        return await asyncio.wait_for(future, timeout)

    async def drive(self, placed: PlacedCall, commands: Iterable[str]) -> list[str]:
        """Send commands one after another, each once the previous one answered."""
        return [await self.agi(placed.channel, command) for command in commands]

    def of_call(self, linkedid: str) -> list[dict[str, str]]:
        return [e for e in self.events if linkedid in (e.get("Linkedid"), e.get("DestLinkedid"))]

    def outcome(self, linkedid: str) -> FinishedCall:
        [call] = [call for call in self.finished if call.linkedid == linkedid]
        return call


@pytest.fixture
async def pbx() -> AsyncIterator[tuple[AmiServer, AgiPbx]]:
    server = AmiServer()
    await server.start()
    agi = AgiPbx(server, time_scale=SCALE)
    yield server, agi
    await agi.stop()
    await server.stop()


@pytest.fixture
async def driver(pbx: tuple[AmiServer, AgiPbx]) -> AsyncIterator[Driver]:
    server, _ = pbx
    assert server._server is not None
    client = Driver(int(server._server.sockets[0].getsockname()[1]))
    await client.start()
    yield client
    await client.stop()


async def eventually(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


async def finish(driver: Driver, *calls: PlacedCall) -> None:
    """Every call hung up, and the tracker has seen all of it."""
    for call in calls:
        await call.finished(10)
    await driver.conn.send({"Action": "Ping"})  # answered after every event before it
    await asyncio.wait_for(driver.pipeline.drained(), 10)


# -- the recorded traces ---------------------------------------------------------------

@dataclass(frozen=True)
class Recorded:
    events: list[dict[str, str]]  # what Asterisk said of the call
    commands: list[str]  # the AGI commands the recording client sent
    answers: list[tuple[str, str]]  # Response and Message to each AGI action
    linkedid: str


def recorded(name: str) -> Recorded:
    records = [json.loads(line) for line in trace(name).read_text().splitlines() if line]
    frames = [(record["dir"], parse_frame(record["raw"])) for record in records]
    agi_ids = {h["ActionID"]: h["Command"] for d, h in frames
               if d == "out" and h.get("Action") == "AGI"}
    events = [h for d, h in frames if d == "in" and "Event" in h]
    answers = [(h["Response"], h.get("Message", "")) for d, h in frames
               if d == "in" and h.get("ActionID") in agi_ids and "Response" in h]
    [start] = [h for h in events if h["Event"] == "AsyncAGIStart"]
    return Recorded(events, list(agi_ids.values()), answers, start["Linkedid"])


TRACE_CALLERS = {
    "agi-ivr-vip-queue": CallerScript("48604777888", "Anna Nowak", DID, digits=("2",),
                                      queues=(QueuePlan(talk_seconds=7.7),)),
    "agi-external-transfer": CallerScript("48606999000", None, DID,
                                          dials=(DialPlan(talk_seconds=3.5),)),
    "agi-after-hours": CallerScript("48607123123", None, DID),
    "agi-caller-hangs-up-in-ivr": CallerScript("48608000222", None, DID, hang_up_in_get_data=0),
}

SEQUENCE = re.compile(r"-[0-9a-f]{8}(?=;|$)")


def role(channel: str) -> str:
    """A channel without its sequence number: the same in a trace and the simulator."""
    return SEQUENCE.sub("", channel)


def _detail(h: Mapping[str, str]) -> str:
    name = h["Event"]
    if name == "AsyncAGIExec":
        return unquote(h["Result"]).rstrip("\n")
    if name == "VarSet":
        return f"{h['Variable']}={h.get('Value', '')}"  # an empty last header is lost in transit
    keys = {"AGIExecStart": ("Command",), "Hangup": ("Cause",), "DTMFEnd": ("Digit",),
            "DialBegin": ("DialString",), "DialEnd": ("DialStatus",),
            "QueueCallerJoin": ("Queue", "Position", "Count"), "QueueCallerLeave": ("Queue",),
            "QueueCallerAbandon": ("Queue", "HoldTime"),
            "AgentCalled": ("Queue", "MemberName"),
            "AgentRingNoAnswer": ("MemberName", "RingTime"),
            "AgentConnect": ("MemberName", "HoldTime", "RingTime"),
            "AgentComplete": ("MemberName", "HoldTime", "TalkTime", "Reason")}
    return " ".join(f"{key}={h.get(key)}" for key in keys.get(name, ()))


def story(events: Iterable[Mapping[str, str]], linkedid: str) -> list[tuple[str, str, str, str]]:
    """What an engine reads of one call: subscribed events, watched variables only."""
    told = []
    for h in events:
        name = h.get("Event", "")
        if name not in EVENT_PARSERS or linkedid not in (h.get("Linkedid"), h.get("DestLinkedid")):
            continue
        if name == "VarSet" and h.get("Variable") not in WATCHED_VARIABLES:
            continue
        told.append((name, role(h.get("Channel", "")), role(h.get("DestChannel", "")),
                     _detail(h)))
    return told


def trace_frames() -> list[str]:
    """Every event Asterisk sent in every trace, raw."""
    frames = []
    for path in sorted(TRACES.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if record["dir"] == "in" and record["raw"].startswith("Event: "):
                frames.append(record["raw"])
    return frames


def shape(raw: str) -> tuple[str, tuple[str, ...], str]:
    """An event's name, its header names in order (no Timestamp) and its Privilege."""
    names = [line.partition(": ")[0] for line in raw.split("\r\n") if ": " in line]
    headers = parse_frame(raw)
    return headers["Event"], tuple(n for n in names if n != "Timestamp"), headers.get(
        "Privilege", "")


# -- 1. conformance: every frame shaped as in the traces -------------------------------

CONFORMANCE_CALLS: list[tuple[CallerScript, list[str]]] = [
    (CallerScript("48604777888", "Anna Nowak", DID, digits=("12", "", "3#")),
     ["ANSWER", "EXEC MixMonitor /tmp/rec/x.wav,b", "EXEC Playback beep",
      "GET DATA beep 3000 2", "GET DATA beep 500 1", "GET DATA beep 3000 4",
      "SET VARIABLE QUEUE_PRIO 5", "GET VARIABLE QUEUE_PRIO", "GET VARIABLE NOPE",
      "VERBOSE hello 1", "NOOP", "FOO BAR", "EXEC Frobnicate x",
      "EXEC Queue support,t,,,30"]),
    (CallerScript("48603555666", None, DID,
                  queues=(QueuePlan(answered_by=None, member_timeout=4.0, retry_seconds=1.0),)),
     ["ANSWER", "EXEC Queue sales-empty,t,,,10", "EXEC Playback vm-goodbye", "HANGUP"]),
    (CallerScript("48602333444", None, DID,
                  queues=(QueuePlan(answered_by=None, abandon_after=3.5),)),
     ["ANSWER", "EXEC Queue sales-empty,t,,,30"]),
    (CallerScript("48602333445", None, DID, queues=(
        QueuePlan(answered_by=None, member_timeout=2.0, retry_seconds=5.0, abandon_after=3.0),)),
     ["ANSWER", "EXEC Queue sales-empty,t,,,30"]),
    (CallerScript("48606999000", None, DID, queues=(QueuePlan(status="JOINEMPTY"),),
                  dials=(DialPlan("BUSY"), DialPlan("NOANSWER"), DialPlan("CHANUNAVAIL"),
                         DialPlan("CONGESTION"), DialPlan("ANSWER"))),
     ["ANSWER", "EXEC Queue support,t,,,30", "EXEC Dial Local/48225550000@lab-external,20",
      "EXEC Dial Local/48225550000@lab-external,2", "EXEC Dial PJSIP/0048225550000@trunk,20",
      "EXEC Dial Local/48225550000@lab-external,20",
      "EXEC Dial Local/48225550000@lab-external,20", "ASYNCAGI BREAK"]),
    (CallerScript("48606999001", None, DID, hang_up_after_seconds=5.0),
     ["ANSWER", "EXEC Dial Local/48225550000@lab-external,20"]),
    (CallerScript("48606999002", None, DID, hang_up_after_seconds=2.5,
                  dials=(DialPlan(ring_seconds=5.0),)),
     ["ANSWER", "EXEC Dial Local/48225550000@lab-external,20"]),
    (CallerScript("48606999003", None, DID, hang_up_after_seconds=6.0,
                  queues=(QueuePlan(interface="PJSIP/agent1"),)),
     ["ANSWER", "EXEC Dial PJSIP/0048225550000@trunk,20", "EXEC Queue support,t,,,30"]),
    (CallerScript("48601000001", None, DID),
     ["ANSWER", "RECORD FILE /tmp/vm/a wav # 60000 BEEP s=5"]),
    (CallerScript("48601000002", None, DID), ["RECORD FILE /tmp/vm/b wav # 1000", "HANGUP"]),
    (CallerScript("48601000003", None, DID, hang_up_after_seconds=1.0), []),
    (CallerScript("48601000004", None, DID, hang_up_after_seconds=0.3), ["ANSWER"]),
    (CallerScript(None, None, DID, hang_up_after_seconds=1.0), ["ANSWER", "EXEC Playback beep"]),
]


async def wire_listener(port: int) -> tuple[asyncio.Task[None], list[str]]:
    """A raw TCP client: every frame exactly as it comes over the wire."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await reader.readline()  # banner
    writer.write(b"Action: Login\r\nUsername: ccengine\r\nSecret: ccsecret\r\n\r\n")
    frames: list[str] = []

    async def read() -> None:
        try:
            while True:
                frames.append((await reader.readuntil(b"\r\n\r\n")).decode())
        finally:
            writer.close()

    task = asyncio.create_task(read())
    await eventually(lambda: bool(frames))  # logged in
    return task, frames


async def test_every_event_has_the_header_names_order_and_privilege_of_the_traces(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    listener, wire = await wire_listener(driver.port)
    calls = [await agi.place_call(script) for script, _ in CONFORMANCE_CALLS]
    await asyncio.gather(*(driver.drive(call, commands)
                           for call, (_, commands) in zip(calls, CONFORMANCE_CALLS, strict=True)))
    await finish(driver, *calls)
    await asyncio.sleep(0.05)
    listener.cancel()

    recorded_shapes: dict[str, set[tuple[tuple[str, ...], str]]] = {}
    for raw in trace_frames():
        name, names, privilege = shape(raw)
        recorded_shapes.setdefault(name, set()).add((names, privilege))
    emitted = [shape(raw) for raw in wire if raw.startswith("Event: ")]
    emitted = [s for s in emitted if s[0] != "FullyBooted"]  # the login, not a call

    assert {name for name, _, _ in emitted} <= set(recorded_shapes), "an event no trace shows"
    assert set(PRIVILEGE) <= set(recorded_shapes)
    for name, names, privilege in emitted:
        assert (names, privilege) in recorded_shapes[name], f"{name}: {names} {privilege}"
    kinds = {name for name, _, _ in emitted}
    assert {"AgentRingNoAnswer", "QueueCallerAbandon", "MixMonitorStart", "DTMFEnd",
            "BridgeDestroy", "AgentComplete", "OriginateResponse"} <= kinds


async def test_timestamps_follow_the_script_clock_while_it_runs_faster(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(CallerScript("48601111222", "Jan Kowalski", DID,
                                               queues=(QueuePlan(talk_seconds=9.0),)))
    began = time.monotonic()
    await driver.drive(placed, ["ANSWER", "EXEC Queue support,t,,,30"])
    await finish(driver, placed)
    real = time.monotonic() - began

    stamp = {e["Event"]: float(e["Timestamp"]) for e in driver.of_call(placed.linkedid)
             if e["Event"] in ("QueueCallerJoin", "AgentConnect", "AgentComplete")}
    assert stamp["AgentConnect"] - stamp["QueueCallerJoin"] == pytest.approx(2.0, abs=1e-3)
    assert stamp["AgentComplete"] - stamp["AgentConnect"] == pytest.approx(9.0, abs=1e-3)
    assert real < 11.5  # faster than the script's own clock (a fraction of it when idle)


# -- 2. the client side of each AGI trace, replayed ------------------------------------

@pytest.mark.parametrize("name", AGI_TRACES)
async def test_replaying_a_traces_commands_tells_the_story_the_trace_tells(
    name: str, pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    lab = recorded(name)
    placed = await agi.place_call(TRACE_CALLERS[name])
    answers = [await driver.agi(placed.channel, command) for command in lab.commands]
    await finish(driver, placed)

    assert story(driver.of_call(placed.linkedid), placed.linkedid) == story(
        lab.events, lab.linkedid)
    gone = f"Error: Channel {placed.channel} does not exist."
    lab_errors = [message for response, message in lab.answers if response == "Error"]
    our_errors = [answer for answer in answers if answer.startswith("Error")]
    assert our_errors == [gone] * len(lab_errors)
    assert [role(m) for m in lab_errors] == [role(gone.removeprefix("Error: "))] * len(lab_errors)
    assert placed.commands == lab.commands[: len(lab.commands) - len(lab_errors)]  # accepted
    assert placed.linkedid == driver.of_call(placed.linkedid)[0]["Uniqueid"]


async def test_the_vip_trace_ends_with_the_error_asyncagi_break_gets_after_hangup(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(TRACE_CALLERS["agi-ivr-vip-queue"])
    answers = await driver.drive(placed, recorded("agi-ivr-vip-queue").commands)
    assert answers == ["200 result=0", "200 result=0", "200 result=2", "200 result=1",
                       "200 result=-1", f"Error: Channel {placed.channel} does not exist."]


@pytest.mark.parametrize("name", AGI_TRACES)
async def test_the_tracker_gives_each_replayed_trace_the_outcome_its_readme_states(
    name: str, pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(TRACE_CALLERS[name])
    await driver.drive(placed, recorded(name).commands)
    await finish(driver, placed)

    call, [expected] = driver.outcome(placed.linkedid), EXPECTED[name]
    assert normalise(call.caller_number, "PL") == expected.caller
    assert (call.outcome, call.queue, call.agent_name) == (
        expected.outcome, expected.queue, expected.agent)
    assert (call.hold_seconds, call.caller_name) == (expected.hold, expected.caller_name)
    if expected.talk is not None:
        assert call.talk_seconds == expected.talk
    assert (call.ivr_digits, call.queue_priority) == (expected.ivr_digits, expected.priority)
    assert call.did == DID


# -- 3. simulated calls through the engine's tracker ------------------------------------

async def test_queue_answered_is_answered_with_agent_and_hold_time(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(CallerScript("48601111222", "Jan Kowalski", DID))
    answers = await driver.drive(placed, ["ANSWER", "EXEC MixMonitor /rec/a.wav",
                                          "EXEC Queue support,t,,,30", "ASYNCAGI BREAK"])
    await finish(driver, placed)
    assert answers[2:] == ["200 result=-1", f"Error: Channel {placed.channel} does not exist."]
    call = driver.outcome(placed.linkedid)
    assert call.outcome is Outcome.ANSWERED
    assert (call.agent_name, call.agent_interface) == ("Agent One", "Local/agent1@lab-agents/n")
    assert (call.queue, call.hold_seconds, call.talk_seconds) == ("support", 2, 9)
    assert call.recording_file == "/rec/a.wav"


async def test_queue_timeout_is_a_timeout_and_the_call_goes_on(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(CallerScript("48603555666", None, DID,
                                               queues=(QueuePlan(answered_by=None),)))
    answers = await driver.drive(placed, ["ANSWER", "EXEC Queue sales-empty,t,,,6",
                                          "GET VARIABLE QUEUESTATUS", "EXEC Playback vm-goodbye",
                                          "HANGUP"])
    await finish(driver, placed)
    assert answers == ["200 result=0", "200 result=0", "200 result=1 (TIMEOUT)",
                       "200 result=0", "200 result=1"]
    call = driver.outcome(placed.linkedid)
    assert (call.outcome, call.queue, call.hold_seconds) == (Outcome.TIMEOUT, "sales-empty", 6)
    [abandon] = [e for e in driver.of_call(placed.linkedid)
                 if e["Event"] == "QueueCallerAbandon"]
    assert abandon["HoldTime"] == "6"  # Asterisk's "abandon" on a timeout, as in queue-timeout


async def test_caller_hanging_up_in_queue_is_abandoned(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(CallerScript(
        "48602333444", None, DID, queues=(QueuePlan(answered_by=None, abandon_after=3.4),)))
    answers = await driver.drive(placed, ["ANSWER", "EXEC Queue sales-empty,t,,,30"])
    await finish(driver, placed)
    assert answers == ["200 result=0", "200 result=-1"]
    call = driver.outcome(placed.linkedid)
    assert (call.outcome, call.hold_seconds) == (Outcome.ABANDONED, 3)


async def test_caller_hanging_up_in_get_data_is_ivr_abandoned(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(CallerScript("48608000222", None, DID, hang_up_in_get_data=1,
                                               digits=("1",)))
    answers = await driver.drive(placed, ["ANSWER", "GET DATA beep 3000 1",
                                          "GET DATA beep 8000 1", "EXEC Queue support,t,,,20"])
    await finish(driver, placed)
    assert answers == ["200 result=0", "200 result=1", "200 result=-1",
                       f"Error: Channel {placed.channel} does not exist."]
    call = driver.outcome(placed.linkedid)
    assert (call.outcome, call.ivr_digits, call.queue) == (Outcome.IVR_ABANDONED, "1", None)


async def test_dial_answered_is_external(pbx: tuple[AmiServer, AgiPbx], driver: Driver) -> None:
    _, agi = pbx
    placed = await agi.place_call(CallerScript("48606999000", None, DID))
    answers = await driver.drive(placed, ["ANSWER", "EXEC Dial Local/48225550000@lab-external,20",
                                          "GET VARIABLE DIALSTATUS", "ASYNCAGI BREAK"])
    await finish(driver, placed)
    assert answers == ["200 result=0", "200 result=-1", "200 result=1 (ANSWER)", "200 result=0"]
    call = driver.outcome(placed.linkedid)
    assert (call.outcome, call.external_number, call.talk_seconds) == (
        Outcome.EXTERNAL, "48225550000", 3)


@pytest.mark.parametrize(("status", "timeout", "cause"), [
    ("BUSY", "20", "17"), ("CONGESTION", "20", "34"), ("NOANSWER", "3", "0"),
    ("ANSWER", "1", "0"),  # rings longer than the Dial timeout: NOANSWER
])
async def test_dial_not_answered_sets_dialstatus_and_the_call_goes_on(
    status: str, timeout: str, cause: str, pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(CallerScript("48606999000", None, DID,
                                               dials=(DialPlan(status, ring_seconds=2.0),)))
    answers = await driver.drive(placed, [
        "ANSWER", f"EXEC Dial Local/48225550000@lab-external,{timeout}",
        "GET VARIABLE DIALSTATUS", "HANGUP"])
    await finish(driver, placed)
    expected_status = "NOANSWER" if status == "ANSWER" else status
    assert answers == ["200 result=0", "200 result=0", f"200 result=1 ({expected_status})",
                       "200 result=1"]
    events = driver.of_call(placed.linkedid)
    [end] = [e for e in events if e["Event"] == "DialEnd" and e.get("Channel")]
    assert end["DialStatus"] == expected_status
    far = [e for e in events if e["Event"] == "Hangup" and "lab-external" in e["Channel"]]
    assert [e["Cause"] for e in far] == [cause, cause]
    assert driver.outcome(placed.linkedid).outcome is Outcome.UNANSWERED


async def test_hangup_after_playback_is_unanswered(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(CallerScript("48607123123", None, DID))
    answers = await driver.drive(placed, ["ANSWER", "EXEC Playback vm-goodbye", "HANGUP",
                                          "NOOP"])
    await finish(driver, placed)
    assert answers[:3] == ["200 result=0", "200 result=0", "200 result=1"]
    assert answers[3] == f"Error: Channel {placed.channel} does not exist."
    assert driver.outcome(placed.linkedid).outcome is Outcome.UNANSWERED


async def test_record_file_ends_with_the_caller_hanging_up(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(CallerScript("48601000001", None, DID, speaks_seconds=4.0))
    answers = await driver.drive(placed, ["ANSWER", "EXEC Playback vm-goodbye",
                                          "RECORD FILE /spool/vm/x wav # 60000 BEEP s=5"])
    await finish(driver, placed)
    assert answers[2] == "200 result=-1 (hangup) endpos=32000"
    assert placed.recordings == ["/spool/vm/x.wav"]
    call = driver.outcome(placed.linkedid)
    hangups = [entry.detail["by"] for entry in call.timeline if entry.kind == "hangup"]
    assert hangups == ["caller"]
    assert call.outcome.missed and call.queue is None
    # The tracker today reads result=-1 as "left in the IVR"; a voicemail engine may
    # want UNANSWERED: either is a missed call the caller ended.
    assert call.outcome in (Outcome.UNANSWERED, Outcome.IVR_ABANDONED)


async def test_record_file_shorter_than_the_message_times_out(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(CallerScript("48601000001", None, DID))
    answers = await driver.drive(placed, ["ANSWER", "RECORD FILE /vm/y wav # 2000", "HANGUP"])
    await finish(driver, placed)
    assert answers == ["200 result=0", "200 result=0 (timeout) endpos=16000", "200 result=1"]


# -- 4. many calls at once ----------------------------------------------------------------

MIX: list[tuple[CallerScript, list[str], Outcome]] = [
    (CallerScript("48601000000", None, DID), ["ANSWER", "EXEC Queue support,t,,,30"],
     Outcome.ANSWERED),
    (CallerScript("48602000000", None, DID, queues=(QueuePlan(answered_by=None),)),
     ["ANSWER", "EXEC Queue sales,t,,,5", "HANGUP"], Outcome.TIMEOUT),
    (CallerScript("48603000000", None, DID, hang_up_in_get_data=0),
     ["ANSWER", "GET DATA beep 5000 1"], Outcome.IVR_ABANDONED),
    (CallerScript("48604000000", None, DID),
     ["ANSWER", "EXEC Dial Local/48225550000@lab-external,20", "ASYNCAGI BREAK"],
     Outcome.EXTERNAL),
    (CallerScript("48605000000", None, DID), ["ANSWER", "EXEC Playback vm-goodbye", "HANGUP"],
     Outcome.UNANSWERED),
]


async def test_fifty_concurrent_calls_complete_independently(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    plan = [MIX[i % len(MIX)] for i in range(50)]
    calls = [await agi.place_call(script) for script, _, _ in plan]
    await asyncio.gather(*(driver.drive(call, commands)
                           for call, (_, commands, _) in zip(calls, plan, strict=True)))
    await finish(driver, *calls)

    assert len({call.linkedid for call in calls}) == 50
    assert len({call.channel for call in calls}) == 50
    for call, (_, _, outcome) in zip(calls, plan, strict=True):
        assert driver.outcome(call.linkedid).outcome is outcome
    assert len(driver.tracker) == 0


async def test_a_call_waiting_in_a_long_queue_does_not_delay_another_answer(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    waiting = await agi.place_call(CallerScript("48601000000", None, DID,
                                                queues=(QueuePlan(answered_by=None),)))
    await driver.agi(waiting.channel, "ANSWER")
    queued = asyncio.create_task(driver.agi(waiting.channel, "EXEC Queue sales,t"))
    await eventually(lambda: any(e["Event"] == "QueueCallerJoin"
                                 for e in driver.of_call(waiting.linkedid)))

    other = await agi.place_call(CallerScript("48602000000", None, DID))
    # The waiting caller is never answered: an ANSWER queued behind it would never
    # return (the bound only turns that hang into a failure, whatever the machine's load).
    answered = await asyncio.wait_for(driver.agi(other.channel, "ANSWER"), 30)
    assert answered == "200 result=0"
    assert not queued.done() and not waiting.over

    waiting.hang_up()
    assert await queued == "200 result=-1"
    await driver.agi(other.channel, "HANGUP")
    await finish(driver, waiting, other)
    assert driver.outcome(waiting.linkedid).outcome is Outcome.ABANDONED


async def test_commands_of_one_channel_run_one_after_another(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(CallerScript("48601000000", None, DID))
    commands = ["ANSWER", "EXEC Playback beep", "SET VARIABLE A 1", "GET VARIABLE A"]
    answers = await asyncio.gather(*(driver.agi(placed.channel, c) for c in commands))
    assert answers == ["200 result=0", "200 result=0", "200 result=1", "200 result=1 (1)"]
    agi_events = [(e["Event"], e["Command"] if "Command" in e else unquote(e["Result"]))
                  for e in driver.of_call(placed.linkedid)
                  if e["Event"] in ("AGIExecStart", "AsyncAGIExec")]
    starts = [command for kind, command in agi_events if kind == "AGIExecStart"]
    assert starts == commands
    assert [kind for kind, _ in agi_events] == ["AGIExecStart", "AsyncAGIExec"] * 4
    placed.hang_up()
    await finish(driver, placed)


# -- 5. the AGI action's answers, variables, odd commands ---------------------------------

async def test_a_command_after_hangup_gets_the_error_of_the_traces(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(CallerScript("48601000000", None, DID,
                                               hang_up_after_seconds=1.0))
    await finish(driver, placed)
    answer = await driver.agi(placed.channel, "ANSWER")
    assert answer == f"Error: Channel {placed.channel} does not exist."
    names = [e["Event"] for e in driver.of_call(placed.linkedid)]
    assert names[-5:] == ["Hangup", "AsyncAGIEnd", "VarSet", "SoftHangupRequest", "Hangup"]
    assert "AGIExecStart" not in names  # the caller left while no command ran


async def test_get_variable_returns_what_was_set_and_the_channel_functions(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(CallerScript("48601111222", "Jan Kowalski", DID))
    answers = await driver.drive(placed, [
        "SET VARIABLE QUEUE_PRIO 10", "GET VARIABLE QUEUE_PRIO", "GET VARIABLE NEVER_SET",
        'SET VARIABLE GREETING "dzień dobry"', "GET VARIABLE GREETING",
        "GET VARIABLE CALLERID(num)", "GET VARIABLE UNIQUEID", "EXEC Set(X=1)",
        "EXEC Set X=2", "GET VARIABLE X"])
    assert answers == ["200 result=1", "200 result=1 (10)", "200 result=0", "200 result=1",
                       "200 result=1 (dzień dobry)", "200 result=1 (48601111222)",
                       f"200 result=1 ({placed.uniqueid})", "200 result=-2", "200 result=0",
                       "200 result=1 (2)"]
    placed.hang_up()
    await finish(driver, placed)


async def test_unknown_commands_and_channels_not_in_agi(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(CallerScript("48601000000", None, DID))
    assert await driver.agi(placed.channel, "FROBNICATE now") == "510 Invalid or unknown command"
    assert (await driver.agi(placed.channel, "GET DATA")).startswith("520-Invalid command syntax")
    caller_half = placed.channel.replace(";2", ";1")
    assert await driver.agi(caller_half, "ANSWER") == (
        f"Error: Failed to add AGI command to channel {caller_half} queue")
    assert await driver.agi("PJSIP/nobody-00000001", "ANSWER") == (
        "Error: Channel PJSIP/nobody-00000001 does not exist.")
    [end] = [e for e in driver.of_call(placed.linkedid) if e["Event"] == "AGIExecEnd"
             and e["Command"] == "FROBNICATE now"]
    assert (end["ResultCode"], end["Result"]) == ("510", "Invalid or unknown command")
    placed.hang_up()
    await finish(driver, placed)


async def test_async_agi_start_is_the_traces_with_this_caller(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(CallerScript("48512345678", "Łukasz Żółtowski", DID))
    await driver.agi(placed.channel, "NOOP")
    [start] = [e for e in driver.of_call(placed.linkedid) if e["Event"] == "AsyncAGIStart"]
    assert start["Channel"] == placed.channel
    assert re.fullmatch(rf"Local/{DID}@ccengine-inbound-[0-9a-f]{{8}};2", placed.channel)
    assert (start["Uniqueid"], start["Linkedid"]) == (placed.uniqueid, placed.linkedid)
    assert "agi_calleridname%3A%20%C5%81ukasz%20%C5%BB%C3%B3%C5%82towski%0A" in start["Env"]
    env = dict(line.split(": ", 1) for line in unquote(start["Env"]).splitlines() if line)
    assert (env["agi_channel"], env["agi_extension"], env["agi_priority"]) == (
        placed.channel, DID, "2")
    placed.hang_up()
    await finish(driver, placed)
    assert driver.outcome(placed.linkedid).caller_name == "Łukasz Żółtowski"


async def test_anonymous_caller_shows_unknown(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    placed = await agi.place_call(CallerScript(None, None, DID, hang_up_after_seconds=0.5))
    await placed  # the handle is awaitable: the call is over
    assert placed.over
    await finish(driver, placed)
    [start] = [e for e in driver.of_call(placed.linkedid) if e["Event"] == "AsyncAGIStart"]
    assert start["CallerIDNum"] == "<unknown>"
    assert driver.outcome(placed.linkedid).caller_number is None


async def test_a_vip_joins_the_queue_ahead_and_queue_status_shows_its_priority(
    pbx: tuple[AmiServer, AgiPbx], driver: Driver
) -> None:
    _, agi = pbx
    waits = CallerScript("48601000000", None, DID, queues=(QueuePlan(answered_by=None),))
    first, vip = await agi.place_call(waits), await agi.place_call(waits)
    tasks = [asyncio.create_task(driver.agi(first.channel, "EXEC Queue support,t"))]
    await driver.agi(vip.channel, "SET VARIABLE QUEUE_PRIO 10")
    tasks.append(asyncio.create_task(driver.agi(vip.channel, "EXEC Queue support,t")))
    await eventually(lambda: sum(e.get("Event") == "QueueCallerJoin" for e in driver.events) == 2)

    [join] = [e for e in driver.of_call(vip.linkedid) if e["Event"] == "QueueCallerJoin"]
    assert (join["Position"], join["Count"]) == ("1", "2")
    status = await driver.conn.send({"Action": "QueueStatus"})
    entries = [(e["Uniqueid"], e["Position"], e["Priority"]) for e in status.events
               if e.get("Event") == "QueueEntry"]
    assert entries == [(vip.uniqueid, "1", "10"), (first.uniqueid, "2", "0")]

    first.hang_up()
    vip.hang_up()
    assert await asyncio.gather(*tasks) == ["200 result=-1", "200 result=-1"]
    await finish(driver, first, vip)
    [abandon] = [e for e in driver.of_call(vip.linkedid) if e["Event"] == "QueueCallerAbandon"]
    assert (abandon["Position"], abandon["OriginalPosition"]) == ("1", "1")


# -- pure parts ----------------------------------------------------------------------------

def test_queue_arguments_are_this_asterisks_order() -> None:
    args = parse_queue("support,t,,,20,,,tiered,3")
    assert (args.queue, args.options, args.timeout, args.rule, args.position) == (
        "support", "t", 20.0, "tiered", 3)
    assert parse_queue("sales").timeout is None


def test_dial_arguments() -> None:
    args = parse_dial("PJSIP/1@trunk&PJSIP/2@trunk,30,tT")
    assert (args.targets, args.timeout, args.options) == (
        ("PJSIP/1@trunk", "PJSIP/2@trunk"), 30.0, "tT")


def test_agi_arguments_split_like_res_agi() -> None:
    assert split_args('SET VARIABLE "A B" "c \\"d\\""') == ["SET", "VARIABLE", "A B", 'c "d"']
    assert split_args("GET DATA beep  4000 1") == ["GET", "DATA", "beep", "4000", "1"]
    assert split_args('EXEC Playback ""') == ["EXEC", "Playback", ""]
