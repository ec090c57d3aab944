"""A ticket's history in time order: calls, transcripts, notes and changes; pure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ccengine.tickets.enums import ActivityKind
from ccengine.tickets.views import ActivityView, CallView, TimelineEntry


def timeline(activities: Iterable[ActivityView],
             calls: Iterable[CallView]) -> tuple[TimelineEntry, ...]:
    """One entry per activity, oldest first; ties keep the order they were written in."""
    by_id = {call.id: call for call in calls}
    keyed = [(_when(activity, by_id.get(activity.call_id or 0)), activity.id,
              _entry(activity, by_id.get(activity.call_id or 0)))
             for activity in activities]
    return tuple(entry for _at, _id, entry in sorted(keyed, key=lambda k: (k[0], k[1])))


def _when(activity: ActivityView, call: CallView | None) -> datetime:
    # A call's activity is written when the call is stored, after it ended; the
    # history reads better with the call where it began.
    if activity.kind == ActivityKind.CALL and call is not None:
        return call.started_at
    return activity.created_at


def _entry(activity: ActivityView, call: CallView | None) -> TimelineEntry:
    return TimelineEntry(at=_when(activity, call), kind=activity.kind, author=activity.author,
                         body=activity.body, data=dict(activity.data), call=call)
