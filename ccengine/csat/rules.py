"""What a survey link is and what an answer may be; pure.

A link's token is ``<public id>.<expiry, unix seconds>.<signature>``: the signature is
an HMAC-SHA256 of the first two parts with the server's secret, so a token cannot be
forged or its expiry moved, and the survey needs no login.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SCORES = range(1, 6)
MAX_COMMENT = 2000
TOKEN = re.compile(r"^([A-Za-z0-9_-]{8,32})\.([0-9]{1,12})\.([A-Za-z0-9_-]{20,64})$")


class CsatError(Exception):
    """A survey answer refused; ``field`` names what it concerns."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class BadToken(CsatError):
    """Not a token this server signed (or no such survey)."""


class ExpiredToken(CsatError):
    pass


class SurveyUsed(CsatError):
    """The survey was answered already: a link works once."""


class InvalidAnswer(CsatError):
    pass


@dataclass(frozen=True, slots=True)
class Token:
    public_id: str
    expires_at: datetime


def _signature(secret: str, public_id: str, expiry: int) -> str:
    digest = hmac.new(secret.encode(), f"{public_id}.{expiry}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:24]).decode().rstrip("=")


def sign(secret: str, public_id: str, expires_at: datetime) -> str:
    expiry = int(expires_at.timestamp())
    return f"{public_id}.{expiry}.{_signature(secret, public_id, expiry)}"


def verify(secret: str, token: str, now: datetime) -> Token:
    """The token's survey and expiry; refused when malformed, forged or expired."""
    match = TOKEN.match(token)
    if match is None:
        raise BadToken("token", "not a survey link")
    public_id, expiry, signature = match.group(1), int(match.group(2)), match.group(3)
    if not hmac.compare_digest(signature, _signature(secret, public_id, expiry)):
        raise BadToken("token", "not a survey link")
    expires_at = datetime.fromtimestamp(expiry, UTC)
    if expires_at <= now:
        raise ExpiredToken("token", "this survey link has expired")
    return Token(public_id, expires_at)


def check_score(score: object, field: str = "score") -> int:
    if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
        raise InvalidAnswer(field, "a score is a whole number from 1 to 5")
    return score


def check_comment(comment: object) -> str | None:
    if comment is None:
        return None
    if not isinstance(comment, str):
        raise InvalidAnswer("comment", "a comment is text")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidAnswer("comment", f"a comment is at most {MAX_COMMENT} characters")
    return comment or None


def may_send_again(last_sent: datetime | None, now: datetime, resend_after: timedelta) -> bool:
    """A ticket resolved again (after a reopen) gets a new survey only when the last
    one is older than ``resend_after``."""
    return last_sent is None or now - last_sent >= resend_after


def key_digit(digits: str) -> int | None:
    """The score keyed in on the phone, or None (nothing, or not 1-5)."""
    return int(digits) if digits in {"1", "2", "3", "4", "5"} else None


@dataclass(frozen=True, slots=True)
class Figures:
    count: int
    average: float | None
    distribution: dict[str, int]  # "1".."5" → answers


def figures(scores: Iterable[int]) -> Figures:
    distribution = {str(score): 0 for score in SCORES}
    for score in scores:
        distribution[str(score)] += 1
    count = sum(distribution.values())
    total = sum(int(score) * n for score, n in distribution.items())
    return Figures(count, round(total / count, 2) if count else None, distribution)
