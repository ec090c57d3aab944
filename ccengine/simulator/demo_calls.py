"""The demo's callers: people ringing the contact center, routed live over AsyncAGI.

Each call is a ``CallerScript`` for the simulated PBX: a caller from the demo
list dials the DID, presses keys in the menu (sometimes a wrong one, sometimes
none), and the queue or the transfer ends as it does in a real contact center
(mostly answered, sometimes the caller gives up or the queue times out). The
engine's route executor decides everything else, as with a real Asterisk.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence

from ccengine.simulator.agi_calls import CallerScript, DialPlan, QueuePlan
from ccengine.simulator.agi_pbx import AgiPbx
from ccengine.simulator.calls import DEMO_CALLERS, Caller

DEMO_DID = "48221110000"
AGENTS = ("Katarzyna Lewandowska", "Piotr Zieliński", "Agnieszka Wójcik", "Tomasz Kamiński",
          "Magdalena Szymańska", "Michał Wojciechowski", "Marek Jankowski")
# Keys pressed at the menu, weighted: 2 (order status) is the busiest line.
MENU_CHOICES = {"1": 3, "2": 5, "3": 2, "4": 1, "5": 3, "9": 1, "7": 1, "": 1}


class RoutedCallFactory:
    def __init__(self, seed: int | None = None, callers: Sequence[Caller] = DEMO_CALLERS,
                 did: str = DEMO_DID,
                 own_members: tuple[tuple[str, str, str], ...] = ()) -> None:
        self._random = random.Random(seed)
        self._callers, self._did = callers, did
        self._own_members = own_members  # (queue, name, interface), from the graph

    def make(self) -> CallerScript:
        rng = self._random
        caller = rng.choice(self._callers)
        keys = list(MENU_CHOICES)
        digits = tuple(rng.choices(keys, weights=list(MENU_CHOICES.values()), k=2))
        return CallerScript(
            number=caller.number, name=caller.name, did=self._did, digits=digits,
            hang_up_in_get_data=0 if rng.random() < 0.07 else None,
            queues=(self._queue_plan(),),
            dials=(DialPlan(status=rng.choice(["ANSWER", "ANSWER", "NOANSWER"]),
                            talk_seconds=rng.uniform(5, 20)),),
            speaks_seconds=rng.uniform(4, 12),
        )

    def _queue_plan(self) -> QueuePlan:
        rng = self._random
        agent = rng.choice(AGENTS)
        roll = rng.random()
        # logged_in_first: a sample agent logged in at the console gets the queue's calls.
        if roll < 0.7:
            return QueuePlan(answered_by=agent, ring_seconds=rng.uniform(2, 12),
                             talk_seconds=rng.uniform(20, 90), interface="PJSIP/agent1",
                             logged_in_first=True, own_members=self._own_members)
        if roll < 0.85:
            return QueuePlan(answered_by=None, rings=agent, abandon_after=rng.uniform(5, 40),
                             logged_in_first=True, own_members=self._own_members)
        # Rings in vain until the queue times out.
        return QueuePlan(answered_by=None, rings=agent, logged_in_first=True,
                         own_members=self._own_members)


async def run_routed_calls(pbx: AgiPbx, factory: RoutedCallFactory,
                           interval: tuple[float, float], count: int | None = None,
                           clock_offset: float = 0.0) -> None:
    """Place calls at random intervals and wait for them all to end.

    ``clock_offset`` shifts the calls' clock (the demo can ring in business
    hours whatever the real time is).
    """
    rng = random.Random()
    placed = []
    made = 0
    while count is None or made < count:
        placed.append(await pbx.place_call(factory.make(), at=time.time() + clock_offset))
        made += 1
        await asyncio.sleep(rng.uniform(*interval))
    await asyncio.gather(*(call.finished() for call in placed))
