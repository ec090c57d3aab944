"""AsyncAGI on the simulated PBX: inbound calls that an AMI client drives with Action: AGI.

Usage::

    server = AmiServer(); await server.start()
    agi = AgiPbx(server, time_scale=0.05)      # scripted durations 20x faster
    placed = await agi.place_call(CallerScript("48601111222", "Jan Kowalski", "48221110000"))
    ... the client answers AsyncAGIStart with Action: AGI (Channel, Command, CommandID) ...
    await placed                                # every channel of the call hung up
    await agi.stop()

A placed call is a Local channel pair, ``Local/<did>@ccengine-inbound-<seq>;1``
(the caller's half, Linkedid of the call) and ``;2`` (the AsyncAGI channel),
announced exactly as in the recorded traces. The ``AGI`` action is answered
like Asterisk does (``Added AGI command to queue``, or ``Channel ... does not
exist.`` once the channel has hung up); each call runs in its own task and
executes its commands one after another (Asterisk's AGI command queue per
channel), so a slow call never holds up another.

Time: every event's Timestamp follows the script's own clock (VirtualClock).
Virtual time is the call's start plus real time elapsed divided by
``time_scale``; a scripted wait (prompt, ring, talk, GET DATA timeout, Queue()
timeout) ends at exactly its virtual length however late the event loop woke,
and the events of one burst share their instant. Durations an engine reads
from timestamps or from HoldTime/TalkTime stay true at any scale.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from ccengine.cancelling import cancel_and_wait
from ccengine.simulator import shapes
from ccengine.simulator.agi_basic import find_handler
from ccengine.simulator.agi_calls import CallerScript, PlacedCall
from ccengine.simulator.agi_commands import (
    UNKNOWN_COMMAND,
    AgiReply,
    CallerHungUp,
    Ending,
    caller_gone,
    split_args,
)
from ccengine.simulator.scripts import IdentityMint
from ccengine.simulator.server import AmiServer, ClientSession, reply
from ccengine.simulator.shapes import RING, UNKNOWN, UP, SimChannel

log = logging.getLogger(__name__)

AGI_PICKUP_SECONDS = 0.05  # the AGI loop polls its queue every 100 ms: half that on average
CALLER_CONTEXT, CALLER_EXTEN = "lab-callers", "talk"  # the caller's half, as in the lab
STAYS_SECONDS = 3600  # the caller half's Wait() when the script sets no hang-up time


class VirtualClock:
    """The script's clock for one call (see the module docstring).

    It moves only where the call awaits: the events of one burst share their
    instant, a scripted wait ends exactly at its end, and a wait for the
    client counts its real length divided by the scale.
    """

    def __init__(self, scale: float, origin: float) -> None:
        self.scale = scale
        self._now = self._anchor = origin
        self._real = time.monotonic()

    def now(self) -> float:
        return self._now

    def live(self) -> float:
        """What the clock would say if the call woke up now."""
        return self._anchor + (time.monotonic() - self._real) / self.scale

    def delay_to(self, virtual: float) -> float:
        return max(0.0, (virtual - self.live()) * self.scale)

    def resume(self) -> None:
        """After waiting for the client: its real time counts, scaled."""
        self._now = max(self._now, self.live())

    def settle(self, virtual: float) -> None:
        """A scripted wait ended at ``virtual``: lag in waking up does not count."""
        self._now = self._anchor = max(virtual, self._now)
        self._real = time.monotonic()


@dataclass(slots=True)
class _Seat:
    uniqueid: str
    priority: int


@dataclass(frozen=True, slots=True)
class _Queued:
    command: str
    command_id: str


class AgiPbx:
    """Plays AsyncAGI inbound calls on an AmiServer and answers its Action: AGI."""

    def __init__(self, server: AmiServer, time_scale: float = 1.0,
                 mint: IdentityMint | None = None, context: str = "ccengine-inbound") -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.server, self.time_scale, self.context = server, time_scale, context
        self.mint = mint or IdentityMint(epoch=int(time.time()))
        self.started = int(time.time())
        self.calls: list[PlacedCall] = []
        self.random = random.Random()
        self._channels: dict[str, CallRun] = {}  # live channel name → its call
        self._seats: dict[str, list[_Seat]] = {}  # queue → callers waiting, in order
        self._members: dict[tuple[str, str], shapes.MemberStatus] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._originates = itertools.count(1)
        server.add_action("agi", self._agi_action)

    async def place_call(self, script: CallerScript, at: float | None = None) -> PlacedCall:
        """Start an inbound call: its channels appear and AsyncAGIStart is sent at once.

        ``at`` sets the call's virtual start (a Unix time), so a test or the
        demo can ring on a Monday morning or a holiday whatever the real date.
        """
        run = CallRun(self, script, time.time() if at is None else at)
        self.calls.append(run.placed)
        task = asyncio.create_task(run.run(), name=f"agi-call-{run.placed.linkedid}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return run.placed

    async def stop(self) -> None:
        """Drop every call still running (no events: as if the PBX were gone)."""
        await cancel_and_wait(self._tasks)

    # -- what calls share ---------------------------------------------------------

    def register(self, channel: SimChannel, run: CallRun) -> None:
        self._channels[channel.name] = run

    def unregister(self, name: str) -> None:
        self._channels.pop(name, None)

    def originate_id(self) -> str:
        return f"ccengine-sim-originate-{next(self._originates)}"

    def join_queue(self, queue: str, uniqueid: str, priority: int,
                   position: int | None) -> tuple[int, int]:
        """Seat a caller ahead of those of lower priority: (position, count)."""
        seats = self._seats.setdefault(queue, [])
        index = next((i for i, seat in enumerate(seats) if seat.priority < priority), len(seats))
        if position is not None:
            index = min(index, position - 1)
        seats.insert(index, _Seat(uniqueid, priority))
        return index + 1, len(seats)

    def queue_position(self, queue: str, uniqueid: str) -> int:
        seats = self._seats.get(queue, [])
        return next((i + 1 for i, seat in enumerate(seats) if seat.uniqueid == uniqueid), 0)

    def leave_queue(self, queue: str, uniqueid: str) -> tuple[int, int]:
        """Unseat a caller: (the position it had, callers left)."""
        position = self.queue_position(queue, uniqueid)
        seats = self._seats.get(queue, [])
        if position:
            del seats[position - 1]
        return position, len(seats)

    def member(self, queue: str, name: str, interface: str) -> shapes.MemberStatus:
        key = (queue, name)
        if key not in self._members:
            state_interface = interface.removesuffix("/n")
            self._members[key] = shapes.MemberStatus(queue, name, interface, state_interface,
                                                     login_time=self.started)
        return self._members[key]

    # -- Action: AGI ----------------------------------------------------------------

    async def _agi_action(self, session: ClientSession, action: dict[str, str]) -> None:
        channel, command = action.get("Channel", ""), action.get("Command", "")
        run = self._channels.get(channel)
        if not channel or not command:
            message = "Both, Channel and Command are *required*"
        elif run is None:
            message = f"Channel {channel} does not exist."
        elif not run.takes_commands(channel):
            message = f"Failed to add AGI command to channel {channel} queue"
        else:
            reply(session, action, "Success", [("Message", "Added AGI command to queue")])
            run.enqueue(command, action.get("CommandID", ""))
            return
        reply(session, action, "Error", [("Message", message)])


class CallRun:
    """One inbound call: its channels, its clock, its AGI command queue."""

    def __init__(self, pbx: AgiPbx, script: CallerScript, start: float) -> None:
        self.pbx, self.script = pbx, script
        self.clock = VirtualClock(pbx.time_scale, start)
        self.runs: dict[str, int] = {}  # how often GET DATA, Queue, Dial ran
        self.after_reply: list[Callable[[], None]] = []  # events due after AsyncAGIExec
        self.after_hangup: list[Callable[[], None]] = []  # due after the AGI channel's Hangup
        self.caller_left = False
        self._in_agi = True
        self._queue: deque[_Queued] = deque()
        self._wake = asyncio.Event()
        self._hangup_at = math.inf
        if script.hang_up_after_seconds is not None:
            self._hangup_at = start + script.hang_up_after_seconds
        self.caller, self.agi = self._inbound_pair()
        self.placed = PlacedCall(script, self.agi.name, self.agi.uniqueid, self.caller.uniqueid,
                                 _hang_up=lambda: self.hang_up_by(self.clock.live()))
        self._announce()

    # -- channels and events ------------------------------------------------------

    @property
    def now(self) -> float:
        return self.clock.now()

    def emit(self, raw: str) -> None:
        self.placed.events.append(raw)
        self.pbx.server.emit(raw, at=self.clock.now())

    def new_channel(self, name: str, context: str, exten: str, state: int,
                    linkedid: str | None = None) -> SimChannel:
        """A channel of this call (Linkedid: the caller's half), known to Action: AGI."""
        uniqueid = self.pbx.mint.uniqueid()
        channel = SimChannel(name, uniqueid, linkedid or self.caller.linkedid, context, exten,
                             state=state, created=self.now)
        self.pbx.register(channel, self)
        return channel

    def set_var(self, channel: SimChannel, name: str, value: str) -> None:
        channel.variables[name] = value
        self.emit(shapes.var_set(channel, name, value))

    def hang_up_channel(self, channel: SimChannel, cause: int) -> None:
        self.emit(shapes.hangup(channel, cause))
        self.pbx.unregister(channel.name)

    def next_run(self, kind: str) -> int:
        """0 for the first GET DATA (Queue, Dial) of the call, then 1, ..."""
        count = self.runs.get(kind, 0)
        self.runs[kind] = count + 1
        return count

    def _inbound_pair(self) -> tuple[SimChannel, SimChannel]:
        did, context = self.script.did, self.pbx.context
        base = f"Local/{did}@{context}-{self.pbx.mint.sequence()}"
        uniqueid = self.pbx.mint.uniqueid()
        one = SimChannel(f"{base};1", uniqueid, uniqueid, context, did, created=self.now)
        self.pbx.register(one, self)
        two = self.new_channel(f"{base};2", context, did, RING, linkedid=uniqueid)
        return one, two

    def _announce(self) -> None:
        """Newchannel ... AsyncAGIStart, in the order of the agi-* traces."""
        one, two, script = self.caller, self.agi, self.script
        number, name = script.number or UNKNOWN, script.name or UNKNOWN
        self.emit(shapes.channel_event("Newchannel", one))
        self.emit(shapes.channel_event("Newchannel", two))
        self.emit(shapes.newexten(one, "AppDial2", "(Outgoing Line)"))
        one.caller_num, one.caller_name = number, name
        self.emit(shapes.new_caller_id(one))
        one.connected_num, one.connected_name = number, name
        self.emit(shapes.channel_event("NewConnectedLine", one))
        two.caller_num, two.caller_name = number, name
        two.connected_num, two.connected_name = number, name
        self.emit(shapes.new_caller_id(two))
        self.emit(shapes.channel_event("NewConnectedLine", two))
        self.emit(shapes.local_bridge(one, two, one.context, one.exten, optimized=True))
        self.emit(shapes.pair_event("DialBegin", None, one,
                                    ("DialString", f"{one.exten}@{one.context}")))
        self.emit(shapes.newexten(two, "NoOp", f"ccengine inbound {two.exten} from "
                                               f"{script.number or ''}"))
        two.priority = 2
        self.emit(shapes.newexten(two, "AGI", "agi:async"))
        env = shapes.agi_env(two, self.pbx.random.randrange(10**14, 10**15))
        self.emit(shapes.async_agi_start(two, env))

    def answer_channels(self) -> None:
        """The AGI channel answers: both halves go Up and the caller's half runs its
        own dialplan (lab-callers), as after ANSWER in the agi-* traces."""
        one, two = self.caller, self.agi
        two.state, two.answered = UP, self.now
        self.emit(shapes.channel_event("Newstate", two))
        self.emit(shapes.device_state(self._device, "INUSE"))
        one.state = UP
        self.emit(shapes.channel_event("Newstate", one))
        self.emit(shapes.pair_event("DialEnd", None, one, ("DialStatus", "ANSWER")))
        one.context, one.exten = CALLER_CONTEXT, CALLER_EXTEN
        self.emit(shapes.newexten(one, "Answer"))
        one.priority = 2
        stays = self.script.hang_up_after_seconds
        self.emit(shapes.newexten(one, "Wait", str(round(stays) if stays else STAYS_SECONDS)))
        self.emit(shapes.originate_response(self.pbx.originate_id(), one))
        self.emit(shapes.device_state(self._device, "INUSE"))

    @property
    def _device(self) -> str:
        return f"Local/{self.script.did}@{self.pbx.context}"

    # -- time -----------------------------------------------------------------------

    def hang_up_by(self, at: float) -> None:
        """The caller hangs up at virtual time ``at`` (or earlier, if so scripted)."""
        if at < self._hangup_at:
            self._hangup_at = at
            self._wake.set()

    async def wait(self, seconds: float) -> None:
        await self.wait_until(self.now + seconds)

    async def wait_until(self, target: float) -> None:
        """A scripted wait; raises CallerHungUp if the caller hangs up first."""
        if self.caller_left:
            raise CallerHungUp
        while True:
            deadline = self._hangup_at
            end = min(target, deadline)
            if not await self._pause(end):
                continue  # woken early: a new command, or the hang-up time moved
            self.clock.settle(end)
            if deadline <= target:
                self._caller_hangs_up()
                raise CallerHungUp
            return

    async def wait_for_hangup(self) -> NoReturn:
        await self.wait_until(math.inf)
        raise AssertionError("a wait without end ended")  # wait_until(inf) only raises

    async def _pause(self, end: float) -> bool:
        """Sleep until virtual ``end``: True when reached, False when woken before."""
        self._wake.clear()
        if end == math.inf:
            await self._wake.wait()
            return False
        delay = self.clock.delay_to(end)
        if delay <= 0:
            return True
        try:
            await asyncio.wait_for(self._wake.wait(), delay)
        except TimeoutError:
            return True
        return False

    # -- the AGI session ------------------------------------------------------------

    def takes_commands(self, channel: str) -> bool:
        return self._in_agi and channel == self.agi.name

    def enqueue(self, command: str, command_id: str) -> None:
        self.placed.commands.append(command)
        self._queue.append(_Queued(command, command_id))
        self._wake.set()

    async def run(self) -> None:
        try:
            ending = await self._serve()
            self._end(ending)
        except Exception:  # a simulator bug: end this call, keep the others going
            log.exception("simulated call %s failed", self.placed.linkedid)
        finally:
            self._in_agi = False
            for channel in (self.caller, self.agi):
                self.pbx.unregister(channel.name)
            self.placed._over.set()

    async def _serve(self) -> Ending:
        while True:
            queued = await self._next_command()
            if queued is None:
                return Ending.CALLER_GONE
            answer = await self._execute(queued)
            if answer.ending is not Ending.CONTINUE:
                return answer.ending

    async def _next_command(self) -> _Queued | None:
        """The next command, or None when the caller hangs up while none runs."""
        while not self._queue:
            deadline = self._hangup_at
            if await self._pause(deadline):
                self.clock.settle(deadline)
                self._caller_hangs_up()
                return None
            self.clock.resume()
        queued = self._queue.popleft()
        try:
            await self.wait(AGI_PICKUP_SECONDS)
        except CallerHungUp:
            return None
        return queued

    async def _execute(self, queued: _Queued) -> AgiReply:
        args = split_args(queued.command)
        handler = find_handler(args)
        internal_id = str(self.pbx.random.randrange(10**8, 2**31))
        if handler is None:
            answer = UNKNOWN_COMMAND  # res_agi announces no AGIExecStart for these
        else:
            self.emit(shapes.agi_exec_start(self.agi, internal_id, queued.command))
            try:
                answer = await handler(self, args)
            except CallerHungUp:
                answer = caller_gone()
        self.emit(shapes.agi_exec_end(self.agi, internal_id, queued.command, answer.code,
                                      answer.status))
        self.emit(shapes.async_agi_exec(self.agi, answer.text, queued.command_id))
        self._flush(self.after_reply)
        return answer

    @staticmethod
    def _flush(due: list[Callable[[], None]]) -> None:
        while due:
            due.pop(0)()

    # -- how a call ends -------------------------------------------------------------

    def _caller_hangs_up(self) -> None:
        """The caller's half hangs up (its dialplan's Hangup()): the first events."""
        if self.caller_left:
            return
        self.caller_left = True
        one = self.caller
        if one.state == UP:
            one.priority = 3
            self.emit(shapes.newexten(one, "Hangup"))
        self.emit(shapes.hangup_request("SoftHangupRequest", one, 16))
        self.emit(shapes.hangup_request("HangupRequest", self.agi, 16))
        self.hang_up_channel(one, 16)

    def _end(self, ending: Ending) -> None:
        self._in_agi = False
        self.emit(shapes.channel_event("AsyncAGIEnd", self.agi))
        if ending is Ending.BREAK:
            self._end_by_dialplan()
        elif ending is Ending.HANGUP:
            self._end_by_hangup_command()
        else:
            self._end_by_caller()
        self._flush(self.after_hangup)
        self.emit(shapes.device_state(self._device, "NOT_INUSE"))
        self.emit(shapes.device_state(self._device, "NOT_INUSE"))

    def _end_by_caller(self) -> None:
        self.set_var(self.agi, "AGISTATUS", "HANGUP")
        self.emit(shapes.hangup_request("SoftHangupRequest", self.agi, 16))
        self.hang_up_channel(self.agi, 16)

    def _end_by_hangup_command(self) -> None:
        """After HANGUP, as agi-after-hours shows (causes 0: a soft hang-up)."""
        self.set_var(self.agi, "AGISTATUS", "HANGUP")
        self.emit(shapes.hangup_request("SoftHangupRequest", self.agi, 16))
        self.emit(shapes.hangup_request("HangupRequest", self.caller, 0))
        self.hang_up_channel(self.agi, 0)
        self.emit(shapes.hangup_request("SoftHangupRequest", self.caller, 16))
        self.hang_up_channel(self.caller, 0)

    def _end_by_dialplan(self) -> None:
        """After ASYNCAGI BREAK the dialplan's next priority, Hangup(), runs."""
        two, one = self.agi, self.caller
        self.set_var(two, "AGISTATUS", "SUCCESS")
        two.priority = 3
        self.emit(shapes.newexten(two, "Hangup"))
        self.emit(shapes.hangup_request("SoftHangupRequest", two, 16))
        if one.state == UP:
            self.set_var(one, "CHANLOCALSTATUS", "ANSWER")
        self.emit(shapes.hangup_request("HangupRequest", one, 16))
        self.emit(shapes.hangup_request("SoftHangupRequest", one, 16))
        self.hang_up_channel(one, 16)
        self.hang_up_channel(two, 16)

