"""What a delivery attempt's outcome does to an outbox row; pure.

A temporary failure waits ``base * 2^(attempts-1)`` (capped) and tries again; the
``max_attempts``-th failure, or a permanent one (a 5xx answer), is final.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["Outcome", "RetryPolicy", "after_failure"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8
    base_seconds: float = 60.0
    max_seconds: float = 3600.0


@dataclass(frozen=True, slots=True)
class Outcome:
    """A row's next state: ``status`` pending (retry at ``next_attempt_at``) or failed."""

    status: str
    attempts: int
    next_attempt_at: datetime


def backoff(attempts: int, policy: RetryPolicy) -> timedelta:
    seconds = policy.base_seconds * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, policy.max_seconds))


def after_failure(attempts_before: int, permanent: bool, policy: RetryPolicy,
                  now: datetime) -> Outcome:
    attempts = attempts_before + 1
    if permanent or attempts >= policy.max_attempts:
        return Outcome("failed", attempts, now)
    return Outcome("pending", attempts, now + backoff(attempts, policy))
