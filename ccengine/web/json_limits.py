"""Decoding untrusted JSON text with bounds the standard decoder lacks.

``json.loads`` recurses once per nesting level (a body nested 5,000 deep raises
RecursionError, and fails fast: a 10**6-deep body is refused in milliseconds)
and accepts lone surrogates (``"\\ud800"``) that no database driver can encode.
``decode`` refuses both, and nesting past ``max_depth``, with ``JsonRefused``
before any handler sees the value. No regular expression scans the raw text:
a pre-scan backtracked quadratically on a string that never closes.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64  # our deepest documents (route graphs) are about 6 levels deep


class JsonRefused(ValueError):
    """The text is not JSON we accept; the message says why (no data from the text)."""


def decode(raw: bytes, max_depth: int = MAX_DEPTH) -> Any:
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise JsonRefused("the body is not UTF-8") from None
    except RecursionError:
        raise JsonRefused(f"JSON nested deeper than {max_depth} levels") from None
    except ValueError:
        raise JsonRefused("the body is not valid JSON") from None
    _check_depth(value, max_depth)
    _check_encodable(value)
    return value


def _check_depth(value: Any, max_depth: int) -> None:
    """Refuse nesting deeper than ``max_depth``; an explicit stack, so no recursion."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth + 1 > max_depth:
            raise JsonRefused(f"JSON nested deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in children)


def _check_encodable(value: Any) -> None:
    # One C-level pass: a lone surrogate anywhere (key or value) cannot become UTF-8.
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise JsonRefused("the body holds a lone surrogate (\\ud800-\\udfff)") from None
