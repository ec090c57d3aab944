"""The CRM client against a real HTTP server: answers checked strictly, every
failure a reason within the timeout, a bounded cache, and one request for two
look-ups of the same number at once."""

from __future__ import annotations

import asyncio
import time

from ccengine.config import CrmConfig
from ccengine.crm.client import CrmClient
from ccengine.crm.model import Outcome, Query, Reason
from tests.crm_fake import ANNA, FakeCrm
from tests.crm_fake import crm as crm  # the fixture
from tests.engine_harness import eventually

PHONE = "+48601111222"


def client_of(crm: FakeCrm, **settings: object) -> CrmClient:
    return CrmClient(CrmConfig.model_validate(
        {"enabled": True, "url": crm.url, "timeout_seconds": 0.5, **settings}))


async def test_a_known_phone_is_found_with_its_orders_and_links(crm: FakeCrm) -> None:
    crm.answer(PHONE, ANNA)
    client = client_of(crm, token="Bearer s3cret")
    try:
        result = await client.lookup(Query(phone=PHONE, email="anna@example.com"))
    finally:
        await client.close()
    assert result.outcome is Outcome.FOUND and result.customer is not None
    body = result.as_json()["customer"]
    assert (body["customer_id"], body["name"], body["segment"]) == ("C-1001", "Anna Nowak",
                                                                     "gold")
    assert [(o["id"], o["status"], o["total"]) for o in body["orders"]] == [
        ("Z-501", "shipped", "129.99 PLN"), ("Z-498", "delivered", "59")]
    assert body["links"] == [{"label": "Open in CRM", "url": "https://crm.example/c/C-1001"}]
    assert crm.asked == [{"phone": PHONE, "email": "anna@example.com"}]
    assert crm.tokens == ["Bearer s3cret"]


async def test_an_unknown_phone_is_not_found(crm: FakeCrm) -> None:
    client = client_of(crm)
    try:
        result = await client.lookup(Query(phone="+48500000000"))
    finally:
        await client.close()
    assert (result.outcome, result.reason) == (Outcome.NOT_FOUND, None)


async def test_a_slow_crm_fails_fast_with_timeout(crm: FakeCrm) -> None:
    crm.answer(PHONE, ANNA, delay=5.0)
    client = client_of(crm, timeout_seconds=0.3)
    started = time.monotonic()
    try:
        result = await client.lookup(Query(phone=PHONE))
    finally:
        await client.close()
    assert (result.outcome, result.reason) == (Outcome.FAILED, Reason.TIMEOUT)
    assert time.monotonic() - started < 1.5


async def test_wrong_answers_fail_with_a_reason_and_nothing_of_them_is_kept(
        crm: FakeCrm) -> None:
    evil_link = {**ANNA, "links": [{"label": "<b>x</b>", "url": "javascript:alert(1)"}]}
    evil_order = {**ANNA, "orders": [{"id": "1", "status": "new",
                                      "url": "data:text/html,<script>alert(1)</script>"}]}
    cases = {
        "+48600000001": ({"customer_id": 1001, "name": "Anna"}, 200, None),
        "+48600000002": (evil_link, 200, None),
        "+48600000003": (evil_order, 200, None),
        "+48600000004": (None, 200, b"<html>not json</html>"),
        "+48600000005": (None, 200, b'{"customer_id": "' + b"x" * 10_485_760 + b'"}'),
        "+48600000006": (ANNA, 503, None),
        "+48600000007": (["a", "list"], 200, None),
        "+48600000008": ({**ANNA, "name": "x" * 5000}, 200, None),
        "+48600000009": (None, 200, b"[" * 100_000 + b"]" * 100_000),
    }
    for phone, (body, status, raw) in cases.items():
        crm.answer(phone, body, status=status, raw=raw)
    crm.answer("+48600000010", raw=b'{"name": "' + b"y" * 10_485_760 + b'"}', chunked=True)
    cases["+48600000010"] = (None, 200, None)
    client = client_of(crm, timeout_seconds=5.0)
    try:
        results = {phone: await client.lookup(Query(phone=phone)) for phone in cases}
    finally:
        await client.close()
    reasons = {phone: (r.outcome, r.reason) for phone, r in results.items()}
    invalid = (Outcome.FAILED, Reason.INVALID_ANSWER)
    assert reasons == {**{phone: invalid for phone in cases},
                       "+48600000006": (Outcome.FAILED, Reason.HTTP_STATUS)}
    assert results["+48600000006"].detail == "HTTP 503"
    assert {results[p].detail for p in ("+48600000005", "+48600000010")} == {
        "answer too large"}
    assert all(r.customer is None for r in results.values())
    assert "javascript" not in str([r.as_json() for r in results.values()])


