"""panoramisk's AMI protocol with the decoding and framing it gets wrong.

panoramisk decodes every TCP read on its own with ``errors='ignore'``: a
Polish letter whose two UTF-8 bytes straddle two reads is silently lost, and
any non-ASCII byte is dropped when the encoding is left at ASCII. Here one
incremental decoder spans the reads, so a frame is decoded whole. A frame that
is not AMI at all is reported, and an exception while handling one frame can
never tear the connection down (panoramisk would lose the rest of the read).
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Callable
from typing import Any

from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

log = logging.getLogger(__name__)

FRAME_END = "\r\n\r\n"
BANNER = "Asterisk Call Manager/"


class Utf8AmiProtocol(AMIProtocol):  # type: ignore[misc]
    """AMIProtocol that decodes UTF-8 across reads and isolates bad frames."""

    on_malformed: Callable[[str], None] = staticmethod(lambda _frame: None)

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def data_received(self, data: bytes) -> None:
        text = self._pending + self._decoder.decode(data)
        *frames, self._pending = text.split(FRAME_END)
        for frame in frames:
            self._handle_frame(frame.strip())

    def _handle_frame(self, frame: str) -> None:
        if frame.startswith(BANNER):
            banner, _, frame = frame.partition("\r\n")
            self.version = banner[len(BANNER) :].strip()
            if not frame:
                return
        message = Message.from_line(frame) if frame else None
        if message is None:
            if frame:
                self.on_malformed(frame)
            return
        try:
            self.handle_message(message)
        except Exception:
            log.exception("AMI frame could not be handled; connection kept: %.200r", frame)
