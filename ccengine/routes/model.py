"""The route graph: named nodes with typed edges, plus the queues and trunks they use.

A graph is the document an admin writes (YAML) and the engine stores in
versions. Parsing checks each node's own fields (pydantic, so an error names
the node and the field); ``validate`` checks the graph as a whole.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ccengine.sla.hours import MAX_NAME, NAME_PATTERN, WEEKDAYS, parse_range
from ccengine.tickets.enums import Priority

NODE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
PROMPT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
QUEUE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
E164_PATTERN = re.compile(r"^\+[0-9X]+\*?$|^\*$")

Prompt = Annotated[str, Field(pattern=PROMPT_NAME.pattern)]
NodeRef = Annotated[str, Field(pattern=NODE_ID.pattern)]
# A named business calendar (ccengine.sla): the IVR and the SLA clocks share it.
CalendarName = Annotated[str, Field(min_length=1, max_length=MAX_NAME, pattern=NAME_PATTERN)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# -- queues and trunks -----------------------------------------------------------


class Member(_Strict):
    name: str = Field(min_length=1)
    interface: str = Field(pattern=r"^[A-Za-z]+/\S+$")  # PJSIP/agent1, Local/agent1@ctx/n


class Tier(_Strict):
    """Agents rung together; a later tier opens ``after_seconds`` into the wait."""

    after_seconds: int = Field(default=0, ge=0)
    members: tuple[Member, ...] = Field(min_length=1)


CallTicketPolicy = Literal["new", "open_ticket", "customer_only"]


class Queue(_Strict):
    strategy: Literal["ringall", "leastrecent", "fewestcalls", "random", "rrmemory",
                      "linear", "wrandom"] = "rrmemory"
    ring_seconds: int = Field(default=15, ge=1)  # per agent attempt
    retry_seconds: int = Field(default=1, ge=0)
    wrapup_seconds: int = Field(default=0, ge=0)
    max_callers: int = Field(default=0, ge=0)  # 0: no limit
    tiers: tuple[Tier, ...] = Field(min_length=1)
    # What an answered call of this queue does to tickets (``agents.call_tickets``):
    # "new" (each call its ticket, as always), "open_ticket" (the caller's newest open
    # ticket of this queue, else new) or "customer_only" (logged on the customer, its
    # ticket resolved when the agent marks the wrap-up done).
    call_tickets: CallTicketPolicy = "new"
    disposition_required: bool = False  # the wrap-up must name a disposition (reason code)

    @field_validator("tiers")
    @classmethod
    def _tiers_open_in_order(cls, tiers: tuple[Tier, ...]) -> tuple[Tier, ...]:
        if tiers[0].after_seconds != 0:
            raise ValueError("the first tier opens at once (after_seconds 0)")
        times = [tier.after_seconds for tier in tiers]
        if times != sorted(set(times)):
            raise ValueError(f"tiers must open at increasing times, got {times}")
        return tiers


class Trunk(_Strict):
    """How an external number is dialled: ``{number}`` is the E.164 number's digits."""

    dial: str = Field(pattern=r"^[A-Za-z]+/.*\{number\}.*$")


# -- nodes -----------------------------------------------------------------------


class _Node(_Strict):
    kind: str
    label: str | None = None  # shown in the graph picture

    def edges(self) -> dict[str, str]:
        """Branch name → target node, for every branch this node can take."""
        return {}



