"""Decoding untrusted JSON text with bounds the standard decoder lacks.

``json.loads`` recurses once per nesting level (a body nested 5,000 deep raises
RecursionError) and accepts lone surrogates (``"\\ud800"``) that no database
driver can encode. ``decode`` refuses both with ``JsonRefused``, before any
handler sees the value.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 64  # our deepest documents (route graphs) are about 6 levels deep

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


class JsonRefused(ValueError):
    """The text is not JSON we accept; the message says why (no data from the text)."""


def decode(raw: bytes, max_depth: int = MAX_DEPTH) -> Any:
    _check_depth(raw, max_depth)
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise JsonRefused("the body is not UTF-8") from None
    except ValueError:
        raise JsonRefused("the body is not valid JSON") from None
    _check_encodable(value)
    return value


def _check_depth(raw: bytes, max_depth: int) -> None:
    """Refuse nesting deeper than ``max_depth``, counted outside strings (C-speed scans)."""
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return
    depth = 0
    for bracket in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        depth += 1 if bracket.group() in (b"[", b"{") else -1
        if depth > max_depth:
            raise JsonRefused(f"JSON nested deeper than {max_depth} levels")


def _check_encodable(value: Any) -> None:
    # One C-level pass: a lone surrogate anywhere (key or value) cannot become UTF-8.
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise JsonRefused("the body holds a lone surrogate (\\ud800-\\udfff)") from None
