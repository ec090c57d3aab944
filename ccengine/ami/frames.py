"""AMI wire frames: 'Key: Value' lines ending in a blank line (pure, no panoramisk).

Shared by the client edge and the simulated PBX, so both read a frame alike.
"""

from __future__ import annotations

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
