"""Bytes of a text part to text, for the charsets Polish mail really uses (UTF-8,
ISO-8859-2, Windows-1250), also when the sender named the wrong one or none; pure,
never raises, never drops the text."""

from __future__ import annotations

import codecs
from email.errors import HeaderParseError
from email.header import decode_header

__all__ = ["decode_text", "decode_words", "recover_header"]

_POLISH = frozenset("ąćęłńśźżĄĆĘŁŃŚŹŻ")
_GUESSES = ("windows-1250", "iso-8859-2")
# Labels a Polish sender's program gives to mail that is really 8859-2 or 1250.
_WEAK_LABELS = frozenset({"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1",
                          "windows-1252", "cp1252", "unknown-8bit", "x-unknown"})


def decode_text(payload: bytes, declared: str | None) -> str:
    """The declared charset when it decodes the bytes and is not a weak label;
    else UTF-8; else the best Polish guess between Windows-1250 and ISO-8859-2."""
    if payload.isascii():
        return payload.decode("ascii")
    label = _codec(declared)
    if label is not None and label not in _WEAK_LABELS:
        try:
            return payload.decode(label)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        pass
    guess = _polish_guess(payload)
    if label in _WEAK_LABELS and _score(guess) <= 0:
        return payload.decode("latin-1" if label != "windows-1252" else "cp1252",
                              errors="replace")
    return guess


def _codec(declared: str | None) -> str | None:
    if not declared:
        return None
    name = declared.strip().strip('"').lower()
    try:
        codecs.lookup(name)
    except (LookupError, ValueError):
        return "x-unknown"
    return {"latin2": "iso-8859-2", "cp1250": "windows-1250", "utf8": "utf-8"}.get(name, name)


def _polish_guess(payload: bytes) -> str:
    decoded = [payload.decode(name, errors="replace") for name in _GUESSES]
    return max(decoded, key=_score)  # ties: Windows-1250, listed first


def _score(text: str) -> int:
    """Polish letters found, less the C1 controls and replacement marks a wrong guess
    makes (1250's ś is 0x9C, a control in 8859-2)."""
    wrong = sum(1 for char in text if "\x80" <= char <= "\x9f" or char == "\ufffd")
    return sum(1 for char in text if char in _POLISH) - 2 * wrong


def recover_header(value: str) -> str:
    """A header the parser read as ASCII with raw 8-bit bytes left as surrogates (a
    sender who did not encode it): those bytes decoded as a body would be."""
    if not any("\udc80" <= char <= "\udcff" for char in value):
        return value
    raw = value.encode("utf-8", errors="surrogateescape")
    return decode_text(raw, None)


def decode_words(raw: str) -> str:
    """A raw header's RFC 2047 encoded words, each decoded as a body would be (the
    modern policy leaves a word of an unknown or lying charset undecoded)."""
    try:
        chunks = decode_header(raw)
    except (ValueError, LookupError, HeaderParseError):
        return recover_header(raw)
    return "".join(recover_header(chunk) if isinstance(chunk, str)
                   else decode_text(chunk, charset) for chunk, charset in chunks)
