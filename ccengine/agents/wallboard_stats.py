"""The wallboard's figures per queue, from live calls, agents and today's calls; pure.

Live: callers waiting in each queue now and the longest wait (the tracker's
live calls whose last queue visit has no result yet), and the queue's agents
by state (presence memberships; agents of the queue's tiers in the published
graphs who are not members now count as logged out).

Today (from midnight in the contact center's time zone): answered, abandoned
and timed out calls, by the queue each call ended in, and the service level.

Service level, for a threshold of N seconds (default 20)::

    SL = answered within N / (answered + abandoned after N + timed out after N)

- "answered within N": the caller waited (Asterisk's HoldTime) at most N s
  before an agent took the call;
- the denominator is the queue's offered calls that count: every answered
  call, and every call that left the queue unanswered after waiting more than
  N s, whether the caller hung up (abandoned) or the queue gave up on it
  (timeout, and what the route did next: voicemail, an external transfer).
  A caller who hung up within N s is not held against the queue (short
  abandons: a wrong number, a caller who changed their mind), nor is a call
  the queue passed on within N s;
- a wait that is not known counts against the queue (answered but not within
  N, left after N): the figure may be low, never flattering;
- no call that counts: no service level (None, shown as "—"), never 0 % or
  a division by zero.

A call answered now but not over yet counts as answered today already, so
the board moves when the agent picks up rather than when the call ends.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import astuple, dataclass, field, replace
from datetime import datetime, time
from zoneinfo import ZoneInfo

from ccengine.agents.presence import Agent, AgentState
from ccengine.calls.state import CallState

DEFAULT_THRESHOLD_SECONDS = 20
AGENT_STATES = tuple(state.value for state in AgentState)
ANSWERED = "answered"
ABANDONED = "abandoned"
NOT_QUEUE_OUTCOMES = frozenset({"ivr_abandoned"})  # never offered to a queue
BUSY = frozenset({AgentState.RINGING, AgentState.IN_CALL, AgentState.WRAP_UP})


@dataclass(frozen=True, slots=True)
class OutcomeCount:
    """``count`` calls of ``queue`` that ended with ``outcome``; ``within``: their
    wait is known and at most the threshold."""

    queue: str
    outcome: str
    within: bool
    count: int


@dataclass(frozen=True, slots=True)
class DayTally:
    answered: int = 0
    answered_within: int = 0
    abandoned: int = 0
    abandoned_after: int = 0
    timed_out: int = 0
    timed_out_after: int = 0

    def __add__(self, other: DayTally) -> DayTally:
        return DayTally(*(a + b for a, b in zip(astuple(self), astuple(other), strict=True)))

    @property
    def offered(self) -> int:
        """The calls the service level is a share of."""
        return self.answered + self.abandoned_after + self.timed_out_after

    @property
    def service_level(self) -> float | None:
        return self.answered_within / self.offered if self.offered else None


@dataclass(frozen=True, slots=True)
class Waiting:
    count: int = 0
    longest_seconds: int | None = None  # None: nobody waits


@dataclass(frozen=True, slots=True)
class QueueFigures:
    queue: str
    waiting: Waiting = Waiting()
    agents: dict[str, int] = field(default_factory=lambda: dict.fromkeys(AGENT_STATES, 0))
    day: DayTally = DayTally()

    def as_json(self, threshold: int) -> dict[str, object]:
        return {
            "queue": self.queue, "waiting": self.waiting.count,
            "longest_wait_seconds": self.waiting.longest_seconds,
            "agents": dict(self.agents), "answered": self.day.answered,
            "abandoned": self.day.abandoned, "timed_out": self.day.timed_out,
            "answered_within_threshold": self.day.answered_within,
            "service_level": self.day.service_level, "sl_threshold_seconds": threshold,
        }


# -- today ---------------------------------------------------------------------


def day_start(now: datetime, timezone: str) -> datetime:
    """Midnight of ``now``'s day in ``timezone`` (an aware datetime)."""
    zone = ZoneInfo(timezone)
    return datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)


def within(wait_seconds: int | None, threshold: int) -> bool:
    return wait_seconds is not None and wait_seconds <= threshold


def tally(counts: Iterable[OutcomeCount]) -> dict[str, DayTally]:
    """Each queue's day from counts of (queue, outcome, within the threshold)."""
    days: dict[str, DayTally] = {}
    for item in counts:
        if item.outcome in NOT_QUEUE_OUTCOMES or item.count <= 0:
            continue
        days[item.queue] = days.get(item.queue, DayTally()) + _one(item)
    return days


