"""The SLA store's domain errors; ``web.errors`` gives each its status and stable id."""

from __future__ import annotations

from collections.abc import Sequence

from ccengine.sla.model import CalendarUser


class SlaStoreError(Exception):
    """Base of the errors the calendars' and policies' service raises."""


class CalendarNotFound(SlaStoreError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no calendar named {name!r}")
        self.name = name


class PolicyNotFound(SlaStoreError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no SLA policy named {name!r}")
        self.name = name


class NameTaken(SlaStoreError):
    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"a {kind} named {name!r} exists already")
        self.field = "name"


class CalendarInUse(SlaStoreError):
    """A calendar a policy or a published route graph names cannot go."""

    def __init__(self, name: str, users: Sequence[CalendarUser]) -> None:
        listed = ", ".join(str(user) for user in users)
        super().__init__(f"calendar {name!r} is used by {listed}")
        self.users = tuple(users)
