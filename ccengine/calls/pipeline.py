"""From AMI header dicts to the call tracker, in arrival order, never losing the loop.

The AMI connection hands messages over synchronously; only subscribed events
are queued (the rest of the traffic is dropped before any work). Resync
answers travel through the same queue as events, so a snapshot is applied
exactly where it belongs in the stream.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ccengine.ami.errors import MalformedEvent
from ccengine.ami.events import (
    EVENT_PARSERS,
    ChannelListed,
    Event,
    MemberListed,
    MembersSnapshot,
    QueueEntryListed,
    parse_event,
)
from ccengine.calls.tracker import CallTracker

log = logging.getLogger(__name__)

Headers = Mapping[str, str]
Listener = Callable[[Event], None]


@dataclass(frozen=True, slots=True)
class _Marker:
    kind: str  # resync (a resync begins), synced (its lists are in) or lost (link dropped)
    pbx: str
    at: float


@dataclass(slots=True)
class PipelineStats:
    events: int = 0
    malformed: int = 0
    failed: int = 0


@dataclass(slots=True)
class _Listing:
    """Answers to the resync list actions, gathered until their *Complete."""

    channels: list[ChannelListed] = field(default_factory=list)
    entries: list[QueueEntryListed] = field(default_factory=list)
    members: list[MemberListed] = field(default_factory=list)


# A list answer ends with one of these; the snapshot applies at that point.
LIST_COMPLETIONS = frozenset({"CoreShowChannelsComplete", "QueueStatusComplete"})
ACCEPTED = frozenset(EVENT_PARSERS) | LIST_COMPLETIONS


class EventPipeline:
    def __init__(self, tracker: CallTracker,
                 on_synced: Callable[[str, datetime], None] | None = None) -> None:
        """``on_synced(pbx, at)``: a resync's lists are applied (the tracker is right again)."""
        self.tracker = tracker
        self._on_synced = on_synced
        self.stats = PipelineStats()
        self._queue: asyncio.Queue[tuple[str, Headers, float] | _Marker] = asyncio.Queue()
        self._listings: dict[str, _Listing] = {}
        self._listeners: list[Listener] = []

    def add_listener(self, listener: Listener) -> None:
        """Also hand every event, after the tracker, to ``listener`` (synchronous, thin:
        the agent console's presence). QueueStatus members arrive as one MembersSnapshot."""
        self._listeners.append(listener)

    def feed(self, pbx: str, headers: Headers, received_at: float) -> None:
        if headers.get("Event") in ACCEPTED:
            self._queue.put_nowait((pbx, headers, received_at))

    def mark(self, kind: str, pbx: str, at: float) -> None:
        self._queue.put_nowait(_Marker(kind, pbx, at))

    async def drained(self) -> None:
        await self._queue.join()

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
        if headers.get("Event") in LIST_COMPLETIONS:
            self._complete_listing(pbx, headers["Event"], received_at)
            return
        event = parse_event(headers, pbx, received_at)
        if isinstance(event, ChannelListed):
            self._listing(pbx).channels.append(event)
        elif isinstance(event, QueueEntryListed):
            self._listing(pbx).entries.append(event)
        elif isinstance(event, MemberListed):
            self._listing(pbx).members.append(event)
        elif event is not None:
            self.stats.events += 1
            self.tracker.handle(event)
            self._tell(event)

    def _tell(self, event: Event) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:  # a listener's bug must not cost the tracker its events
                log.exception("AMI %s: listener failed on %s", event.pbx, type(event).__name__)

    def _listing(self, pbx: str) -> _Listing:
        return self._listings.setdefault(pbx, _Listing())

    def _complete_listing(self, pbx: str, completion: str, received_at: float) -> None:
        listing = self._listing(pbx)
        at = datetime.fromtimestamp(received_at, UTC)
        if completion == "CoreShowChannelsComplete":
            self.tracker.apply_channel_snapshot(pbx, listing.channels, at)
            listing.channels = []
        else:
            self.tracker.apply_queue_entries(pbx, listing.entries)
            self.tracker.apply_queue_members(pbx, listing.members)
            listing.entries = []
            self._tell(MembersSnapshot(pbx=pbx, at=at, members=tuple(listing.members)))
            listing.members = []

    def _apply_marker(self, marker: _Marker) -> None:
        if marker.kind == "synced":
            if self._on_synced is not None:
                self._on_synced(marker.pbx, datetime.fromtimestamp(marker.at, UTC))
            return
        self._listings.pop(marker.pbx, None)  # a half-received list is worthless
        if marker.kind == "resync":
            self.tracker.begin_resync(marker.pbx)
        elif marker.kind == "lost":
            self.tracker.connection_lost(marker.pbx, datetime.fromtimestamp(marker.at, UTC))


def _pbx_of(item: tuple[str, Headers, float] | _Marker) -> str:
    return item.pbx if isinstance(item, _Marker) else item[0]
