"""What the engine knows about a call once it is over: pure values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

# The engine's own calls (click-to-call of a callback) carry this prefix in their
# Linkedid: the Originate sets the agent channel's Uniqueid (ChannelId) to its ActionID.
OWN_CALL_PREFIX = "ccengine-callback-"


def is_own_call(linkedid: str) -> bool:
    return linkedid.startswith(OWN_CALL_PREFIX)


class Outcome(StrEnum):
    ANSWERED = "answered"  # a queue agent took it
    EXTERNAL = "external"  # an external number the route dialed answered
    ABANDONED = "abandoned"  # the caller hung up waiting in a queue
    IVR_ABANDONED = "ivr_abandoned"  # the caller hung up before a queue or agent
    TIMEOUT = "timeout"  # a queue timed out and the call went on
    UNANSWERED = "unanswered"  # ended with nobody answering (after hours, ...)
    VOICEMAIL = "voicemail"  # the route took a message: nobody answered, the caller spoke

    @property
    def missed(self) -> bool:
        return self not in (Outcome.ANSWERED, Outcome.EXTERNAL)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing that happened to a call, in the order it happened."""

    at: datetime
    kind: str  # start, ivr_digit, queue_join, ring, ring_no_answer, answer, ...
    detail: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {"at": self.at.isoformat(), "kind": self.kind, **self.detail}


@dataclass(frozen=True, slots=True)
class RouteTaken:
    """The route graph walk a call ran (over AsyncAGI): which version, which path."""

    graph: str
    version: int | None
    ended_by: str  # queue, transfer, voicemail, callback, hangup, caller_hung_up, ...
    path: tuple[dict[str, str], ...] = ()  # {"node", "kind", "branch", "reason"}
    digits: str = ""
    ticket_priority: str | None = None  # a route may make it urgent (an outage line: P1)
    voicemail_file: str | None = None
    callback_number: str | None = None
    last_node: str | None = None  # where the call was when the route ended (a hang-up)
    last_kind: str | None = None
    vip: bool = False  # VIP by the graph's list (or the customer record) when it was routed

    def as_json(self) -> dict[str, object]:
        return {
            "graph": self.graph, "version": self.version, "ended_by": self.ended_by,
            "path": list(self.path), "digits": self.digits,
            "ticket_priority": self.ticket_priority, "voicemail_file": self.voicemail_file,
            "callback_number": self.callback_number, "last_node": self.last_node,
            "last_kind": self.last_kind, "vip": self.vip,
        }


@dataclass(frozen=True, slots=True)
class FinishedCall:
    """A call that has ended, as the call tracker hands it to the ticket side.

    Numbers are as Asterisk sent them; normalising to E.164 is the ticket
    side's business (it knows the default region).
    """

    pbx: str
    linkedid: str
    caller_number: str | None
    caller_name: str | None
    did: str | None
    outcome: Outcome
    started_at: datetime
    ended_at: datetime
    answered_at: datetime | None = None
    queue: str | None = None
    queue_priority: int | None = None
    agent_name: str | None = None
    agent_interface: str | None = None
    external_number: str | None = None
    ivr_digits: str = ""
    hold_seconds: int | None = None
    talk_seconds: int | None = None
    recording_file: str | None = None
    timeline: tuple[TimelineEntry, ...] = ()
    route: RouteTaken | None = None