class EntryNode(_Node):
    kind: Literal["entry"]
    # E.164 patterns: +48221110000, +4822111XXXX (X: any digit), +4822* (any rest)
    dids: tuple[str, ...] = Field(min_length=1)
    callers: tuple[str, ...] = ()  # caller patterns; empty: any caller
    anonymous: NodeRef | None = None  # where callers without a number go; default: next
    next: NodeRef

    @field_validator("dids", "callers")
    @classmethod
    def _patterns(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            if not E164_PATTERN.match(pattern):
                raise ValueError(
                    f"{pattern!r} is not an E.164 pattern (+48..., X for any digit, "
                    "a trailing * for any rest)"
                )
        return patterns

    def edges(self) -> dict[str, str]:
        edges = {"next": self.next}
        if self.anonymous:
            edges["anonymous"] = self.anonymous
        return edges


class Override(_Strict):
    """An admin forcing open or closed, until a time or (until absent) for good."""

    mode: Literal["open", "closed"]
    until: datetime | None = None

    @field_validator("until")
    @classmethod
    def _aware(cls, until: datetime | None) -> datetime | None:
        if until is not None and until.tzinfo is None:
            raise ValueError("give the time zone, e.g. 2026-12-31T08:00:00+01:00")
        return until


class TimeConditionNode(_Node):
    """Open or closed by its own hours, or by a named calendar (hours, zone, holidays,
    closed days: the calendar's, not the node's)."""

    kind: Literal["time_condition"]
    # mon..sun → ["08:00-18:00", ...]; missing day: closed. None only with a calendar.
    hours: dict[str, tuple[str, ...]] | None = None
    calendar: CalendarName | None = None
    timezone: str | None = None  # default: the graph's
    override: Override | None = None
    open: NodeRef
    closed: NodeRef

    @field_validator("hours", mode="before")
    @classmethod
    def _single_range(cls, hours: object) -> object:
        if isinstance(hours, dict):
            return {day: [r] if isinstance(r, str) else r for day, r in hours.items()}
        return hours

    @field_validator("hours")
    @classmethod
    def _parsable(cls, hours: dict[str, tuple[str, ...]] | None
                  ) -> dict[str, tuple[str, ...]] | None:
        for day, ranges in (hours or {}).items():
            if day not in WEEKDAYS:
                raise ValueError(f"{day!r} is not a weekday ({', '.join(WEEKDAYS)})")
            for text in ranges:
                parse_range(text, day)
        return hours

    @model_validator(mode="after")
    def _hours_or_a_calendar(self) -> TimeConditionNode:
        if self.hours is None and self.calendar is None:
            raise ValueError("give hours, or a calendar's name")
        if self.hours and self.calendar is not None:  # an editor's empty {} is no hours
            raise ValueError("the calendar's hours decide: give hours or a calendar, not both")
        return self

    def edges(self) -> dict[str, str]:
        return {"open": self.open, "closed": self.closed}


class CustomHoliday(_Strict):
    name: str = Field(min_length=1)
    date: dt.date | None = None
    start: dt.date | None = Field(default=None, alias="from")
    end: dt.date | None = Field(default=None, alias="to")

    @model_validator(mode="after")
    def _a_day_or_a_range(self) -> CustomHoliday:
        if (self.date is None) == (self.start is None or self.end is None):
            raise ValueError("give either date, or from and to")
        if self.start and self.end and self.end < self.start:
            raise ValueError(f"range {self.start}..{self.end} ends before it starts")
        return self

    def covers(self, day: dt.date) -> bool:
        if self.date is not None:
            return day == self.date
        assert self.start is not None and self.end is not None
        return self.start <= day <= self.end


class HolidayNode(_Node):
    """Holiday or regular day; with a calendar, its holidays and closed days decide
    (country, public and custom are then not used)."""

    kind: Literal["holiday"]
    calendar: CalendarName | None = None
    country: str = "PL"
    public: bool = True  # the country's public holidays count
    custom: tuple[CustomHoliday, ...] = ()
    timezone: str | None = None
    holiday: NodeRef
    regular: NodeRef

    def edges(self) -> dict[str, str]:
        return {"holiday": self.holiday, "regular": self.regular}


class VipNode(_Node):
    kind: Literal["vip"]
    numbers: tuple[str, ...] = ()  # E.164 VIP callers besides customers flagged VIP
    customers: bool = True  # customers flagged VIP count
    priority: int = Field(default=10, ge=0)  # the queue priority (QUEUE_PRIO) a VIP gets
    vip: NodeRef
    other: NodeRef

    def edges(self) -> dict[str, str]:
        return {"vip": self.vip, "other": self.other}


class MenuNode(_Node):
    kind: Literal["menu"]
    prompt: Prompt
    options: dict[str, NodeRef] = Field(min_length=1)  # digit (or digits) → node
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    max_digits: int = Field(default=1, ge=1, le=20)
    attempts: int = Field(default=3, ge=1, le=10)  # failures before the fallback
    invalid_prompt: Prompt | None = None
    timeout_prompt: Prompt | None = None
    fallback: NodeRef

    @field_validator("options")
    @classmethod
    def _digit_keys(cls, options: dict[str, str]) -> dict[str, str]:
        for key in options:
            if not re.fullmatch(r"[0-9*#]+", key):
                raise ValueError(f"option {key!r} is not digits (0-9, * or #)")
        return options

    def edges(self) -> dict[str, str]:
        return {**{f"option {k}": v for k, v in self.options.items()}, "fallback": self.fallback}



class AnnouncementNode(_Node):
    kind: Literal["announcement"]
    prompt: Prompt
    next: NodeRef

    def edges(self) -> dict[str, str]:
        return {"next": self.next}



class QueueNode(_Node):
    kind: Literal["queue"]
    queue: str = Field(pattern=QUEUE_NAME.pattern)
    prompt: Prompt | None = None  # e.g. please-hold, before joining
    max_wait_seconds: int = Field(default=300, ge=1)
    priority: int | None = Field(default=None, ge=0)  # QUEUE_PRIO; a VIP's may be higher
    ticket_priority: Priority | None = None  # e.g. P1 for an outage line
    on_timeout: NodeRef | None = None
    on_full: NodeRef | None = None
    on_empty: NodeRef | None = None  # no agent logged in (JOINEMPTY, LEAVEEMPTY, ...)
    # A survey node the caller goes on to when the agent hangs up (Queue()'s 'c' option:
    # the caller stays on the line); none: the call ends with the agent's hang-up.
    survey: NodeRef | None = None

    def edges(self) -> dict[str, str]:
        branches = {"timeout": self.on_timeout, "full": self.on_full, "empty": self.on_empty,
                    "survey": self.survey}
        return {name: target for name, target in branches.items() if target}



class TransferNode(_Node):
    kind: Literal["transfer"]
    trunk: str
    number: str = Field(pattern=r"^\+[1-9][0-9]{6,14}$")
    prompt: Prompt | None = None
    ring_seconds: int = Field(default=30, ge=1)
    on_no_answer: NodeRef | None = None
    on_busy: NodeRef | None = None  # busy, congestion or the trunk unavailable

    def edges(self) -> dict[str, str]:
        branches = {"no_answer": self.on_no_answer, "busy": self.on_busy}
        return {name: target for name, target in branches.items() if target}



class VoicemailNode(_Node):
    kind: Literal["voicemail"]
    prompt: Prompt
    max_seconds: int = Field(default=120, ge=5, le=600)
    goodbye: Prompt | None = None



class CallbackNode(_Node):
    """Offer a call back to the caller's number; confirmed by a key."""

    kind: Literal["callback"]
    prompt: Prompt
    confirm_digit: str = Field(default="1", pattern=r"^[0-9*#]$")
    goodbye: Prompt | None = None
    declined: NodeRef | None = None  # no key, or another one: default hang up
    anonymous: NodeRef | None = None  # no number to call back: default hang up

    def edges(self) -> dict[str, str]:
        branches = {"declined": self.declined, "anonymous": self.anonymous}
        return {name: target for name, target in branches.items() if target}



class SurveyNode(_Node):
    """After the agent hung up: the caller rates the call with a key 1-5 (no key or
    another one: the invalid prompt and one more try, then no score); the score is
    kept with the call, its agent and its ticket. Then the goodbye and a hang-up."""

    kind: Literal["survey"]
    prompt: Prompt
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    attempts: int = Field(default=2, ge=1, le=3)
    invalid_prompt: Prompt | None = None
    goodbye: Prompt | None = None


class HangupNode(_Node):
    kind: Literal["hangup"]
    prompt: Prompt | None = None



Node = Annotated[
    EntryNode | TimeConditionNode | HolidayNode | VipNode | MenuNode | AnnouncementNode
    | QueueNode | TransferNode | VoicemailNode | CallbackNode | HangupNode | SurveyNode,
    Field(discriminator="kind"),
]

NODE_KINDS = ("entry", "time_condition", "holiday", "vip", "menu", "announcement", "queue",
              "transfer", "voicemail", "callback", "hangup", "survey")


class RouteGraph(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    timezone: str = "Europe/Warsaw"
    queues: dict[str, Queue] = {}
    trunks: dict[str, Trunk] = {}
    nodes: dict[str, Node] = Field(min_length=1)

    @field_validator("nodes")
    @classmethod
    def _node_ids(cls, nodes: dict[str, _Node]) -> dict[str, _Node]:
        for node_id in nodes:
            if not NODE_ID.match(node_id):
                raise ValueError(f"node id {node_id!r}: lower-case letters, digits, - and _")
        return nodes

    def entries(self) -> list[tuple[str, EntryNode]]:
        return [(nid, n) for nid, n in self.nodes.items() if isinstance(n, EntryNode)]