async def test_a_crm_that_is_down_is_unreachable(crm: FakeCrm) -> None:
    client = CrmClient(CrmConfig(enabled=True, url="http://127.0.0.1:9/lookup",
                                 timeout_seconds=1.0))
    try:
        result = await client.lookup(Query(phone=PHONE))
    finally:
        await client.close()
    assert (result.outcome, result.reason) == (Outcome.FAILED, Reason.UNREACHABLE)


async def test_a_cached_answer_asks_no_second_time_until_it_expires(crm: FakeCrm) -> None:
    crm.answer(PHONE, ANNA)
    now = [1000.0]
    client = CrmClient(CrmConfig(enabled=True, url=crm.url, cache_seconds=60),
                       clock=lambda: now[0])
    try:
        first = await client.lookup(Query(phone=PHONE))
        second = await client.lookup(Query(phone=PHONE))
        assert (first, len(crm.asked)) == (second, 1)
        now[0] += 61
        await client.lookup(Query(phone=PHONE))
        assert len(crm.asked) == 2
    finally:
        await client.close()


async def test_the_cache_keeps_at_most_its_size(crm: FakeCrm) -> None:
    client = client_of(crm, cache_size=2)
    try:
        for phone in ("+48600000001", "+48600000002", "+48600000003", "+48600000001"):
            await client.lookup(Query(phone=phone))
    finally:
        await client.close()
    assert [a["phone"] for a in crm.asked] == [
        "+48600000001", "+48600000002", "+48600000003", "+48600000001"]


async def test_two_rings_of_one_number_at_once_make_one_request(crm: FakeCrm) -> None:
    crm.answer(PHONE, ANNA)
    crm.hold = True
    client = client_of(crm, timeout_seconds=5.0)
    try:
        both = asyncio.gather(client.lookup(Query(phone=PHONE)),
                              client.lookup(Query(phone=PHONE)))
        await eventually(lambda: len(crm.asked) >= 1)
        crm.release.set()
        first, second = await both
    finally:
        await client.close()
    assert first.outcome is Outcome.FOUND and first == second
    assert len(crm.asked) == 1


async def test_concurrency_is_bounded(crm: FakeCrm) -> None:
    crm.hold = True
    client = client_of(crm, concurrency=2, timeout_seconds=5.0)
    try:
        many = asyncio.gather(*(client.lookup(Query(phone=f"+4860000000{i}"))
                                for i in range(5)))
        await eventually(lambda: len(crm.asked) == 2)
        await asyncio.sleep(0.2)  # a third would have arrived by now
        assert len(crm.asked) == 2
        crm.release.set()
        results = await many
    finally:
        await client.close()
    assert [r.outcome for r in results] == [Outcome.NOT_FOUND] * 5
    assert len(crm.asked) == 5


async def test_a_disabled_crm_is_never_asked(crm: FakeCrm) -> None:
    client = CrmClient(CrmConfig(enabled=False, url=crm.url))
    assert (await client.lookup(Query(phone=PHONE))).outcome is Outcome.DISABLED
    assert crm.asked == []
