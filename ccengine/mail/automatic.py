"""Whether a received message was made by a machine (an out-of-office, a list, a
bounce): such mail opens no ticket and is never answered (RFC 3834); pure."""

from __future__ import annotations

from collections.abc import Callable
from email.message import EmailMessage

from ccengine.mail.model import Automatic

__all__ = ["Header", "automatic_of"]

Header = Callable[[str], str]  # a header's decoded value, "" when absent or broken

_BOUNCERS = frozenset({"mailer-daemon", "postmaster"})
_AUTO_HEADERS = ("x-autoreply", "x-autorespond", "x-autoresponder")
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list"})


def automatic_of(message: EmailMessage, from_address: str | None,
                 header: Header) -> Automatic | None:
    if _is_bounce(message, from_address):
        return Automatic.BOUNCE
    if _is_auto_reply(header):
        return Automatic.AUTO_REPLY
    if header("precedence").lower() in _BULK_PRECEDENCE or header("list-id") \
            or header("list-unsubscribe"):
        return Automatic.BULK
    return None


def _is_bounce(message: EmailMessage, from_address: str | None) -> bool:
    local = (from_address or "").partition("@")[0]
    if local in _BOUNCERS:
        return True
    report = str(message.get_param("report-type", "") or "").lower()
    return message.get_content_type() == "multipart/report" and report in (
        "delivery-status", "disposition-notification")


def _is_auto_reply(header: Header) -> bool:
    submitted = header("auto-submitted").lower()
    if submitted and submitted.split(";")[0].strip() != "no":
        return True
    if header("precedence").lower() == "auto_reply":
        return True
    return any(header(name) for name in _AUTO_HEADERS)

