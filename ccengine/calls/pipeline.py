"""From AMI header dicts to the call tracker, in arrival order, never losing the loop.

The AMI connection hands messages over synchronously; only subscribed events
are queued (the rest of the traffic is dropped before any work). Resync
answers travel through the same queue as events, so a snapshot is applied
exactly where it belongs in the stream.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from ccengine.ami.errors import MalformedEvent
from ccengine.ami.events import (
    EVENT_PARSERS,
    ChannelListed,
    QueueEntryListed,
    parse_event,
)
from ccengine.calls.tracker import CallTracker

log = logging.getLogger(__name__)

Headers = Mapping[str, str]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Marker:
    kind: str  # resync, channels, queue_entries, lost
    pbx: str
    at: float
    items: Sequence[Headers] = ()


@dataclass(slots=True)
class PipelineStats:
    events: int = 0
    malformed: int = 0
    failed: int = 0
    by_pbx: dict[str, int] = field(default_factory=dict)


class EventPipeline:
    def __init__(self, tracker: CallTracker) -> None:
        self.tracker = tracker
        self.stats = PipelineStats()
        self._queue: asyncio.Queue[tuple[str, Headers, float] | _Marker] = asyncio.Queue()

    def feed(self, pbx: str, headers: Headers, received_at: float) -> None:
        if headers.get("Event") in EVENT_PARSERS:
            self._queue.put_nowait((pbx, headers, received_at))

    def mark(self, kind: str, pbx: str, at: float, items: Sequence[Headers] = ()) -> None:
        self._queue.put_nowait(_Marker(kind, pbx, at, items))

    async def drained(self) -> None:
        await self._queue.join()

    @property
    def backlog(self) -> int:
        return self._queue.qsize()

    async def run(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                self._process(item)
            except MalformedEvent as exc:
                self.stats.malformed += 1
                log.warning("AMI %s: %s; event skipped", _pbx_of(item), exc)
            except Exception:
                self.stats.failed += 1
                log.exception("AMI %s: event could not be handled; skipped", _pbx_of(item))
            finally:
                self._queue.task_done()

    def _process(self, item: tuple[str, Headers, float] | _Marker) -> None:
        if isinstance(item, _Marker):
            self._apply_marker(item)
            return
        pbx, headers, received_at = item
        event = parse_event(headers, pbx, received_at)
        if event is not None:
            self.stats.events += 1
            self.tracker.handle(event)

    def _apply_marker(self, marker: _Marker) -> None:
        at = datetime.fromtimestamp(marker.at, UTC)
        if marker.kind == "resync":
            self.tracker.begin_resync(marker.pbx)
        elif marker.kind == "channels":
            listed = _typed(marker, ChannelListed)
            self.tracker.apply_channel_snapshot(marker.pbx, listed, at)
        elif marker.kind == "queue_entries":
            self.tracker.apply_queue_entries(marker.pbx, _typed(marker, QueueEntryListed))
        elif marker.kind == "lost":
            self.tracker.connection_lost(marker.pbx, at)


def _typed(marker: _Marker, kind: type[T]) -> list[T]:
    typed = []
    for headers in marker.items:
        try:
            event = parse_event(headers, marker.pbx, marker.at)
        except MalformedEvent as exc:
            log.warning("AMI %s: resync item skipped: %s", marker.pbx, exc)
            continue
        if isinstance(event, kind):
            typed.append(event)
    return typed


def _pbx_of(item: tuple[str, Headers, float] | _Marker) -> str:
    return item.pbx if isinstance(item, _Marker) else item[0]
