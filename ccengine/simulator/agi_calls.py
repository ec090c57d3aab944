"""What a simulated caller does on an AsyncAGI-driven inbound call, and the call's handle.

A ``CallerScript`` is the caller's side of the story: who calls which DID,
which keys they press at each ``GET DATA``, when they give up, and what
happens when the dialplan runs ``Queue()`` (a ``QueuePlan`` per run) or
``Dial()`` (a ``DialPlan`` per run). The AGI commands themselves come from
the AMI client (the engine), as they would on a real PBX. Durations are in
the script's own seconds: ``AgiPbx(time_scale=...)`` plays them faster.

``AgiPbx.place_call(script)`` returns a ``PlacedCall``: the AGI channel,
Uniqueid and Linkedid, the commands received so far, the files recorded,
and ``await placed`` (or ``await placed.finished(timeout)``) for the moment
every channel of the call has hung up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class QueuePlan:
    """What happens when the call runs ``Queue()``.

    - answered_by: the member that answers after ring_seconds; the caller
      then talks talk_seconds and hangs up (AgentComplete Reason caller), and
      Queue returns result=-1 like agi-ivr-vip-queue.
    - answered_by None: ``rings`` is rung in vain (AgentRingNoAnswer every
      member_timeout, a new ring after retry_seconds) until the Queue()
      timeout argument: then, as real Asterisk does, QueueCallerAbandon +
      QueueCallerLeave + QUEUESTATUS=TIMEOUT (and ABANDONED=TRUE) with the
      caller still there, and Queue returns result 0 (queue-timeout).
    - abandon_after: the caller hangs up after waiting this long
      (QueueCallerAbandon, Hangup; queue-abandoned).
    - status ("JOINEMPTY", "FULL", ...): Queue() returns at once with it.
    - interface None: the queue rings its logged-in members (QueueAdd on the
      simulated PBX): the free, unpaused one of lowest penalty; with none free
      the caller waits (retry_seconds between looks) as in a real queue. It
      answers after ring_seconds when answered_by is set (any name: the
      member's own is used), else rings in vain.
    - logged_in_first: a plan naming its member rings a free logged-in member
      instead when there is one (the demo: sample agents who log in get calls).
    - agent_hangs_up: the member hangs up after talk_seconds (AgentComplete Reason
      agent). With Queue()'s 'c' option the caller stays: QUEUESTATUS=CONTINUE and
      Queue returns result 0 (the dialplan goes on: a survey); without it the caller
      is hung up too.
    """

    answered_by: str | None = "Agent One"
    interface: str | None = "Local/agent1@lab-agents/n"  # or PJSIP/agent1; None: logged-in
    ring_seconds: float = 2.0
    talk_seconds: float = 9.0
    abandon_after: float | None = None
    status: str | None = None
    rings: str = "Agent One"  # the member rung in vain when answered_by is None
    member_timeout: float = 15.0  # queues.conf timeout: one ring lasts at most this
    retry_seconds: float = 1.0  # queues.conf retry: pause between two rings
    logged_in_first: bool = False
    # (queue, name, interface) of each queue's members in the route graph: with no
    # logged-in member free, the queue's own member answers (or rings), not a stranger.
    own_members: tuple[tuple[str, str, str], ...] = ()
    agent_hangs_up: bool = False

    @property
    def member(self) -> str:
        return self.answered_by or self.rings


@dataclass(frozen=True)
class DialPlan:
    """What happens on ``EXEC Dial``.

    ANSWER: the far end answers after ring_seconds, talks talk_seconds and
    hangs up; Dial returns result=-1 like agi-external-transfer and the call
    goes on. BUSY, CONGESTION: after ring_seconds; NOANSWER: at the Dial
    timeout (ring_seconds without one); CHANUNAVAIL: at once. Those return
    result 0 with DIALSTATUS set. A Dial timeout shorter than ring_seconds
    makes any of them NOANSWER.
    """

    status: str = "ANSWER"  # ANSWER, BUSY, NOANSWER, CONGESTION, CHANUNAVAIL
    ring_seconds: float = 1.0
    talk_seconds: float = 3.0


@dataclass(frozen=True)
class CallerScript:
    number: str | None  # as Asterisk shows it ("48601111222"); None: anonymous
    name: str | None
    did: str  # "48221110000": the Exten of the ccengine-inbound channel
    # The keys pressed at each GET DATA in turn; "" or missing: nothing (timeout).
    digits: tuple[str, ...] = ()
    hang_up_in_get_data: int | None = None  # hangs up during this GET DATA (0-based)
    hang_up_in_playback: int | None = None  # hangs up halfway through this Playback (0-based)
    hang_up_after_seconds: float | None = None  # from the start, whatever runs then
    queues: tuple[QueuePlan, ...] = (QueuePlan(),)  # one per Queue() run; the last repeats
    dials: tuple[DialPlan, ...] = (DialPlan(),)  # one per Dial run; the last repeats
    speaks_seconds: float = 4.0  # RECORD FILE: speaks this long, then hangs up
    # RECORD FILE fails with the caller still there, as on an Asterisk without its
    # core 'beep' sound: '200 result=-1 (randomerror) endpos=0' (live traces).
    record_fails: bool = False

    def keys_for(self, get_data_run: int) -> str:
        return self.digits[get_data_run] if get_data_run < len(self.digits) else ""

    def queue_plan(self, run: int) -> QueuePlan:
        return self.queues[min(run, len(self.queues) - 1)] if self.queues else QueuePlan()

    def dial_plan(self, run: int) -> DialPlan:
        return self.dials[min(run, len(self.dials) - 1)] if self.dials else DialPlan()


@dataclass(eq=False)
class PlacedCall:
    """A call the simulated PBX is playing; ``await`` it for its end."""

    script: CallerScript
    channel: str  # the ;2 half: the AsyncAGI channel commands go to
    uniqueid: str  # of the AGI channel
    linkedid: str  # the ;1 half's Uniqueid: the call's key
    commands: list[str] = field(default_factory=list)  # AGI commands received, in order
    recordings: list[str] = field(default_factory=list)  # RECORD FILE files ("path.wav")
    events: list[str] = field(default_factory=list)  # frames emitted, without Timestamp
    _over: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    _hang_up: Callable[[], None] = field(default=lambda: None, repr=False)

    @property
    def over(self) -> bool:
        """Every channel of the call has hung up."""
        return self._over.is_set()

    async def finished(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self._over.wait(), timeout)

    def __await__(self) -> Generator[Any, None, None]:
        return self.finished().__await__()

    def hang_up(self) -> None:
        """The caller hangs up now, whatever runs (a no-op once the call is over)."""
        self._hang_up()
