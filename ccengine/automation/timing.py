"""Time in each status ("eskalacja łączna"): the stays a ticket's intervals describe; pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

Stay = tuple[str, datetime]  # (status, entered at), in the order entered


def seconds_by_status(stays: Sequence[Stay], now: datetime) -> dict[str, int]:
    """Whole seconds spent in each status, each stay lasting until the next one starts
    (the last one until ``now``); stays are summed per status."""
    totals: dict[str, float] = {}
    for index, (status, start) in enumerate(stays):
        end = stays[index + 1][1] if index + 1 < len(stays) else now
        totals[status] = totals.get(status, 0.0) + max((end - start).total_seconds(), 0.0)
    return {status: int(seconds) for status, seconds in totals.items()}


def current_since(stays: Sequence[Stay]) -> datetime | None:
    return stays[-1][1] if stays else None
