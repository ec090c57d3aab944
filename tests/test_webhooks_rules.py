"""The webhooks' pure parts: Standard Webhooks signing against the spec's published
vector, the URL and event type checks, the retry schedule, what is kept of answers."""

from __future__ import annotations

import base64
import random
from datetime import UTC, datetime, timedelta

import pytest

from ccengine.webhooks import rules, signing
from ccengine.webhooks.model import MAX_ERROR_CHARS, MAX_EXCERPT_BYTES
from ccengine.webhooks.rules import InvalidEndpoint
from tests.webhook_receiver import verified_secrets

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# The Standard Webhooks test vector (svix / standard-webhooks reference libraries).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = '{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signing_matches_the_specs_test_vector() -> None:
    assert signing.sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == \
        VECTOR_SIGNATURE


def test_headers_carry_one_signature_per_secret_each_verifiable() -> None:
    old, new = signing.new_secret(), signing.new_secret()
    headers = signing.headers([new, old], "msg_1", 1_700_000_000, '{"a":1}')
    assert headers["webhook-id"] == "msg_1" and headers["webhook-timestamp"] == "1700000000"
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert verified_secrets([old, new, signing.new_secret()], headers, b'{"a":1}') == [old, new]
    assert verified_secrets([new], headers, b'{"a":2}') == []  # another body


def test_new_secrets_are_whsec_and_at_least_24_random_bytes() -> None:
    made = {signing.new_secret() for _ in range(20)}
    assert len(made) == 20
    for secret in made:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"))) >= 24


@pytest.mark.parametrize("url", [
    "ftp://example.com/x", "file:///etc/passwd", "gopher://h/", "javascript:alert(1)",
    "http://", "example.com/hook", "http://user:pw@example.com/", "http://exa mple.com/",
    "http://example.com:99999/", "https://" + "a" * 2000 + ".pl/"])
def test_only_http_and_https_urls_with_a_host_are_endpoints(url: str) -> None:
    with pytest.raises(InvalidEndpoint) as refused:
        rules.check_url(url)
    assert refused.value.field == "url"


def test_loopback_and_lan_urls_are_allowed_as_documented() -> None:
    for url in ("http://127.0.0.1:8080/hook", "https://crm.local/hooks?x=1",
                "http://10.0.0.5/in"):
        assert rules.check_url(url) == url


def test_event_types_are_checked_and_deduplicated() -> None:
    assert rules.check_event_types(["ticket.closed", "ticket.created", "ticket.closed"]) == \
        ["ticket.closed", "ticket.created"]
    with pytest.raises(InvalidEndpoint) as refused:
        rules.check_event_types(["ticket.created", "ticket.exploded"])
    assert refused.value.field == "event_types"


def test_retries_follow_the_schedule_spread_by_the_jitter() -> None:
    schedule = (5, 300, 1800)
    assert rules.next_attempt(NOW, 1, schedule, 0) == NOW + timedelta(seconds=5)
    assert rules.next_attempt(NOW, 2, schedule, 0) == NOW + timedelta(seconds=300)
    assert rules.next_attempt(NOW, 9, schedule, 0) == NOW + timedelta(seconds=1800)  # last
    spread = {rules.next_attempt(NOW, 2, schedule, 0.5, random.Random(seed))
              for seed in range(20)}
    assert len(spread) > 1
    assert all(NOW + timedelta(seconds=300) <= moment <= NOW + timedelta(seconds=450)
               for moment in spread)


def test_answers_and_errors_are_cut_to_their_limits() -> None:
    assert len((rules.excerpt("ą".encode() * 2000) or "").encode()) <= MAX_EXCERPT_BYTES + 3
    assert rules.excerpt(b"") is None
    assert len(rules.error_text(OSError("x" * 5000))) == MAX_ERROR_CHARS


def test_the_previous_secret_signs_only_during_its_grace_period() -> None:
    until = NOW + timedelta(hours=1)
    assert rules.signing_secrets("new", "old", until, NOW) == ["new", "old"]
    assert rules.signing_secrets("new", "old", until, until) == ["new"]
    assert rules.signing_secrets("new", None, None, NOW) == ["new"]