def _one(item: OutcomeCount) -> DayTally:
    n = item.count
    if item.outcome == ANSWERED:
        return DayTally(answered=n, answered_within=n if item.within else 0)
    if item.outcome == ABANDONED:
        return DayTally(abandoned=n, abandoned_after=0 if item.within else n)
    # timeout, and what the route did after it: voicemail, external, unanswered
    return DayTally(timed_out=n, timed_out_after=0 if item.within else n)


def answered_live(calls: Iterable[CallState], since: datetime,
                  threshold: int) -> list[OutcomeCount]:
    """Calls an agent took that are not over yet (so not in the calls table)."""
    return [OutcomeCount(visit.queue, ANSWERED, within(call.hold_seconds, threshold), 1)
            for call in calls
            if call.started_at >= since and (visit := call.current_visit) is not None
            and visit.result == "connected"]


# -- live ------------------------------------------------------------------------


def waiting(calls: Iterable[CallState], now: datetime) -> dict[str, Waiting]:
    """Callers in a queue now (their last visit has no result yet), per queue."""
    found: dict[str, Waiting] = {}
    for call in calls:
        visit = call.current_visit
        if visit is None or visit.result is not None:
            continue
        seconds = max(0, int((now - visit.joined_at).total_seconds()))
        was = found.get(visit.queue, Waiting())
        found[visit.queue] = Waiting(was.count + 1, max(seconds, was.longest_seconds or 0))
    return found


def state_in_queue(agent: Agent, paused_here: bool) -> AgentState:
    """A busy agent is busy for all their queues; a pause may be one queue's only."""
    state = agent.state
    if state in BUSY:
        return state
    return AgentState.PAUSED if paused_here else AgentState.AVAILABLE


def agents_by_queue(agents: Iterable[Agent],
                    rosters: Mapping[str, Collection[str]]) -> dict[str, dict[str, int]]:
    """Per queue, its agents by state; ``rosters``: queue → interfaces that may log in."""
    counts: dict[str, dict[str, int]] = {q: dict.fromkeys(AGENT_STATES, 0) for q in rosters}
    members: dict[str, set[str]] = {}
    for agent in agents:
        for queue, membership in agent.queues.items():
            state = state_in_queue(agent, membership.paused)
            counts.setdefault(queue, dict.fromkeys(AGENT_STATES, 0))[state.value] += 1
            members.setdefault(queue, set()).add(agent.interface)
    for queue, roster in rosters.items():
        counts[queue][AgentState.LOGGED_OUT.value] += len(set(roster) - members.get(queue, set()))
    return counts


def agents_overall(agents: Iterable[Agent],
                   rosters: Mapping[str, Collection[str]]) -> dict[str, int]:
    """Every agent once: a member of any queue by their state, a rostered one not
    logged in to any as logged out."""
    counts = dict.fromkeys(AGENT_STATES, 0)
    seen: set[str] = set()
    for agent in agents:
        if agent.queues or agent.state in BUSY:
            counts[agent.state.value] += 1
            seen.add(agent.interface)
    rostered = set().union(*rosters.values()) if rosters else set()
    counts[AgentState.LOGGED_OUT.value] += len(rostered - seen)
    return counts


# -- the board -------------------------------------------------------------------


def board(*, waits: Mapping[str, Waiting], agents: Mapping[str, dict[str, int]],
          days: Mapping[str, DayTally]) -> list[QueueFigures]:
    """One QueueFigures per queue seen anywhere, by name."""
    names = sorted(set(waits) | set(agents) | set(days))
    return [QueueFigures(name, waits.get(name, Waiting()),
                         dict(agents.get(name) or dict.fromkeys(AGENT_STATES, 0)),
                         days.get(name, DayTally()))
            for name in names]


def totals(queues: Iterable[QueueFigures], overall_agents: dict[str, int]) -> QueueFigures:
    """The whole contact center: sums, the longest wait of all, each agent once."""
    total = QueueFigures("", agents=dict(overall_agents))
    for figures in queues:
        longest = max(total.waiting.longest_seconds or 0, figures.waiting.longest_seconds or 0)
        count = total.waiting.count + figures.waiting.count
        total = replace(total, waiting=Waiting(count, longest if count else None),
                        day=total.day + figures.day)
    return total
