"""Opening-hours text and public holidays: the pieces the IVR and the SLA clocks share.

Route graphs' time conditions and holiday nodes import these from here, so a
"08:00-18:00" and a public holiday mean the same thing to both.
"""

from __future__ import annotations

import re
from datetime import date, time
from functools import lru_cache

import holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS_RANGE = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
# A calendar's or policy's name, as SLA policies and route graph nodes refer to it:
# a letter or digit first (no '.' or '..' in a URL path); '24/7' is a name.
NAME_PATTERN = r"^[^\W_][\w /+.-]*$"
MAX_NAME = 100


def parse_range(text: str, day: str = "") -> tuple[time, time]:
    """'08:00-18:00' → (08:00, 18:00); '24:00' as an end means midnight (time.max)."""
    where = f"{day}: " if day else ""
    match = HOURS_RANGE.match(text.strip())
    if not match:
        raise ValueError(f"{where}{text!r} is not HH:MM-HH:MM")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
        raise ValueError(f"{where}{text!r} is not a valid time range")
    start = time(h1, m1)
    end = time.max if h2 == 24 else time(h2, m2)
    if end <= start:
        raise ValueError(f"{where}{text!r} ends before it starts")
    return start, end


def public_holiday(country: str, day: date) -> str | None:
    """The public holiday's name on this day (Polish names for Poland), or None."""
    return _holidays(country, day.year).get(day)


def public_holidays(country: str, year: int) -> list[tuple[date, str]]:
    """The year's public holidays in date order (Polish names for Poland)."""
    return sorted(_holidays(country, year).items())


def is_supported_country(country: str) -> bool:
    return country in holidays.list_supported_countries()


@lru_cache(maxsize=256)  # one table per (country, year): SLA walks ask for every day
def _holidays(country: str, year: int) -> dict[date, str]:
    # Polish names for Poland (the library's own translation), English elsewhere.
    language = "pl" if country == "PL" else None
    table = holidays.country_holidays(country, years=year, language=language)
    return dict(table.items())
