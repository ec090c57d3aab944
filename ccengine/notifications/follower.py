"""Every process delivers every new notification to the tabs connected to it.

A notification row is written once, by whichever process's scheduler or sweep won it,
but the tabs are spread over every ``ccengine serve`` process on the database. So no
writer publishes on its own hub: each process follows the ``notifications`` table by
id and publishes each new row to its owner's tabs on its own hub (``Hub.publish`` with
the row's user id: nobody else's tab hears of it). A process that wrote rows nudges its
follower, so its own tabs hear at once; the others within ``every`` seconds.

Why a poll, on PostgreSQL as on SQLite, and not LISTEN/NOTIFY: the poll is one range
scan of the primary key (``id > low``, ids only) per second per process, well under
a millisecond; LISTEN needs a connection held outside the pool per process, and
NOTIFY is lost while that connection reconnects, so a catch-up poll is needed anyway,
and SQLite has only the poll. One path, tested on both.

Ids are not committed in order on PostgreSQL: a sequence hands them out at insert,
and a transaction holding a lower id may commit after one with a higher id was
delivered. So the follower keeps ``low`` (every id up to it is settled) and the ids
above it it already delivered; a hole below a delivered id is asked for again on each
poll until it fills or ``hole_seconds`` passed (a rolled-back insert leaves a hole
for ever). A row committed by a transaction older than that is not pushed; its tab
still counts it on the next subscribe (the bell's unread count) and lists it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.db import Database
from ccengine.notifications.model import NotificationView
from ccengine.notifications.service import view_of
from ccengine.notifications.storage_models import Notification
from ccengine.tickets.assigning import chunks

log = logging.getLogger(__name__)

FOLLOW_EVERY = 1.0  # seconds between polls when this process wrote nothing
HOLE_SECONDS = 30.0  # how long a hole below a delivered id is waited for
PAGE = 1000  # ids per poll query; a full page polls again at once

Deliver = Callable[[int, NotificationView], object]  # (owner's user id, row)
Wanted = Callable[[int], bool]  # whether a user has a tab on this process


@dataclass
class NotificationFollower:
    database: Database
    deliver: Deliver
    wanted: Wanted = lambda _user_id: True
    every: float = FOLLOW_EVERY
    hole_seconds: float = HOLE_SECONDS
    monotonic: Callable[[], float] = time.monotonic
    low: int | None = None  # None: not started; then every id up to it is settled
    _above: dict[int, float] = field(default_factory=dict)  # delivered id -> first seen
    _nudged: asyncio.Event = field(default_factory=asyncio.Event)
    _polling: asyncio.Lock = field(default_factory=asyncio.Lock)  # one poll at a time

    async def start(self) -> None:
        """Follow from the newest row: what came before, tabs read on subscribe."""
        async with self.database.sessions() as session:
            self.low = int(await session.scalar(select(func.max(Notification.id))) or 0)

    def nudge(self) -> None:
        """This process committed notifications: poll now, not at the next round."""
        self._nudged.set()

    async def run(self) -> None:
        while True:
            self._nudged.clear()  # before the poll: a nudge during it polls again
            try:
                if self.low is None:  # start() failed (the database away): again
                    await self.start()
                while await self.poll() >= PAGE:
                    pass
            except Exception:  # the database away: the next round asks again
                log.exception("following notifications failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._nudged.wait(), self.every)

    async def poll(self) -> int:
        """Deliver the rows not delivered yet; returns how many new ids it read.
        Polls take turns: two reading the same new row would both deliver it."""
        async with self._polling:
            return await self._poll()

    async def _poll(self) -> int:
        """Returns how many ids above the highest delivered one it read: a full page
        polls again at once. Held holes are asked for apart, so ids already delivered
        above one never fill a page (a spin until the hole is given up)."""
        assert self.low is not None, "start() first"
        top = max(self._above, default=self.low)
        async with self.database.sessions() as session:
            filled = [] if top == self.low else [
                (row_id, user_id) for row_id, user_id in await session.execute(
                    select(Notification.id, Notification.user_id)
                    .where(Notification.id > self.low, Notification.id < top))
                if row_id not in self._above]
            fresh = list(await session.execute(
                select(Notification.id, Notification.user_id)
                .where(Notification.id > top).order_by(Notification.id).limit(PAGE)))
            new = filled + [(row_id, user_id) for row_id, user_id in fresh]
            rows = await _rows(session, [row_id for row_id, user_id in new
                                         if self.wanted(user_id)])
        now = self.monotonic()
        for row_id, _ in new:
            self._above[row_id] = now
        for row in rows:
            self.deliver(row.user_id, view_of(row))
        self._settle(now)
        return len(fresh)

    def _settle(self, now: float) -> None:
        """Move ``low`` over delivered ids and over holes waited for long enough."""
        while self._above:
            following = self.low + 1 if self.low is not None else 0
            if following in self._above:
                del self._above[following]
                self.low = following
                continue
            lowest = min(self._above)
            if now - self._above[lowest] < self.hole_seconds:
                return
            self.low = lowest - 1  # give up the hole below it


async def _rows(session: AsyncSession, ids: list[int]) -> list[Notification]:
    found: list[Notification] = []
    for chunk in chunks(ids):
        found += await session.scalars(select(Notification).where(Notification.id.in_(chunk))
                                       .order_by(Notification.id))
    return found


__all__ = ["FOLLOW_EVERY", "HOLE_SECONDS", "NotificationFollower"]
