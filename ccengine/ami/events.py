"""Typed AMI events: raw CamelCase headers become frozen snake_case values here.

Domain code never sees a panoramisk Message or a header dict. Only the events
the engine subscribes to are built (``EVENT_PARSERS``); everything else — about
half of the traffic is VarSet and Newexten — is dropped before any work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote

from ccengine.ami.errors import MalformedEvent

Headers = Mapping[str, str]

UNKNOWN_VALUES = frozenset({"", "<unknown>", "unknown"})

# An AGI result of -1 and the reason Asterisk gives: "(hangup)", "(randomerror)", none
# ("-10" is another number, not -1).
_MINUS_ONE = re.compile(r"^-1(?![0-9])\s*(?:\((?P<reason>[^)]*)\))?")
# Of the many channel variables Asterisk reports, these carry call facts.
WATCHED_VARIABLES = frozenset({"QUEUESTATUS", "MIXMONITOR_FILENAME", "QUEUE_PRIO", "DIALSTATUS"})


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    name: str
    uniqueid: str
    linkedid: str
    caller_num: str | None
    caller_name: str | None
    context: str
    exten: str
    state: str = ""

    @property
    def leg(self) -> str:
        """The channel without a Local channel's ;1/;2 half: both halves are one leg."""
        base, sep, half = self.name.rpartition(";")
        return base if sep and half in ("1", "2") else self.name

    @property
    def originates_call(self) -> bool:
        return self.uniqueid == self.linkedid


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    pbx: str
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelEvent(Event):
    channel: ChannelInfo

    @property
    def linkedid(self) -> str:
        return self.channel.linkedid


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelCreated(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class CallerIdChanged(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelHungUp(ChannelEvent):
    cause: int


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueCallerJoined(ChannelEvent):
    queue: str
    position: int


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueCallerLeft(ChannelEvent):
    queue: str


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueCallerAbandoned(ChannelEvent):
    """Sent on a real abandon AND on a queue timeout (see the traces' README)."""

    queue: str
    hold_seconds: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentRang(ChannelEvent):
    queue: str
    member_name: str
    interface: str
    dest_channel: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentRingNoAnswer(ChannelEvent):
    queue: str
    member_name: str
    interface: str
    ring_ms: int  # milliseconds here, unlike AgentConnect's RingTime


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentConnected(ChannelEvent):
    queue: str
    member_name: str
    interface: str
    hold_seconds: int
    ring_seconds: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentCompleted(ChannelEvent):
    queue: str
    member_name: str
    interface: str
    hold_seconds: int
    talk_seconds: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DialStarted(Event):
    caller: ChannelInfo | None  # None when Originate dials (no calling channel)
    dest: ChannelInfo
    dial_string: str

    @property
    def linkedid(self) -> str:
        return self.dest.linkedid


@dataclass(frozen=True, slots=True, kw_only=True)
class DialEnded(Event):
    caller: ChannelInfo | None
    dest: ChannelInfo
    status: str

    @property
    def linkedid(self) -> str:
        return self.dest.linkedid


@dataclass(frozen=True, slots=True, kw_only=True)
class VariableSet(ChannelEvent):
    name: str
    value: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingStarted(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class DigitPressed(ChannelEvent):
    digit: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AsyncAgiStarted(ChannelEvent):
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class AsyncAgiExecuted(ChannelEvent):
    command_id: str
    code: int
    result: str  # the value after "result=", already URL-decoded

    @property
    def channel_gone(self) -> bool:
        return agi_hung_up(self.result)


def agi_hung_up(result: str) -> bool:
    """The one reading of an AGI result (what follows 'result='): -1 bare or
    '(hangup)' is a hang-up; '-1 (randomerror)' is an error, the channel still up
    (RECORD FILE with no beep, live traces)."""
    match = _MINUS_ONE.match(result.strip())
    return match is not None and match.group("reason") in (None, "hangup")


@dataclass(frozen=True, slots=True, kw_only=True)
class AsyncAgiEnded(ChannelEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class AgiCommandStarted(ChannelEvent):
    command: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallHeld(ChannelEvent):
    held: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CallTransferred(Event):
    linkedid: str
    kind: str  # blind or attended
    target: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelListed(ChannelEvent):
    """One line of a CoreShowChannels answer (resync after a login). Two channels
    with one ``bridge_id`` talk to each other: after a restart this is how an answered
    call is told from one still ringing."""

    application: str
    application_data: str = ""
    bridge_id: str = ""
    connected_name: str | None = None
    duration_seconds: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueEntryListed(Event):
    """A caller waiting in a queue, from QueueStatus (no Linkedid there)."""

    queue: str
    uniqueid: str
    channel_name: str
    wait_seconds: int


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberEvent(Event):
    """A queue member's state: QueueMemberAdded/Removed/Pause/Status, or a QueueMember
    item of a QueueStatus answer (where Asterisk names the fields Name/Location)."""

    queue: str
    interface: str
    member_name: str
    penalty: int
    paused: bool
    paused_reason: str
    status: int  # the device's: 1 not in use, 2 in use, 6 ringing, 5 unavailable ...
    in_call: bool
    dynamic: bool  # logged in with QueueAdd (static members come from queues.conf)


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberAdded(MemberEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberRemoved(MemberEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberPaused(MemberEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberStatusChanged(MemberEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberListed(MemberEvent):
    """One QueueMember line of a QueueStatus answer (resync after a login)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MembersSnapshot(Event):
    """Every member a whole QueueStatus answer listed: the truth after a login."""

    members: tuple[MemberListed, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class OriginateResult(Event):
    """OriginateResponse of an async Originate: did the first leg answer?"""

    action_id: str
    success: bool
    channel: str
    reason: int  # 4 answered, 5 busy, 3 no answer, 8 congestion, 1 hung up, 0 failed
    uniqueid: str | None


def event_time(headers: Headers, received_at: float) -> datetime:
    """Asterisk's own Timestamp (timestampevents=yes) when given, else arrival."""
    stamp = headers.get("Timestamp")
    seconds = _float_or(stamp, received_at) if stamp else received_at
    return datetime.fromtimestamp(seconds, UTC)


def _float_or(text: str, default: float) -> float:
    try:
        return float(text)
    except ValueError:
        return default


def _require(headers: Headers, key: str) -> str:
    value = headers.get(key)
    if value is None:
        raise MalformedEvent(f"{headers.get('Event', '?')} event without {key}")
    return value


def _int(headers: Headers, key: str, default: int = 0) -> int:
    text = headers.get(key, "")
    try:
        return int(text)
    except ValueError:
        return default


def _known(value: str | None) -> str | None:
    return None if value is None or value in UNKNOWN_VALUES else value


def channel_info(headers: Headers, prefix: str = "") -> ChannelInfo:
    return ChannelInfo(
        name=_require(headers, f"{prefix}Channel"),
        uniqueid=_require(headers, f"{prefix}Uniqueid"),
        linkedid=_require(headers, f"{prefix}Linkedid"),
        caller_num=_known(headers.get(f"{prefix}CallerIDNum")),
        caller_name=_known(headers.get(f"{prefix}CallerIDName")),
        context=headers.get(f"{prefix}Context", ""),
        exten=headers.get(f"{prefix}Exten", ""),
        state=headers.get(f"{prefix}ChannelStateDesc", ""),
    )


def _call_side(headers: Headers) -> ChannelInfo:
    """Agent events name the caller's channel, or only the agent's (Dest*) once
    the caller's channel is gone, as AgentComplete does in real traces."""
    return channel_info(headers) if "Channel" in headers else channel_info(headers, "Dest")


def _optional_caller(headers: Headers) -> ChannelInfo | None:
    return channel_info(headers) if "Channel" in headers else None


def _agi_result(raw: str) -> tuple[int, str]:
    """'200%20result%3D2%0A' → (200, '2'); panoramisk may have decoded it already."""
    text = unquote(raw).strip()
    code, _, rest = text.partition(" ")
    value = rest.partition("result=")[2]
    return (int(code) if code.isdigit() else 0), value.strip()


def _agi_env(raw: str) -> dict[str, str]:
    pairs = (line.partition(": ") for line in unquote(raw).splitlines())
    return {key: value for key, sep, value in pairs if sep}


Parser = Callable[[Headers, str, datetime], Event | None]


def _channel_created(h: Headers, pbx: str, at: datetime) -> Event:
    return ChannelCreated(pbx=pbx, at=at, channel=channel_info(h))


def _caller_id(h: Headers, pbx: str, at: datetime) -> Event:
    return CallerIdChanged(pbx=pbx, at=at, channel=channel_info(h))


def _hangup(h: Headers, pbx: str, at: datetime) -> Event:
    return ChannelHungUp(pbx=pbx, at=at, channel=channel_info(h), cause=_int(h, "Cause"))


def _queue_join(h: Headers, pbx: str, at: datetime) -> Event:
    return QueueCallerJoined(
        pbx=pbx, at=at, channel=channel_info(h),
        queue=_require(h, "Queue"), position=_int(h, "Position"),
    )


def _queue_leave(h: Headers, pbx: str, at: datetime) -> Event:
    return QueueCallerLeft(pbx=pbx, at=at, channel=channel_info(h), queue=_require(h, "Queue"))


def _queue_abandon(h: Headers, pbx: str, at: datetime) -> Event:
    return QueueCallerAbandoned(
        pbx=pbx, at=at, channel=channel_info(h),
        queue=_require(h, "Queue"), hold_seconds=_int(h, "HoldTime"),
    )


def _agent_called(h: Headers, pbx: str, at: datetime) -> Event:
    return AgentRang(
        pbx=pbx, at=at, channel=_call_side(h), queue=_require(h, "Queue"),
        member_name=h.get("MemberName", ""), interface=_require(h, "Interface"),
        dest_channel=h.get("DestChannel", ""),
    )


def _agent_ring_no_answer(h: Headers, pbx: str, at: datetime) -> Event:
    return AgentRingNoAnswer(
        pbx=pbx, at=at, channel=_call_side(h), queue=_require(h, "Queue"),
        member_name=h.get("MemberName", ""), interface=_require(h, "Interface"),
        ring_ms=_int(h, "RingTime"),
    )


def _agent_connect(h: Headers, pbx: str, at: datetime) -> Event:
    return AgentConnected(
        pbx=pbx, at=at, channel=_call_side(h), queue=_require(h, "Queue"),
        member_name=h.get("MemberName", ""), interface=_require(h, "Interface"),
        hold_seconds=_int(h, "HoldTime"), ring_seconds=_int(h, "RingTime"),
    )


def _agent_complete(h: Headers, pbx: str, at: datetime) -> Event:
    return AgentCompleted(
        pbx=pbx, at=at, channel=_call_side(h), queue=_require(h, "Queue"),
        member_name=h.get("MemberName", ""), interface=_require(h, "Interface"),
        hold_seconds=_int(h, "HoldTime"), talk_seconds=_int(h, "TalkTime"),
        reason=h.get("Reason", ""),
    )


def _dial_begin(h: Headers, pbx: str, at: datetime) -> Event:
    return DialStarted(
        pbx=pbx, at=at, caller=_optional_caller(h), dest=channel_info(h, "Dest"),
        dial_string=h.get("DialString", ""),
    )


def _dial_end(h: Headers, pbx: str, at: datetime) -> Event:
    return DialEnded(
        pbx=pbx, at=at, caller=_optional_caller(h), dest=channel_info(h, "Dest"),
        status=h.get("DialStatus", ""),
    )


def _var_set(h: Headers, pbx: str, at: datetime) -> Event | None:
    name = h.get("Variable", "")
    if name not in WATCHED_VARIABLES or "Linkedid" not in h:
        return None  # global variables and the many we do not need
    return VariableSet(pbx=pbx, at=at, channel=channel_info(h), name=name, value=h.get("Value", ""))


def _mixmonitor_start(h: Headers, pbx: str, at: datetime) -> Event:
    return RecordingStarted(pbx=pbx, at=at, channel=channel_info(h))


def _dtmf_end(h: Headers, pbx: str, at: datetime) -> Event | None:
    if h.get("Direction") != "Received":
        return None
    return DigitPressed(pbx=pbx, at=at, channel=channel_info(h), digit=_require(h, "Digit"))


def _async_agi_start(h: Headers, pbx: str, at: datetime) -> Event:
    env = _agi_env(h.get("Env", ""))
    return AsyncAgiStarted(pbx=pbx, at=at, channel=channel_info(h), env=env)


def _async_agi_exec(h: Headers, pbx: str, at: datetime) -> Event:
    code, result = _agi_result(_require(h, "Result"))
    return AsyncAgiExecuted(
        pbx=pbx, at=at, channel=channel_info(h),
        command_id=h.get("CommandID", h.get("CommandId", "")), code=code, result=result,
    )


def _async_agi_end(h: Headers, pbx: str, at: datetime) -> Event:
    return AsyncAgiEnded(pbx=pbx, at=at, channel=channel_info(h))


def _agi_exec_start(h: Headers, pbx: str, at: datetime) -> Event:
    return AgiCommandStarted(pbx=pbx, at=at, channel=channel_info(h), command=h.get("Command", ""))


def _hold(h: Headers, pbx: str, at: datetime) -> Event:
    return CallHeld(pbx=pbx, at=at, channel=channel_info(h), held=h.get("Event") == "Hold")


def _transfer(h: Headers, pbx: str, at: datetime) -> Event:
    blind = h.get("Event") == "BlindTransfer"
    return CallTransferred(
        pbx=pbx, at=at, linkedid=_require(h, "TransfererLinkedid"),
        kind="blind" if blind else "attended",
        target=h.get("Extension", "") if blind else h.get("SecondTransfererExten", ""),
    )


def _core_show_channel(h: Headers, pbx: str, at: datetime) -> Event:
    return ChannelListed(
        pbx=pbx, at=at, channel=channel_info(h), application=h.get("Application", ""),
        application_data=h.get("ApplicationData", ""), bridge_id=h.get("BridgeId", ""),
        connected_name=_known(h.get("ConnectedLineName")),
        duration_seconds=_duration(h.get("Duration", "")),
    )


_HMS = re.compile(r"([0-9]+):([0-9]+):([0-9]+)")


def _duration(hms: str) -> int:
    """CoreShowChannel's Duration, HH:MM:SS, in seconds (0 when unreadable)."""
    # ASCII digits only: isdigit() passes '²', on which int() raises.
    match = _HMS.fullmatch(hms)
    if match is None:
        return 0
    hours, minutes, seconds = (int(p) for p in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def _queue_entry(h: Headers, pbx: str, at: datetime) -> Event:
    return QueueEntryListed(
        pbx=pbx, at=at, queue=_require(h, "Queue"), uniqueid=_require(h, "Uniqueid"),
        channel_name=h.get("Channel", ""), wait_seconds=_int(h, "Wait"),
    )


def _member(kind: type[MemberEvent]) -> Parser:
    def parse(h: Headers, pbx: str, at: datetime) -> Event:
        # QueueStatus says Name/Location where the events say MemberName/Interface.
        interface = h.get("Interface") or h.get("Location")
        if not interface:
            raise MalformedEvent(f"{h.get('Event', '?')} event without Interface")
        return kind(
            pbx=pbx, at=at, queue=_require(h, "Queue"), interface=interface,
            member_name=h.get("MemberName") or h.get("Name", ""), penalty=_int(h, "Penalty"),
            paused=h.get("Paused") == "1", paused_reason=h.get("PausedReason", ""),
            status=_int(h, "Status"), in_call=h.get("InCall") == "1",
            dynamic=h.get("Membership") == "dynamic",
        )
    return parse


def _originate_response(h: Headers, pbx: str, at: datetime) -> Event:
    return OriginateResult(
        pbx=pbx, at=at, action_id=h.get("ActionID", ""), success=h.get("Response") == "Success",
        channel=h.get("Channel", ""), reason=_int(h, "Reason"),
        uniqueid=_known(h.get("Uniqueid", "").replace("<null>", "")),
    )


# The subscription table: one readable place says which AMI events matter.
EVENT_PARSERS: dict[str, Parser] = {
    "Newchannel": _channel_created,
    "NewCallerid": _caller_id,
    "Hangup": _hangup,
    "QueueCallerJoin": _queue_join,
    "QueueCallerLeave": _queue_leave,
    "QueueCallerAbandon": _queue_abandon,
    "AgentCalled": _agent_called,
    "AgentRingNoAnswer": _agent_ring_no_answer,
    "AgentConnect": _agent_connect,
    "AgentComplete": _agent_complete,
    "DialBegin": _dial_begin,
    "DialEnd": _dial_end,
    "VarSet": _var_set,
    "MixMonitorStart": _mixmonitor_start,
    "DTMFEnd": _dtmf_end,
    "AsyncAGIStart": _async_agi_start,
    "AsyncAGIExec": _async_agi_exec,
    "AsyncAGIEnd": _async_agi_end,
    "AGIExecStart": _agi_exec_start,
    "Hold": _hold,
    "Unhold": _hold,
    "BlindTransfer": _transfer,
    "AttendedTransfer": _transfer,
    "CoreShowChannel": _core_show_channel,
    "QueueEntry": _queue_entry,
    "QueueMemberAdded": _member(MemberAdded),
    "QueueMemberRemoved": _member(MemberRemoved),
    "QueueMemberPause": _member(MemberPaused),
    "QueueMemberStatus": _member(MemberStatusChanged),
    "QueueMember": _member(MemberListed),
    "OriginateResponse": _originate_response,
}


def parse_event(headers: Headers, pbx: str, received_at: float) -> Event | None:
    """The typed event for these headers, None when the engine does not need it.

    Raises MalformedEvent when a subscribed event lacks a field it needs.
    """
    parser = EVENT_PARSERS.get(headers.get("Event", ""))
    if parser is None:
        return None
    return parser(headers, pbx, event_time(headers, received_at))
