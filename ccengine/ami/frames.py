"""AMI wire frames: 'Key: Value' lines ending in a blank line (pure, no panoramisk).

Shared by the client edge and the simulated PBX, so both read a frame alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

EOL = "\r\n"


def parse_frame(raw: str) -> dict[str, str]:
    """Headers of one frame; a repeated key keeps its first value."""
    headers: dict[str, str] = {}
    for line in raw.split(EOL):
        key, sep, value = line.partition(": ")
        if sep and key not in headers:
            headers[key] = value
    return headers


def render_frame(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    items = headers.items() if isinstance(headers, Mapping) else headers
    return "".join(f"{key}: {value}{EOL}" for key, value in items) + EOL


FRAME_END = EOL + EOL
# A frame still open past this many bytes is dropped with the connection (the
# default of [ami] max_frame_bytes, and the protocol's when none is given).
DEFAULT_MAX_FRAME_BYTES = 1 << 20

# Only a name-like Event value: the rest of a frame may be a caller's number or name.
_EVENT_NAME = re.compile(r"^Event:[ \t]*([A-Za-z][A-Za-z0-9_]{0,63})\r?$", re.MULTILINE)


def describe_frame(raw: str) -> str:
    """A frame for a log line: its size and Event name, never its values (they may
    hold a caller's number or name, which must not reach the logs)."""
    match = _EVENT_NAME.search(raw)
    event = f"Event {match.group(1)}" if match else "no Event"
    return f"{len(raw)} characters, {event}"


class FrameTooLong(Exception):
    """More bytes than allowed arrived without a frame ending."""


class FrameBuffer:
    """Splits a stream of text into frames, looking at each byte once.

    Only the new text (and the last three characters before it, where a
    terminator may have begun) is searched for the end of a frame, so a frame
    arriving in many reads costs its length, not its length squared. What is
    still open may not pass ``limit`` bytes: a peer sending a frame that never
    ends gets FrameTooLong instead of all our memory.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._tail = ""  # the last characters held, where FRAME_END may have begun
        self._size = 0  # bytes held

    @property
    def size(self) -> int:
        return self._size

    def feed(self, text: str, size: int, limit: int) -> list[str]:
        """The frames ``text`` completes; ``size`` is its length in bytes on the wire."""
        probe = self._tail + text
        self._tail = probe[-(len(FRAME_END) - 1):]
        if FRAME_END not in probe:
            self._hold(text, self._size + size, limit)
            return []
        *frames, rest = ("".join(self._parts) + text).split(FRAME_END)
        self._parts, self._tail = [], rest[-(len(FRAME_END) - 1):]
        self._hold(rest, len(rest.encode("utf-8")), limit)
        return frames

    def _hold(self, text: str, size: int, limit: int) -> None:
        if size > limit:
            self._parts, self._tail, self._size = [], "", 0
            raise FrameTooLong(f"an AMI frame passed {limit} bytes without ending")
        if text:
            self._parts.append(text)
        self._size = size
