"""What the SLA store keeps beside the pure core's types: versions and write times."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ccengine.sla.calendar import BusinessCalendar
from ccengine.sla.policy import SlaPolicy


@dataclass(frozen=True, slots=True)
class StoredCalendar:
    calendar: BusinessCalendar
    version: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class StoredPolicy:
    policy: SlaPolicy
    position: int
    version: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class SlaBook:
    """Every calendar and policy at one moment: replaced whole, never edited.

    Ticket SLA clocks, the alert scheduler and the route walk all read their
    calendars here, so the IVR and the SLA agree on what "open" means.
    """

    calendars: Mapping[str, BusinessCalendar] = field(default_factory=dict)
    policies: tuple[SlaPolicy, ...] = ()  # in their listed order (choose_policy's tie-break)


@dataclass(frozen=True, slots=True)
class CalendarUser:
    """Who uses a calendar: a policy, or a published route graph's node."""

    kind: str  # "policy" or "route"
    name: str  # the policy's name, or "<graph> v<version> node <id>"

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"
