"""Who an alert reaches: the ticket's assignee and the leaders of its queue.

There is no "leader" of a queue in the model yet: a leader is an active user with the
``privileged_agent`` role (the role that sees every agent's tickets) whose SIP
interface is a member of the queue in the published route graphs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.notifications.model import Person, QueueMembers
from ccengine.users.models import Role, User

LEADER_ROLES = frozenset({Role.PRIVILEGED_AGENT})


@dataclass(frozen=True)
class _Known:
    person: Person
    role: str
    interface: str | None


class People:
    """The active users, read once per scheduler tick."""

    def __init__(self, users: Sequence[_Known], members: QueueMembers | None) -> None:
        self._users = users
        self._members = members
        self._roles = {known.person.user_id: known.role for known in users}
        self._by_name = {known.person.display_name: known.person for known in users}
        self._by_name.update({known.person.login: known.person for known in users
                              if known.person.login not in self._by_name})

    @classmethod
    async def load(cls, session: AsyncSession, members: QueueMembers | None) -> People:
        query = (select(User.id, User.login, User.display_name, User.role, User.sip_interface)
                 .where(User.active).order_by(User.display_name))
        users = [_Known(Person(user_id, login, name), role, interface)
                 for user_id, login, name, role, interface in await session.execute(query)]
        return cls(users, members)

    def assignee(self, name: str | None) -> Person | None:
        """Tickets name their assignee by display name (a login also matches)."""
        return self._by_name.get(name) if name else None

    def role(self, person: Person) -> Role:
        """Who may see what they are told of (a plain agent: her share of the tickets)."""
        return Role(self._roles[person.user_id])

    def leaders(self, queue: str | None) -> list[Person]:
        if queue is None or self._members is None:
            return []
        interfaces = self._members.interfaces(queue)
        return [known.person for known in self._users
                if known.role in LEADER_ROLES and known.interface in interfaces]
