"""panoramisk's AMI protocol with the decoding and framing it gets wrong.

panoramisk decodes every TCP read on its own with ``errors='ignore'``: a
Polish letter whose two UTF-8 bytes straddle two reads is silently lost, and
any non-ASCII byte is dropped when the encoding is left at ASCII. Here one
incremental decoder spans the reads, so a frame is decoded whole. A frame that
is not AMI at all is reported, and an exception while handling one frame can
never tear the connection down (panoramisk would lose the rest of the read).

Broadcast events (no ActionID) do not go through panoramisk's Message,
response lookup and pattern dispatch: with one subscriber that machinery
only costs time (it was two thirds of the ingest cost in
benchmarks/ami_ingest.py). Events the engine does not subscribe to — about
half the traffic — are dropped before any parsing. Responses, events that
answer an action, and Shutdown keep panoramisk's path.
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Callable
from typing import Any

from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

from ccengine.ami.frames import (
    DEFAULT_MAX_FRAME_BYTES,
    FrameBuffer,
    FrameTooLong,
    describe_frame,
    parse_frame,
)

log = logging.getLogger(__name__)

BANNER = "Asterisk Call Manager/"


EVENT_PREFIX = "Event: "
ACTION_ID = "\r\nActionID: "
PANORAMISK_EVENTS = frozenset({"Shutdown"})  # panoramisk reacts to these itself


class Utf8AmiProtocol(AMIProtocol):  # type: ignore[misc]
    """AMIProtocol that decodes UTF-8 across reads and isolates bad frames."""

    on_malformed: Callable[[str], None] = staticmethod(lambda _frame: None)
    on_event: Callable[[dict[str, str]], None] | None = None
    wanted_events: frozenset[str] | None = None  # None: every event
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    on_overflow: Callable[[int], None] = staticmethod(
        lambda limit: log.warning("AMI frame over %d bytes without an end; connection dropped",
                                  limit))

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._frames = FrameBuffer()
        # ActionIDs whose list events are also handed on, at their place in the stream.
        self.streamed_actions: set[str] = set()

    def connection_lost(self, exc: Exception | None) -> None:
        # The peer may close before AmiConnection wires panoramisk's Manager to
        # this protocol (factory still None): panoramisk would raise
        # AttributeError in the loop. Note it; AmiConnection checks ``closed``.
        if self.factory is None:
            self.closed = True
            return
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        try:
            frames = self._frames.feed(self._decoder.decode(data), len(data), self.max_frame_bytes)
        except FrameTooLong:
            self._drop_endless_frame()
            return
        for frame in frames:
            self._handle_frame(frame.strip())

    def _drop_endless_frame(self) -> None:
        """A frame that never ends would grow without bound: hang up (AmiConnection
        reconnects and resyncs). Nothing of the frame is logged: it may be personal."""
        self.on_overflow(self.max_frame_bytes)
        transport = getattr(self, "transport", None)
        if transport is not None:
            transport.abort()

    def _handle_frame(self, frame: str) -> None:
        if frame.startswith(BANNER):
            banner, _, frame = frame.partition("\r\n")
            self.version = banner[len(BANNER) :].strip()
            if not frame:
                return
        if frame.startswith(EVENT_PREFIX):
            if ACTION_ID not in frame:
                if self._broadcast(frame):
                    return
            elif self.streamed_actions:
                self._stream_list_item(frame)
        message = Message.from_line(frame) if frame else None
        if message is None:
            if frame:
                self.on_malformed(frame)
            return
        try:
            self.handle_message(message)
        except Exception:
            log.exception("AMI frame could not be handled; connection kept (%s)",
                          describe_frame(frame))

    def _stream_list_item(self, frame: str) -> None:
        """A list answer's event goes on in stream order (panoramisk still gets it,
        to complete the action): a resync snapshot must land exactly between the
        events before and after it, which an awaited action result cannot do."""
        headers = parse_frame(frame)
        if self.on_event is not None and headers.get("ActionID") in self.streamed_actions:
            try:
                self.on_event(headers)
            except Exception:
                log.exception("AMI list event could not be handed on (%s)",
                              describe_frame(frame))

    def _broadcast(self, frame: str) -> bool:
        """Hand a broadcast event straight on; False leaves it to panoramisk."""
        end = frame.find("\r\n")
        name = frame[len(EVENT_PREFIX) : end if end >= 0 else None]
        if self.on_event is None or name in PANORAMISK_EVENTS:
            return False
        if self.wanted_events is not None and name not in self.wanted_events:
            return True
        try:
            self.on_event(parse_frame(frame))
        except Exception:
            log.exception("AMI event could not be handed on; connection kept (%s)",
                          describe_frame(frame))
        return True
