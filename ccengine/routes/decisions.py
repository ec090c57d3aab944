"""The pure decisions of a route: which entry, open or closed, holiday or not, VIP or not.

Each returns the branch and the reason a person reads in the call's path
("holiday: 2026-12-25 Boże Narodzenie (pierwszy dzień)").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from ccengine.routes.model import (
    EntryNode,
    HolidayNode,
    RouteGraph,
    TimeConditionNode,
    VipNode,
)
from ccengine.sla.calendar import BusinessCalendar
from ccengine.sla.documents import range_text
from ccengine.sla.hours import WEEKDAYS, parse_range, public_holiday

Calendars = Mapping[str, BusinessCalendar]
NO_CALENDARS: Calendars = {}


@lru_cache(maxsize=1024)  # every new call matches the entries' patterns
def pattern_regex(pattern: str) -> re.Pattern[str]:
    """'+4822111XXXX' (X: any digit), '+4822*' (any rest), '*' (anything)."""
    body = "".join(r"\d" if char == "X" else re.escape(char) for char in pattern.rstrip("*"))
    return re.compile(f"^{body}{'.*' if pattern.endswith('*') else ''}$")


def matches_any(number: str | None, patterns: tuple[str, ...]) -> str | None:
    """The first pattern the number matches, or None."""
    if number is None:
        return None
    return next((p for p in patterns if pattern_regex(p).match(number)), None)


def entry_for(graph: RouteGraph, did: str | None,
              caller: str | None) -> tuple[str, EntryNode, str] | None:
    """The entry node this call comes in by, and why; None if none takes it."""
    for node_id, entry in graph.entries():
        did_pattern = matches_any(did, entry.dids)
        if did_pattern is None:
            continue
        if entry.callers and caller is not None and not matches_any(caller, entry.callers):
            continue
        if entry.callers and caller is None and entry.anonymous is None:
            continue
        return node_id, entry, f"DID {did} matches {did_pattern}"
    return None


def entry_branch(entry: EntryNode, caller: str | None) -> tuple[str, str]:
    if caller is None:
        return ("anonymous", "caller has no number") if entry.anonymous else (
            "next", "caller has no number (no anonymous branch)")
    pattern = matches_any(caller, entry.callers) if entry.callers else None
    return "next", f"caller {caller} matches {pattern}" if pattern else f"caller {caller}"


def time_condition(node: TimeConditionNode, graph_zone: str, at: datetime,
                   calendars: Calendars = NO_CALENDARS) -> tuple[str, str]:
    """'open' or 'closed' at this moment, and why."""
    override = node.override
    if override is not None and (override.until is None or at < override.until):
        until = f" until {override.until.isoformat()}" if override.until else " until lifted"
        return override.mode, f"override: forced {override.mode}{until}"
    if node.calendar is not None:
        return calendar_open(node.calendar, calendars.get(node.calendar), at)
    zone = node.timezone or graph_zone
    local = at.astimezone(ZoneInfo(zone))
    day = WEEKDAYS[local.weekday()]
    for text in (node.hours or {}).get(day, ()):
        start, end = parse_range(text)
        if start <= local.time() < end:
            return "open", f"{day} {local:%H:%M} within {text} ({zone})"
    ranges = ", ".join((node.hours or {}).get(day, ())) or "closed all day"
    return "closed", f"{day} {local:%H:%M} outside {ranges} ({zone})"


def calendar_open(name: str, calendar: BusinessCalendar | None,
                  at: datetime) -> tuple[str, str]:
    """Open or closed by a named calendar: its hours, zone, holidays and closed days.

    A calendar gone since the graph was published (deleting one in use is refused,
    so only a race) counts as closed: a caller hears the closed branch, not silence.
    """
    if calendar is None:
        return "closed", f"calendar {name}: unknown, taken as closed"
    local = at.astimezone(calendar.zone)
    day = WEEKDAYS[local.weekday()]
    closed = calendar.closed_reason(local.date())
    if closed is not None:
        return "closed", f"calendar {name}: closed ({closed})"
    ranges = calendar.hours.get(day, ())
    where = f"{day} {local:%H:%M}"
    if calendar.is_open(at):
        within = next((r for r in ranges if r[0] <= local.time() < r[1]), ranges[0])
        return "open", f"calendar {name}: open ({where} within {range_text(within)}, " \
                       f"{calendar.timezone})"
    listed = ", ".join(range_text(r) for r in ranges)
    why = f"{where} outside {listed}" if ranges else f"{where}, no opening hours"
    return "closed", f"calendar {name}: closed ({why}, {calendar.timezone})"


def holiday(node: HolidayNode, graph_zone: str, at: datetime,
            calendars: Calendars = NO_CALENDARS) -> tuple[str, str]:
    """'holiday' or 'regular' for the local date of this moment, and why."""
    if node.calendar is not None:
        return calendar_holiday(node.calendar, calendars.get(node.calendar), at)
    day = at.astimezone(ZoneInfo(node.timezone or graph_zone)).date()
    for custom in node.custom:
        if custom.covers(day):
            return "holiday", f"holiday: {day.isoformat()} {custom.name}"
    name = public_holiday(node.country, day) if node.public else None
    if name:
        return "holiday", f"holiday: {day.isoformat()} {name}"
    return "regular", f"{day.isoformat()} is not a holiday"


def calendar_holiday(name: str, calendar: BusinessCalendar | None,
                     at: datetime) -> tuple[str, str]:
    """A holiday or closed day of a named calendar (unknown: taken as a holiday, closed)."""
    if calendar is None:
        return "holiday", f"calendar {name}: unknown, taken as a holiday"
    day = at.astimezone(calendar.zone).date()
    closed = calendar.closed_reason(day)
    if closed is not None:
        return "holiday", f"calendar {name}: {day.isoformat()} closed ({closed})"
    return "regular", f"calendar {name}: {day.isoformat()} is not a holiday or closed day"


def vip(node: VipNode, caller: str | None, customer_vip: bool) -> tuple[str, str]:
    if caller is not None and caller in node.numbers:
        return "vip", f"VIP: {caller} is on the VIP list"
    if node.customers and customer_vip:
        return "vip", f"VIP: customer {caller} is flagged VIP"
    return "other", f"{caller or 'anonymous caller'} is not a VIP"
