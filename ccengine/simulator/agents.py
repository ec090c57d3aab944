"""Queue members on the simulated PBX: QueueAdd, QueuePause, QueueRemove, Originate.

Answers and events are shaped exactly as agent-pause-and-members.jsonl and
queue-answered.jsonl show them (Response text, DeviceStateChange of the
member's pause device, QueueMemberAdded/Pause/Removed with every field).
Members are also learnt from the member events the PBX plays (a replayed
trace), so a later QueueStatus lists them, as QueueMember items with
Name/Location, the way real Asterisk does. ``add_static`` puts in a member
as a queues.conf ``member =>`` line would: always in the queue, rung like any
other, refusing QueueRemove ("Member not dynamic") and answering QueueAdd with
"Already there". ``pick`` gives a queue's next free, unpaused member, static
or dynamic, to a simulated Queue() that rings the queue's members.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ccengine.ami.frames import render_frame
from ccengine.simulator.pbx_state import _int

if TYPE_CHECKING:
    from ccengine.simulator.server import AmiServer, ClientSession

Fields = list[tuple[str, str]]
MEMBER_EVENTS = frozenset({"QueueMemberAdded", "QueueMemberPause", "QueueMemberStatus",
                           "QueueMemberRemoved"})
ANSWERED = 4  # OriginateResponse Reason: the first leg answered
# Device states a queue with ringinuse=no rings: AST_DEVICE_UNKNOWN and NOT_INUSE.
RINGABLE = frozenset({0, 1})


@dataclass(slots=True)
class SimMember:
    queue: str
    name: str
    interface: str
    penalty: int = 0
    dynamic: bool = True
    paused: bool = False
    reason: str = ""
    login_time: int = 0
    last_pause: int = 0
    calls_taken: int = 0
    last_call: int = 0
    status: int = 1  # 1 not in use, 2 in use, 6 ringing

    def fields(self, name_keys: tuple[str, str] = ("MemberName", "Interface")) -> Fields:
        return [
            ("Queue", self.queue), (name_keys[0], self.name), (name_keys[1], self.interface),
            ("StateInterface", self.interface),
            ("Membership", "dynamic" if self.dynamic else "static"),
            ("Penalty", str(self.penalty)), ("CallsTaken", str(self.calls_taken)),
            ("LastCall", str(self.last_call)), ("LastPause", str(self.last_pause)),
            ("LoginTime", str(self.login_time)), ("InCall", "1" if self.status == 2 else "0"),
            ("Status", str(self.status)), ("Paused", "1" if self.paused else "0"),
            ("PausedReason", self.reason),
        ]

    def event(self, name: str) -> str:
        return render_frame([("Event", name), ("Privilege", "agent,all"), *self.fields(),
                             ("Ringinuse", "0"), ("Wrapuptime", "0")])

    def listed(self, action_id: str) -> Fields:
        return [("Event", "QueueMember"), *self.fields(("Name", "Location")),
                ("Wrapuptime", "0"), ("ActionID", action_id)]


class SimMembers:
    """The members of every queue of one simulated PBX."""

    def __init__(self, server: AmiServer) -> None:
        self.server = server
        self.members: dict[tuple[str, str], SimMember] = {}  # (queue, interface)
        self.busy: set[str] = set()  # interfaces ringing or talking
        self.originate_reasons: dict[str, int] = {}  # interface → Reason (default answered)
        self.originated: list[dict[str, str]] = []
        self._sequence = itertools.count(0x500)

    # -- what the PBX knows ----------------------------------------------------

    def apply(self, headers: Mapping[str, str]) -> None:
        """Learn members from the member events a script plays."""
        event = headers.get("Event", "")
        queue, interface = headers.get("Queue", ""), headers.get("Interface", "")
        if event not in MEMBER_EVENTS or not queue or not interface:
            return
        if event == "QueueMemberRemoved":
            self.members.pop((queue, interface), None)
            return
        member = self.members.setdefault((queue, interface), SimMember(queue, "", interface))
        member.name = headers.get("MemberName", member.name)
        member.penalty = _int(headers.get("Penalty", ""))
        member.dynamic = headers.get("Membership") == "dynamic"
        member.paused = headers.get("Paused") == "1"
        member.reason = headers.get("PausedReason", "")
        member.status = _int(headers.get("Status", "")) or 1
        member.calls_taken = _int(headers.get("CallsTaken", ""))
        member.last_call = _int(headers.get("LastCall", ""))  # leastrecent picks by it

    def add_static(self, queue: str, interface: str, name: str, penalty: int = 0) -> SimMember:
        """A member of the PBX's own queues.conf: there from the start, without an event."""
        member = SimMember(queue, name, interface, penalty, dynamic=False,
                           login_time=int(time.time()))
        self.members[(queue, interface)] = member
        self.server.state.configure_queue(queue)
        return member

    def of_queue(self, queue: str) -> list[SimMember]:
        return [m for m in self.members.values() if m.queue == queue]

    def pick(self, queue: str) -> SimMember | None:
        """The member a Queue() would ring now, static (queues.conf, or learnt from a
        played script) or logged in with QueueAdd alike, as Asterisk rings both:
        free, unpaused, lowest penalty first, then the one whose last call is oldest
        (leastrecent)."""
        free = [m for m in self.of_queue(queue) if not m.paused and m.status in RINGABLE
                and m.interface not in self.busy]
        return min(free, key=lambda m: (m.penalty, m.last_call, m.interface), default=None)

    def listed(self, queue_items: Iterable[Fields], action: Mapping[str, str]) -> Iterator[Fields]:
        """QueueStatus: after each queue's QueueParams its members, then its callers."""
        wanted = action.get("Queue", "")
        action_id = action.get("ActionID", "")
        for item in queue_items:
            headers = dict(item)
            if wanted and headers.get("Queue") != wanted:
                continue
            yield item
            if headers.get("Event") == "QueueParams":
                for member in self.of_queue(headers.get("Queue", "")):
                    yield member.listed(action_id)

    # -- actions ---------------------------------------------------------------

    async def queue_add(self, session: ClientSession, action: dict[str, str]) -> None:
        queue, interface = action.get("Queue", ""), action.get("Interface", "")
        if not queue or not interface:
            self._error(session, action, "'Queue' and 'Interface' not specified.")
            return
        if (queue, interface) in self.members:
            self._error(session, action, "Unable to add interface: Already there")
            return
        now = int(time.time())
        paused = _true(action.get("Paused", ""))
        member = SimMember(queue, action.get("MemberName") or interface, interface,
                           penalty=_int(action.get("Penalty", "")), paused=paused,
                           reason=action.get("Reason", "") if paused else "",
                           login_time=now, last_pause=now if paused else 0)
        self._ok(session, action, "Added interface to queue")
        self.members[(queue, interface)] = member
        self._pause_device(member)
        self.server.emit(member.event("QueueMemberAdded"))

    async def queue_pause(self, session: ClientSession, action: dict[str, str]) -> None:
        interface, queue = action.get("Interface", ""), action.get("Queue", "")
        paused = _true(action.get("Paused", ""))
        found = [m for m in self.members.values()
                 if m.interface == interface and (not queue or m.queue == queue)]
        if not interface or not found:
            self._error(session, action, "Interface not found")
            return
        self._ok(session, action, f"Interface {'paused' if paused else 'unpaused'} successfully")
        for member in found:
            member.paused, member.reason = paused, action.get("Reason", "") if paused else ""
            if paused:
                member.last_pause = int(time.time())
            self._pause_device(member)
            self.server.emit(member.event("QueueMemberPause"))

    async def queue_remove(self, session: ClientSession, action: dict[str, str]) -> None:
        key = (action.get("Queue", ""), action.get("Interface", ""))
        member = self.members.get(key)
        if member is None:
            self._error(session, action, "Unable to remove interface: Not there")
            return
        if not member.dynamic:
            self._error(session, action, "Member not dynamic")  # app_queue's RES_NOT_DYNAMIC
            return
        self._ok(session, action, "Removed interface from queue")
        del self.members[key]
        self.server.emit(member.event("QueueMemberRemoved"))

    async def originate(self, session: ClientSession, action: dict[str, str]) -> None:
        """Queued at once; OriginateResponse tells whether the first leg answered."""
        channel = action.get("Channel", "")
        if not channel or not (action.get("Exten") or action.get("Application")):
            self._error(session, action, "Channel not specified")
            return
        self.originated.append(dict(action))
        self._ok(session, action, "Originate successfully queued")
        reason = self.originate_reasons.get(channel, ANSWERED)
        number, name = _caller_id(action.get("CallerID", ""))
        sequence = f"{next(self._sequence):08x}"
        # ChannelId, when given, is the channel's Uniqueid (and so the call's Linkedid).
        uniqueid = (action.get("ChannelId") or f"{int(time.time())}.{int(sequence, 16)}"
                    if reason == ANSWERED else "<null>")
        self.server.emit(render_frame([
            ("Event", "OriginateResponse"), ("Privilege", "call,all"),
            ("ActionID", action.get("ActionID", "")),
            ("Response", "Success" if reason == ANSWERED else "Failure"),
            ("Channel", f"{channel}-{sequence}" if reason == ANSWERED else channel),
            ("Context", action.get("Context", "")), ("Exten", action.get("Exten", "")),
            ("Reason", str(reason)), ("Uniqueid", uniqueid),
            ("CallerIDNum", number or "<unknown>"), ("CallerIDName", name or "<unknown>"),
        ]))

    # -- shapes ----------------------------------------------------------------

    def _pause_device(self, member: SimMember) -> None:
        self.server.emit(render_frame([
            ("Event", "DeviceStateChange"), ("Privilege", "call,all"),
            ("Device", f"Queue:{member.queue}_pause_{member.interface}"),
            ("State", "INUSE" if member.paused else "NOT_INUSE"),
        ]))

    @staticmethod
    def _ok(session: ClientSession, action: Mapping[str, str], message: str) -> None:
        session.send(render_frame([("Response", "Success"),
                                   ("ActionID", action.get("ActionID", "")),
                                   ("Message", message)]))

    @staticmethod
    def _error(session: ClientSession, action: Mapping[str, str], message: str) -> None:
        session.send(render_frame([("Response", "Error"),
                                   ("ActionID", action.get("ActionID", "")),
                                   ("Message", message)]))


def _true(text: str) -> bool:
    return text.strip().lower() in ("true", "yes", "1", "on")


def _caller_id(text: str) -> tuple[str, str]:
    """'"Jan Kowalski" <48601111222>' → ('48601111222', 'Jan Kowalski')."""
    name, _, rest = text.partition("<")
    number = rest.rstrip(">").strip() if rest else text.strip()
    return number, name.strip().strip('"') if rest else ""
