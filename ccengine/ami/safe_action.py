"""The one place that checks every header written into an AMI action.

AMI is line-based: Asterisk ends a header at a line feed (a carriage return
before it is optional) and an action at an empty line. A value carrying CR or
LF would therefore add headers, or a whole second action, to what we send (a
caller name echoed into an ``Originate``'s ``CallerID`` could dial anywhere
with the ``originate`` right). ``AmiConnection`` passes every action through
``safe_action`` just before it is written, so no caller of ``send`` can forget.

The rules, per header:

- Header names must be a letter followed by letters, digits, ``-`` or ``_``
  (Asterisk's own names, and ``Variable``); anything else refuses the action.
- Free-text headers (``FREE_TEXT``: ``CallerID``, ``Reason``, ``MemberName``)
  carry names people typed or callers sent: control characters (CR, LF, NUL,
  tab and the other C0/C1 controls, line and paragraph separators) are each
  replaced by a space, so the action still goes out with the text readable.
- Every other value (``Action``, ``ActionID``, ``Channel``, ``Context``,
  ``Exten``, ``Interface``, ``Queue``, AGI ``Command``, ``Variable`` ...) names
  or addresses something: cleaning it would send the action somewhere else, so
  a control character in it refuses the whole action (``AmiUnsafeAction``).
- A value must be text or a whole number (``int``, sent as its digits); anything
  else (``None``, ``bool``, floats, bytes ...) refuses the action rather than go
  out as ``None`` or ``True``: a flag is spelt by the caller (``"true"``).
A header given as a list (panoramisk writes one line per item) is checked item
by item. Nothing of the refused value is put in the error: it may be personal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from ccengine.ami.errors import AmiUnsafeAction

HEADER_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
FREE_TEXT = frozenset({"callerid", "reason", "membername"})
# Unicode's own line breaks: harmless to Asterisk's parser, but never wanted in a header.
_LINE_BREAKS = frozenset({"Zl", "Zp"})

Value = str | list[str]


def safe_action(action: Mapping[str, Any]) -> dict[str, Value]:
    """The action with free text cleaned; AmiUnsafeAction if it cannot be sent safely."""
    return {_checked_name(name): _safe_value(name, value) for name, value in action.items()}


def is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or unicodedata.category(char) in _LINE_BREAKS


def clean_text(text: str) -> str:
    """Free text with every control character replaced by a space."""
    return "".join(" " if is_control(char) else char for char in text)


def _checked_name(name: object) -> str:
    if not isinstance(name, str) or HEADER_NAME.fullmatch(name) is None:
        raise AmiUnsafeAction("an AMI header name is not a plain word; action refused")
    return name


def _as_text(name: str, value: object) -> str:
    # bool is an int to Python, but str(True) is 'True' where Asterisk wants
    # 'true'/'yes': the caller spells it. None would go out as the word 'None'.
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise AmiUnsafeAction(f"AMI header {name} is not text or a whole number; action refused")


def _safe_value(name: str, value: object) -> Value:
    if isinstance(value, list | tuple):
        return [_safe_item(name, item) for item in value]
    return _safe_item(name, value)


def _safe_item(name: str, value: object) -> str:
    text = _as_text(name, value)
    if not any(is_control(char) for char in text):
        return text
    if name.lower() in FREE_TEXT:
        return clean_text(text)
    raise AmiUnsafeAction(f"AMI header {name} holds a control character; action refused")
