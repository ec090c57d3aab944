"""Which users sit at which SIP interface, kept in memory for the event path.

A screen-pop must not wait for a users query per ring: the map is loaded at
start and refreshed in the background; an interface not in it is looked up
once (and remembered as nobody's for a while).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select

from ccengine.db import Database
from ccengine.tickets.filters import EVERYONE, Viewer
from ccengine.users.models import Role, User

MISS_SECONDS = 10.0  # how long an interface nobody sits at is not asked for again


@dataclass(frozen=True, slots=True)
class Seat:
    user_id: int
    login: str
    display_name: str
    interface: str
    role: str = Role.AGENT.value  # what her pops may show (a plain agent's share)

    @property
    def viewer(self) -> Viewer:
        """Whose share of the tickets the seat's user sees (``filters.viewer_of``)."""
        return Viewer(self.display_name) if self.role == Role.AGENT.value else EVERYONE


class Directory:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._by_interface: dict[str, tuple[Seat, ...]] = {}
        self._missed: dict[str, float] = {}

    def seats(self, interface: str) -> tuple[Seat, ...]:
        return self._by_interface.get(interface, ())

    def knows(self, interface: str) -> bool:
        if interface in self._by_interface:
            return True
        missed = self._missed.get(interface)
        return missed is not None and time.monotonic() - missed < MISS_SECONDS

    async def refresh(self) -> None:
        query = select(User).where(User.sip_interface.is_not(None), User.active.is_(True))
        async with self._database.sessions() as session:
            users = list(await session.scalars(query))
        table: dict[str, list[Seat]] = {}
        for user in users:
            seat = _seat(user)
            table.setdefault(seat.interface, []).append(seat)
        self._by_interface = {k: tuple(v) for k, v in table.items()}
        self._missed.clear()

    async def lookup(self, interface: str) -> tuple[Seat, ...]:
        if self.knows(interface):
            return self.seats(interface)
        query = select(User).where(User.sip_interface == interface, User.active.is_(True))
        async with self._database.sessions() as session:
            seats = tuple(_seat(user) for user in await session.scalars(query))
        if seats:
            self._by_interface[interface] = seats
        else:
            self._missed[interface] = time.monotonic()
        return seats

    def remember(self, seat: Seat) -> None:
        """The user sits at ``seat.interface`` now, and nowhere else: pops of her old
        phone must not follow her."""
        self._forget_user(seat.user_id)
        self._by_interface[seat.interface] = (*self.seats(seat.interface), seat)
        self._missed.pop(seat.interface, None)

    def _forget_user(self, user_id: int) -> None:
        for interface, seats in list(self._by_interface.items()):
            kept = tuple(s for s in seats if s.user_id != user_id)
            if len(kept) != len(seats):
                self._by_interface[interface] = kept


def _seat(user: User) -> Seat:
    return Seat(user.id, user.login, user.display_name, user.sip_interface or "", user.role)
