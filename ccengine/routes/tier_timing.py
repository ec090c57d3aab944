"""When a queue's later tier first rings, as Asterisk's app_queue times it (pure).

A tier's ``after_seconds`` is when its queue rule may act, not when its agents
ring. Seen on a real Asterisk (live traces): a 30 s tier of a ``linear`` queue
(15 s rings, 1 s retry) first rang 48 s after the join. Two things add up:

- app_queue applies a rule's ``penaltychange`` only between ring cycles
  (``timeout`` + ``retry``), so a tier opens at the first cycle that starts at
  or after its time: up to one cycle late;
- the rule raises the earlier tiers' penalty to the new tier's (QUEUE_RAISE_PENALTY),
  so they ring alongside it. ``ringall`` rings them all at once; ``linear`` and
  ``rrmemory`` ring one member a cycle, in their order, so each earlier-tier member
  may be tried first, one more cycle each; ``leastrecent``, ``fewestcalls``,
  ``random`` and ``wrandom`` may keep choosing an earlier-tier member, so the new
  tier is only sure to ring once the earlier ones are busy, paused or away.
"""

from __future__ import annotations

from dataclasses import dataclass

from ccengine.routes.model import Queue

ONE_AT_A_TIME = frozenset({"linear", "rrmemory"})  # each member in turn, one a cycle
NO_BOUND = frozenset({"leastrecent", "fewestcalls", "random", "wrandom"})


@dataclass(frozen=True, slots=True)
class TierTiming:
    tier: int  # 2 for the second tier (penalty 1)
    opens: int  # seconds into the wait: the rule's time
    first_ring_by: int | None  # at the latest, if earlier-tier agents do not answer; None: no bound
    cycle: int  # ring_seconds + retry_seconds
    tried_first: int  # earlier-tier members that may ring before it, one cycle each

    def describe(self, strategy: str) -> str:
        head = f"tier {self.tier} (penalty {self.tier - 1}) opens {self.opens} s into the wait"
        if self.first_ring_by is None:
            return (f"{head}; with {strategy} it rings when the strategy picks it, for sure "
                    "only once the earlier tiers are busy, paused or away")
        why = f"rules act between ring cycles of {self.cycle} s"
        if self.tried_first:
            why += (f"; {strategy} may try the {self.tried_first} earlier-tier member(s) "
                    "first, one cycle each")
        return f"{head} and first rings by {self.first_ring_by} s ({why})"


def tier_timings(queue: Queue) -> list[TierTiming]:
    """For each tier after the first: when it opens and by when it first rings."""
    cycle = queue.ring_seconds + queue.retry_seconds
    timings = []
    for index, tier in enumerate(queue.tiers[1:], start=1):
        earlier = sum(len(t.members) for t in queue.tiers[:index])
        tried_first = earlier if queue.strategy in ONE_AT_A_TIME else 0
        latest = (None if queue.strategy in NO_BOUND
                  else tier.after_seconds + cycle * (1 + tried_first))
        timings.append(TierTiming(index + 1, tier.after_seconds, latest, cycle, tried_first))
    return timings
