"""Walking a route graph for one call: pure, as a generator of AGI commands.

``walk`` yields ``Command``s and receives each one's ``AgiReply``; it yields
``PathStep``s (answered with None) as it decides. It does no I/O and reads no
clock: the executor drives it over AMI, ``evaluate`` drives it with scripted
replies (``ccengine routes simulate``), tests drive it directly. Its return
value is the ``RouteResult``: how the route ended and the path it took.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ccengine.routes import agi, decisions
from ccengine.routes.agi import AgiReply
from ccengine.routes.model import (
    AnnouncementNode,
    CallbackNode,
    EntryNode,
    HangupNode,
    HolidayNode,
    MenuNode,
    QueueNode,
    RouteGraph,
    SurveyNode,
    TimeConditionNode,
    TransferNode,
    VipNode,
    VoicemailNode,
    _Node,
)
from ccengine.sla.calendar import BusinessCalendar

BEEP_PROMPT = "beep"  # prompts/tones/beep.wav, installed beside the prompts
QUEUE_EMPTY = frozenset({"JOINEMPTY", "LEAVEEMPTY", "JOINUNAVAIL", "LEAVEUNAVAIL"})
DIAL_BUSY = frozenset({"BUSY", "CONGESTION", "CHANUNAVAIL"})
SURVEY_KEYS = frozenset("12345")  # a survey's scores, one key each


@dataclass(frozen=True, slots=True)
class WalkSettings:
    sound_prefix: str = "ccengine/"  # prompts live in Asterisk's sounds/<lang>/ccengine/
    recordings_dir: str = "/var/spool/asterisk/monitor/ccengine"
    voicemail_dir: str = "/var/spool/asterisk/voicemail/ccengine"
    record_calls: bool = True
    max_steps: int = 100  # a guard; validation already rejects loops that never end
    # The named calendars time conditions and holiday nodes may use (the SLA book's).
    calendars: Mapping[str, BusinessCalendar] = field(default_factory=dict)


DEFAULT_SETTINGS = WalkSettings()


@dataclass(frozen=True, slots=True)
class CallFacts:
    did: str | None  # E.164
    caller: str | None  # E.164; None: anonymous
    at: datetime  # when the call came in (aware)
    uniqueid: str = "call"
    customer_vip: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    text: str


@dataclass(frozen=True, slots=True)
class PathStep:
    node: str
    kind: str
    branch: str
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"node": self.node, "kind": self.kind, "branch": self.branch,
                "reason": self.reason}


def took_vip_branch(steps: Iterable[PathStep]) -> bool:
    """A vip node found the caller VIP (on its list, or a customer flagged VIP)."""
    return any(step.kind == "vip" and step.branch == "vip" for step in steps)


Instruction = Command | PathStep
Walk = Generator[Instruction, AgiReply | None, "RouteResult"]


@dataclass(frozen=True, slots=True)
class RouteResult:
    graph: str
    ended_by: str  # queue, transfer, voicemail, callback, hangup, caller_hung_up, no_route, ...
    path: tuple[PathStep, ...] = ()
    digits: str = ""
    queue: str | None = None
    queue_priority: int | None = None
    queue_status: str | None = None
    dial_status: str | None = None
    ticket_priority: str | None = None
    recording_file: str | None = None
    voicemail_file: str | None = None
    callback_number: str | None = None
    last_node: str | None = None  # the node the call was in when the route ended
    last_kind: str | None = None
    vip: bool = False  # a vip node took its vip branch (the graph's list or the customer)
    surveyed: bool = False  # a survey node ran after the agent hung up
    survey_score: int | None = None  # the key 1-5 the caller pressed there

    def as_json(self) -> dict[str, object]:
        return {
            "graph": self.graph, "ended_by": self.ended_by, "last_node": self.last_node,
            "last_kind": self.last_kind, "vip": self.vip,
            "digits": self.digits, "queue": self.queue, "queue_priority": self.queue_priority,
            "queue_status": self.queue_status, "dial_status": self.dial_status,
            "ticket_priority": self.ticket_priority, "recording_file": self.recording_file,
            "voicemail_file": self.voicemail_file, "callback_number": self.callback_number,
        }


class _CallerGone(Exception):
    """The channel hung up: nothing more can be sent to it."""


class _CommandFailed(Exception):
    """A command failed with the caller still there: a -1 with a reason, or a 5xx."""

    def __init__(self, command: str, error: str) -> None:
        self.command, self.error = command, error


class _Ended(Exception):
    def __init__(self, how: str) -> None:
        self.how = how


@dataclass(slots=True)
class _State:
    path: list[PathStep] = field(default_factory=list)
    digits: str = ""
    queue: str | None = None
    queue_priority: int | None = None
    queue_status: str | None = None
    dial_status: str | None = None
    ticket_priority: str | None = None
    recording_file: str | None = None
    voicemail_file: str | None = None
    callback_number: str | None = None
    node: str | None = None
    node_kind: str | None = None
    vip: bool = False
    surveyed: bool = False
    survey_score: int | None = None


def walk(graph: RouteGraph, facts: CallFacts, settings: WalkSettings = DEFAULT_SETTINGS) -> Walk:
    """The whole route for one call (see the module docstring for the protocol)."""
    state = _State()
    chosen = decisions.entry_for(graph, facts.did, facts.caller)
    if chosen is None:
        # Not ours: hand the channel back to the dialplan, which hangs up.
        yield Command(agi.asyncagi_break())
        return _result(graph, state, "no_route")
    how = yield from _run(_Walker(graph, facts, settings, state), *chosen)
    return _result(graph, state, how)


def _run(walker: _Walker, entry_id: str, entry: EntryNode,
         reason: str) -> Generator[Instruction, AgiReply | None, str]:
    """The walk from its entry; returns how it ended."""
    try:
        node_id = yield from walker.start(entry_id, entry, reason)
        for _ in range(walker.settings.max_steps):
            if node_id is None:
                yield from walker.command(agi.hangup())
                return "hangup"
            node_id = yield from walker.visit(node_id)
        yield from walker.command(agi.hangup())
        return "step_limit"
    except _CallerGone:
        return "caller_hung_up"
    except _CommandFailed as failed:
        # Never leave the caller waiting on a dead channel: record in the path where
        # it failed (for the ticket), then hang up. Nothing is played: the graph has no
        # general "sorry" prompt (only a voicemail node's goodbye, played on its failure).
        yield from walker.failed_at_node(failed)
        return "failed"
    except _Ended as ended:
        return ended.how


def _result(graph: RouteGraph, state: _State, how: str) -> RouteResult:
    return RouteResult(
        graph=graph.name, ended_by=how, path=tuple(state.path), digits=state.digits,
        queue=state.queue, queue_priority=state.queue_priority, queue_status=state.queue_status,
        dial_status=state.dial_status, ticket_priority=state.ticket_priority,
        recording_file=state.recording_file, voicemail_file=state.voicemail_file,
        callback_number=state.callback_number, last_node=state.node,
        last_kind=state.node_kind, vip=state.vip, surveyed=state.surveyed,
        survey_score=state.survey_score,
    )


NodeWalk = Generator[Instruction, AgiReply | None, str | None]


class _Walker:
    def __init__(self, graph: RouteGraph, facts: CallFacts, settings: WalkSettings,
                 state: _State) -> None:
        self.graph, self.facts, self.settings, self.state = graph, facts, settings, state
        self._visitors = {
            TimeConditionNode: self._time_condition, HolidayNode: self._holiday,
            VipNode: self._vip, MenuNode: self._menu, AnnouncementNode: self._announcement,
            QueueNode: self._queue, TransferNode: self._transfer,
            VoicemailNode: self._voicemail, CallbackNode: self._callback,
            HangupNode: self._hangup, EntryNode: self._entry_again,
            SurveyNode: self._survey,
        }

    # -- plumbing --------------------------------------------------------------

    def command(self, text: str) -> Generator[Instruction, AgiReply | None, AgiReply]:
        reply = yield Command(text)
        assert reply is not None, "a Command is answered with its AgiReply"
        if reply.hung_up:
            raise _CallerGone
        if reply.failed:
            raise _CommandFailed(text, reply.error)
        return reply

    def failed_at_node(self, failed: _CommandFailed) -> Generator[Instruction, AgiReply | None,
                                                                  None]:
        node_id = self.state.node
        if node_id is not None and node_id in self.graph.nodes:
            verb = failed.command.split(" ", 1)[0]
            yield from self.took(node_id, self.graph.nodes[node_id], "failed",
                                 f"{verb} failed ({failed.error})")
        yield Command(agi.hangup())  # whatever the answer: there is nothing left to try

    def goodbye(self, prompt: str | None) -> Generator[Instruction, AgiReply | None, None]:
        """The goodbye prompt and a hang-up, after something failed: errors are moot now."""
        try:
            yield from self.play(prompt)
            yield from self.command(agi.hangup())
        except (_CallerGone, _CommandFailed):
            pass

    def took(self, node_id: str, node: _Node, branch: str,
             reason: str) -> Generator[Instruction, AgiReply | None, None]:
        step = PathStep(node_id, node.kind, branch, reason)
        self.state.path.append(step)
        yield step

    def goto(self, node_id: str, node: _Node, branch: str, reason: str) -> NodeWalk:
        yield from self.took(node_id, node, branch, reason)
        return node.edges().get(branch)

    def release(self) -> Generator[Instruction, AgiReply | None, None]:
        """End AsyncAGI if the channel is still there: Queue() and Dial() return
        -1 when the *other* side hangs up, leaving the caller waiting in AGI
        (agi-external-transfer). Refused with an error if the caller is gone."""
        yield Command(agi.asyncagi_break())

    def sound(self, prompt: str) -> str:
        return f"{self.settings.sound_prefix}{prompt}"

    def play(self, prompt: str | None) -> Generator[Instruction, AgiReply | None, None]:
        if prompt:
            yield from self.command(agi.playback(self.sound(prompt)))

    # -- the call --------------------------------------------------------------

    def start(self, entry_id: str, entry: EntryNode, reason: str) -> NodeWalk:
        self.state.node, self.state.node_kind = entry_id, entry.kind
        yield from self.command(agi.answer())
        if self.settings.record_calls:
            path = f"{self.settings.recordings_dir}/{self.facts.uniqueid}.wav"
            yield from self.command(agi.mixmonitor(path))
            self.state.recording_file = path
        branch, why = decisions.entry_branch(entry, self.facts.caller)
        return (yield from self.goto(entry_id, entry, branch, f"{reason}; {why}"))

    def visit(self, node_id: str) -> NodeWalk:
        node = self.graph.nodes[node_id]
        self.state.node, self.state.node_kind = node_id, node.kind
        return (yield from self._visitors[type(node)](node_id, node))

    def _entry_again(self, node_id: str, node: _Node) -> NodeWalk:
        return (yield from self.goto(node_id, node, "next", "passed through"))

    def _time_condition(self, node_id: str, node: _Node) -> NodeWalk:
        assert isinstance(node, TimeConditionNode)
        branch, reason = decisions.time_condition(node, self.graph.timezone, self.facts.at,
                                                   self.settings.calendars)
        return (yield from self.goto(node_id, node, branch, reason))

    def _holiday(self, node_id: str, node: _Node) -> NodeWalk:
        assert isinstance(node, HolidayNode)
        branch, reason = decisions.holiday(node, self.graph.timezone, self.facts.at,
                                            self.settings.calendars)
        return (yield from self.goto(node_id, node, branch, reason))

    def _vip(self, node_id: str, node: _Node) -> NodeWalk:
        assert isinstance(node, VipNode)
        branch, reason = decisions.vip(node, self.facts.caller, self.facts.customer_vip)
        if branch == "vip":
            self.state.vip = True
            self.state.queue_priority = max(self.state.queue_priority or 0, node.priority)
            reason += f"; queue priority {node.priority}"
        return (yield from self.goto(node_id, node, branch, reason))

    def _announcement(self, node_id: str, node: _Node) -> NodeWalk:
        assert isinstance(node, AnnouncementNode)
        yield from self.play(node.prompt)
        return (yield from self.goto(node_id, node, "next", f"played {node.prompt}"))

    def _menu(self, node_id: str, node: _Node) -> NodeWalk:
        assert isinstance(node, MenuNode)
        failures: list[str] = []
        while len(failures) < node.attempts:
            reply = yield from self.command(agi.get_data(
                self.sound(node.prompt), node.timeout_seconds, node.max_digits))
            pressed = reply.value if not reply.timed_out else ""
            self.state.digits += pressed
            if pressed in node.options:
                return (yield from self.goto(node_id, node, f"option {pressed}",
                                             f"caller pressed {pressed}"))
            failures.append(f"invalid {pressed}" if pressed else "no input")
            yield from self.play(node.invalid_prompt if pressed else node.timeout_prompt)
        reason = f"{len(failures)} failed attempts ({', '.join(failures)})"
        return (yield from self.goto(node_id, node, "fallback", reason))

    def _queue(self, node_id: str, node: _Node) -> NodeWalk:
        assert isinstance(node, QueueNode)
        queue = self.graph.queues[node.queue]
        yield from self.play(node.prompt)
        priority = max(self.state.queue_priority or 0, node.priority or 0)
        self.state.queue, self.state.ticket_priority = node.queue, node.ticket_priority
        if priority:
            self.state.queue_priority = priority
            yield from self.command(agi.set_variable("QUEUE_PRIO", priority))
        rule = ""
        if len(queue.tiers) > 1:
            # Without these set before Queue(), the queue rule never widens the tiers
            # (traces' README); RAISE lets a rule lift earlier tiers to ring alongside.
            for variable in ("QUEUE_MIN_PENALTY", "QUEUE_MAX_PENALTY", "QUEUE_RAISE_PENALTY"):
                yield from self.command(agi.set_variable(variable, 0))
            rule = node.queue
        yield from self._queue_and_status(node_id, node, rule)
        status = self.state.queue_status or ""
        branch = ("timeout" if status == "TIMEOUT" else "full" if status == "FULL"
                  else "empty" if status in QUEUE_EMPTY
                  else "survey" if status == "CONTINUE" and node.survey else "ended")
        return (yield from self.goto(node_id, node, branch, f"QUEUESTATUS={status}"))

    def _queue_and_status(self, node_id: str, node: QueueNode,
                          rule: str) -> Generator[Instruction, AgiReply | None, None]:
        try:
            # 'c': the caller goes on here when the agent hangs up (to the survey).
            yield from self.command(agi.queue(node.queue, node.max_wait_seconds, rule,
                                              go_on=node.survey is not None))
        except _CallerGone:
            yield from self.took(node_id, node, "ended", "the call ended in the queue "
                                                          "(answered, or the caller hung up)")
            yield from self.release()
            raise _Ended("queue") from None
        reply = yield from self.command(agi.get_variable("QUEUESTATUS"))
        self.state.queue_status = reply.data

    def _transfer(self, node_id: str, node: _Node) -> NodeWalk:
        assert isinstance(node, TransferNode)
        yield from self.play(node.prompt)
        target = self.graph.trunks[node.trunk].dial.format(number=node.number.lstrip("+"))
        try:
            yield from self.command(agi.dial(target, node.ring_seconds))
        except _CallerGone:
            yield from self.took(node_id, node, "ended", f"dialled {node.number}: the call "
                                                          "ended on the transfer")
            yield from self.release()
            raise _Ended("transfer") from None
        reply = yield from self.command(agi.get_variable("DIALSTATUS"))
        self.state.dial_status = status = reply.data
        branch = "busy" if status in DIAL_BUSY else "no_answer"
        if status == "ANSWER":
            yield from self.took(node_id, node, "ended", f"{node.number} answered")
            yield from self.release()
            raise _Ended("transfer")
        return (yield from self.goto(node_id, node, branch, f"DIALSTATUS={status}"))

    def _voicemail(self, node_id: str, node: _Node) -> NodeWalk:
        assert isinstance(node, VoicemailNode)
        yield from self.play(node.prompt)
        base = f"{self.settings.voicemail_dir}/{self.facts.uniqueid}"
        self.state.voicemail_file = f"{base}.wav"
        yield from self.play(BEEP_PROMPT)  # a missing prompt is skipped: the message is not
        try:
            yield from self.command(agi.record_file(base, node.max_seconds))
        except _CallerGone:  # the usual end of a message: the caller hangs up
            yield from self.took(node_id, node, "recorded", f"message recorded to {base}.wav")
            raise _Ended("voicemail") from None
        except _CommandFailed as failed:  # no file: say so, never claim a message
            self.state.voicemail_file = None
            yield from self.took(node_id, node, "failed",
                                 f"recording the message failed ({failed.error})")
            yield from self.goodbye(node.goodbye)
            raise _Ended("voicemail_failed") from None
        yield from self.took(node_id, node, "recorded", f"message recorded to {base}.wav")
        yield from self.play(node.goodbye)
        yield from self.command(agi.hangup())
        raise _Ended("voicemail")

    def _callback(self, node_id: str, node: _Node) -> NodeWalk:
        assert isinstance(node, CallbackNode)
        caller = self.facts.caller
        if caller is None:
            return (yield from self.goto(node_id, node, "anonymous", "no number to call back"))
        reply = yield from self.command(agi.get_data(self.sound(node.prompt), 6, 1))
        pressed = reply.value if not reply.timed_out else ""
        self.state.digits += pressed
        if pressed != node.confirm_digit:
            why = f"caller pressed {pressed}" if pressed else "no input"
            return (yield from self.goto(node_id, node, "declined", why))
        self.state.callback_number = caller
        yield from self.took(node_id, node, "confirmed", f"call back {caller} requested")
        yield from self.play(node.goodbye)
        yield from self.command(agi.hangup())
        raise _Ended("callback")

    def _survey(self, node_id: str, node: _Node) -> NodeWalk:
        assert isinstance(node, SurveyNode)
        self.state.surveyed = True
        failures: list[str] = []
        while len(failures) < node.attempts:
            if failures:
                yield from self.play(node.invalid_prompt)
            reply = yield from self.command(agi.get_data(
                self.sound(node.prompt), node.timeout_seconds, 1))
            pressed = reply.value if not reply.timed_out else ""
            self.state.digits += pressed
            if pressed in SURVEY_KEYS:
                self.state.survey_score = int(pressed)
                break
            failures.append(f"invalid {pressed}" if pressed else "no input")
        if self.state.survey_score is not None:
            yield from self.took(node_id, node, "scored",
                                 f"caller rated the call {self.state.survey_score}")
        else:
            yield from self.took(node_id, node, "no_score", f"no score ({', '.join(failures)})")
        yield from self.play(node.goodbye)
        yield from self.command(agi.hangup())
        raise _Ended("survey")

    def _hangup(self, node_id: str, node: _Node) -> NodeWalk:
        assert isinstance(node, HangupNode)
        yield from self.play(node.prompt)
        yield from self.took(node_id, node, "end", "route ends")
        yield from self.command(agi.hangup())
        raise _Ended("hangup")
