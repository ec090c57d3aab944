"""A received e-mail's bytes to a ``ParsedMail``: headers decoded, the new text
apart from the quoted history, HTML cleaned, files sniffed, machine-made mail
marked. Nothing the sender wrote is lost: a message the parser cannot read whole is
kept as ``wiadomosc.eml`` beside what could be read.

Parsing is CPU work on untrusted input of any size: callers on the event loop run
``parse_message`` in ``asyncio.to_thread``. It never raises on any bytes.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from ccengine.mail.automatic import Header, automatic_of
from ccengine.mail.charsets import decode_words, recover_header
from ccengine.mail.html_text import clean_html, html_to_text, split_html_quote
from ccengine.mail.mime_parts import Parts, lost_content, read_parts
from ccengine.mail.model import ParsedAttachment, ParsedMail
from ccengine.mail.quoting import split_quoted

__all__ = ["MAX_ATTACHMENT_BYTES", "RAW_NAME", "made_message_id", "parse_message"]

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
RAW_NAME = "wiadomosc.eml"
MAX_SUBJECT = 998
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,490}>")
# Control characters and every line separator str.splitlines() knows: a header
# value holding one could not be written back into a header (a reply's subject).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029]")
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")  # PostgreSQL's text holds neither
BROKEN_NOTE = ("The message's MIME structure is broken: the whole message is kept as "
               f"{RAW_NAME}; what could be read is shown.")


def parse_message(raw: bytes, *, max_attachment_bytes: int = MAX_ATTACHMENT_BYTES
                  ) -> ParsedMail:
    """See the module docstring; CPU-bound: run it in ``asyncio.to_thread``."""
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        return _parsed(raw, message, max_attachment_bytes)
    except Exception:
        return _unreadable(raw, max_attachment_bytes)


def made_message_id(raw: bytes) -> str:
    """The same bytes always make the same id: one message never makes two tickets."""
    return f"<{hashlib.sha256(raw).hexdigest()}@ccengine.invalid>"


def _parsed(raw: bytes, message: EmailMessage, limit: int) -> ParsedMail:
    header = _headers(message)
    from_name, from_address = _sender(message)
    parts = read_parts(message, limit)
    if lost_content(message):
        _keep_raw(raw, parts)
    text, html, quoted = _bodies(parts)
    return ParsedMail(
        message_id=_message_id(header("message-id"), raw),
        subject=_CONTROL.sub(" ", _storable(header("subject")) or "").strip()[:MAX_SUBJECT],
        from_address=from_address, from_name=_one_line(_storable(from_name)),
        to=_addresses(message, "to"), cc=_addresses(message, "cc"),
        in_reply_to=_first_id(header("in-reply-to")),
        references=tuple(_MESSAGE_ID.findall(header("references"))),
        sent_at=_date(header("date")),
        text=text, html=html, quoted_text=quoted,
        attachments=tuple(parts.attachments),
        automatic=automatic_of(message, from_address, header),
        notes=tuple(parts.notes))


def _headers(message: EmailMessage) -> Header:
    def header(name: str) -> str:
        try:
            value = message.get(name)
        except (ValueError, LookupError, TypeError, IndexError, AttributeError):
            value = _raw_header(message, name)  # a header the policy cannot read
        if value is not None and ("\ufffd" in str(value) or "=?" in str(value)):
            return decode_words(_raw_header(message, name))  # 8-bit or a lying charset
        return recover_header(str(value)) if value is not None else ""
    return header


def _raw_header(message: EmailMessage, name: str) -> str:
    for key, value in message.raw_items():
        if key.lower() == name:
            return str(value)
    return ""


def _sender(message: EmailMessage) -> tuple[str | None, str | None]:
    found = _address_list(message, "from")
    if not found:
        return None, None
    name, address = found[0]
    return (name or None), (address.lower() or None)


def _addresses(message: EmailMessage, name: str) -> tuple[str, ...]:
    return tuple(address.lower() for _name, address in _address_list(message, name)
                 if address)


def _address_list(message: EmailMessage, name: str) -> list[tuple[str, str]]:
    try:
        header = message.get(name)
        addresses: tuple[Address, ...] = getattr(header, "addresses", ())
        found = [(recover_header(a.display_name), a.addr_spec) for a in addresses]
    except (ValueError, LookupError, TypeError, IndexError, AttributeError):
        found = []
    undecoded = any("=?" in n or "\ufffd" in n for n, _a in found)
    if (found and not undecoded) or not _raw_header(message, name):
        return [(n, a) for n, a in found if "@" in a]
    return [(decode_words(n), a) for n, a in getaddresses([_raw_header(message, name)])
            if "@" in a]


def _message_id(value: str, raw: bytes) -> str:
    return _first_id(value) or made_message_id(raw)


def _first_id(value: str) -> str | None:
    found = _MESSAGE_ID.search(value)
    return found.group() if found else None


def _date(value: str) -> datetime | None:
    try:
        return parsedate_to_datetime(value) if value else None
    except (ValueError, TypeError, IndexError, OverflowError):
        return None


def _bodies(parts: Parts) -> tuple[str, str | None, str | None]:
    """(new text, cleaned HTML of the new part, quoted history)."""
    raw_html = "\n".join(parts.htmls) if parts.htmls else None
    html_new, html_quoted = split_html_quote(raw_html) if raw_html else (None, None)
    if parts.texts:
        text, quoted = split_quoted("\n\n".join(parts.texts).strip("\n"))
    else:
        text, quoted = split_quoted(html_to_text(html_new)) if html_new else ("", None)
    if quoted is None and html_quoted is not None:
        quoted = html_to_text(html_quoted) or None
    html = clean_html(html_new) if html_new else None
    return (_storable(text) or "", _storable(html) if html and html.strip() else None,
            _storable(quoted))


def _one_line(value: str | None) -> str | None:
    return (_CONTROL.sub(" ", value).strip() or None) if value else value


def _storable(value: str | None) -> str | None:
    return _UNSTORABLE.sub("", value) if value else value


def _keep_raw(raw: bytes, parts: Parts) -> None:
    parts.notes.append(BROKEN_NOTE)
    parts.add_file(ParsedAttachment(RAW_NAME, "message/rfc822", raw))


def _unreadable(raw: bytes, limit: int) -> ParsedMail:
    """A message no part of which could be read: kept whole, with a note."""
    parts = Parts(limit)
    _keep_raw(raw, parts)  # over the limit, a note says so
    return ParsedMail(message_id=made_message_id(raw), subject="", from_address=None,
                      from_name=None, attachments=tuple(parts.attachments),
                      notes=tuple(parts.notes))
