"""Pure rules: what an endpoint may be, when the next attempt is, what is kept of an
answer.

SSRF: an endpoint's URL is any http(s) URL an admin types, loopback and private
addresses included (the tests' receivers listen on 127.0.0.1, and an on-premise
CRM often lives on the LAN). Only admins can set one, the worker follows no
redirects and keeps at most 1 KiB of any answer; an installation that must not
reach its own network puts the engine behind an egress proxy or firewall.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from ccengine.webhooks.model import (
    MAX_ERROR_CHARS,
    MAX_EXCERPT_BYTES,
    MAX_URL,
    EventType,
)


class WebhookError(Exception):
    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidEndpoint(WebhookError):
    pass


class EndpointNotFound(WebhookError):
    pass


class DeliveryNotFound(WebhookError):
    pass


def check_url(url: str) -> str:
    """An absolute http or https URL with a host; nothing else (no file:, no gopher:)."""
    if len(url) > MAX_URL or any(ord(c) < 33 or c == "\x7f" for c in url):
        raise InvalidEndpoint("expected an http(s) URL without spaces", "url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise InvalidEndpoint("not a URL", "url") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidEndpoint("only http and https URLs are allowed", "url")
    if not parts.hostname:
        raise InvalidEndpoint("the URL has no host", "url")
    if parts.username or parts.password:
        raise InvalidEndpoint("credentials in the URL are not allowed", "url")
    return url


def check_event_types(types: Iterable[str]) -> list[str]:
    known = {str(kind) for kind in EventType}
    chosen = sorted(set(types))
    unknown = [kind for kind in chosen if kind not in known]
    if unknown:
        raise InvalidEndpoint(f"unknown event type {unknown[0]!r}", "event_types")
    return chosen


def next_attempt(now: datetime, attempts: int, schedule: Sequence[float],
                 jitter: float, rand: random.Random | None = None) -> datetime:
    """When attempt ``attempts + 1`` is due, after ``attempts`` failed: the schedule's
    delay (its last for later ones), spread by up to ``jitter`` (a fraction) so that
    many failures of one moment do not come back together."""
    delay = schedule[min(max(attempts, 1), len(schedule)) - 1] if schedule else 0.0
    spread = (rand or random).uniform(0, jitter) if jitter > 0 else 0.0
    return now + timedelta(seconds=delay * (1 + spread))


def excerpt(body: bytes) -> str | None:
    """At most ``MAX_EXCERPT_BYTES`` of an answer's body, as text."""
    if not body:
        return None
    return body[:MAX_EXCERPT_BYTES].decode("utf-8", "replace").replace("\x00", "")


def error_text(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".replace("\x00", "")
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def signing_secrets(current: str, previous: str | None, previous_until: datetime | None,
                    now: datetime) -> list[str]:
    """The current secret, and the one it replaced while its grace period lasts."""
    if previous and previous_until is not None and now < previous_until:
        return [current, previous]
    return [current]
