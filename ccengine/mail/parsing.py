# TEMPORARY: replaced by wip/parse at merge (a minimal stand-in with the same signature).
"""parse_message(raw) -> ParsedMail with the stdlib parser; just enough for the receiver."""

from __future__ import annotations

import hashlib
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr

from ccengine.mail.model import Automatic, ParsedMail

__all__ = ["parse_message"]


def parse_message(raw: bytes) -> ParsedMail:
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    name, address = parseaddr(str(message.get("From", "")))
    body = message.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    message_id = str(message.get("Message-ID", "")).strip()
    if not message_id:
        message_id = f"<{hashlib.sha256(raw).hexdigest()[:32]}@ccengine.invalid>"
    return ParsedMail(
        message_id=message_id, subject=str(message.get("Subject", "")),
        from_address=address.lower() or None, from_name=name or None,
        to=tuple(a for _n, a in getaddresses(message.get_all("To", []))),
        cc=tuple(a for _n, a in getaddresses(message.get_all("Cc", []))),
        in_reply_to=str(message.get("In-Reply-To", "")).strip() or None,
        references=tuple(str(message.get("References", "")).split()),
        text=str(text), automatic=_automatic(message, address))


def _automatic(message: EmailMessage, address: str) -> Automatic | None:
    if str(message.get("Auto-Submitted", "no")).lower() != "no" or message.get("X-Autoreply"):
        return Automatic.AUTO_REPLY
    if message.get("List-Id") or str(message.get("Precedence", "")).lower() in (
            "bulk", "list", "junk"):
        return Automatic.BULK
    if message.get_content_type() == "multipart/report" or address.lower().startswith(
            "mailer-daemon@"):
        return Automatic.BOUNCE
    return None
