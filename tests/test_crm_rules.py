"""The CRM look-up's pure parts: its config, the answer's checks, which queries a
ticket's contacts make and how their answers combine (hand-written fake client)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

import pytest

from ccengine.agents.pop import Pop
from ccengine.config import ConfigError, CrmConfig, load_config
from ccengine.crm.client import parse_answer
from ccengine.crm.model import (
    MAX_LINKS,
    MAX_ORDERS,
    NOT_FOUND,
    LookupResult,
    Outcome,
    Query,
    Reason,
    failed,
)
from ccengine.crm.ringing import LOADING, RingLookups
from ccengine.crm.service import MAX_QUERIES, look_up, queries_for
from tests.crm_fake import ANNA
from tests.engine_harness import eventually


def test_the_crm_is_configured_from_the_file_and_the_environment() -> None:
    config = load_config(environ={"CCENGINE_CRM_ENABLED": "true",
                                  "CCENGINE_CRM_URL": "https://crm.example/lookup",
                                  "CCENGINE_CRM_TOKEN": "Bearer x"})
    assert config.crm.active and config.crm.token == "Bearer x"
    assert config.crm.timeout_seconds == 1.5
    assert not load_config(environ={}).crm.active
    assert not CrmConfig(enabled=True).active  # no URL: nothing to ask


@pytest.mark.parametrize(("environ", "key"), [
    ({"CCENGINE_CRM_URL": "javascript:alert(1)"}, "crm.url"),
    ({"CCENGINE_CRM_URL": "ftp://crm.example/"}, "crm.url"),
    ({"CCENGINE_CRM_TOKEN": "Bearer x\r\nX-Evil: 1"}, "crm.token"),
    ({"CCENGINE_CRM_TIMEOUT_SECONDS": "0"}, "crm.timeout_seconds"),
])
def test_bad_crm_settings_name_the_key(environ: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        load_config(environ=environ)


def _parsed(body: Any) -> LookupResult:
    return parse_answer(json.dumps(body).encode())


def test_long_lists_are_cut_and_numbers_become_text() -> None:
    many = {**ANNA, "orders": [{"id": str(i), "status": "new", "total": 10} for i in range(50)],
            "links": [{"label": str(i), "url": f"https://crm.example/{i}"} for i in range(30)],
            "extra": {"ignored": True}}
    result = _parsed(many)
    assert result.customer is not None
    assert (len(result.customer.orders), len(result.customer.links)) == (MAX_ORDERS, MAX_LINKS)
    assert result.customer.orders[0].total == "10"


@pytest.mark.parametrize("body", [
    {**ANNA, "customer_id": None},
    {**ANNA, "orders": [{"id": "1"}]},  # no status
    {**ANNA, "orders": [{"id": "1", "status": "new", "total": True}]},
    {**ANNA, "orders": [{"id": "1", "status": "new", "placed_at": "yesterday"}]},
    {**ANNA, "links": [{"label": "x", "url": "JavaScript:alert(1)"}]},
    {**ANNA, "links": [{"label": "x", "url": "//evil.example/"}]},
    {**ANNA, "links": [{"label": "x", "url": "https://a.example/\nb"}]},
    {**ANNA, "links": [{"label": "", "url": "https://a.example/"}]},
    {**ANNA, "segment": 7},
    {**ANNA, "orders": {"id": "1"}},
    "Anna",
    None,
])
def test_answers_off_the_contract_are_invalid(body: Any) -> None:
    assert _parsed(body) == failed(Reason.INVALID_ANSWER)


def test_deep_or_broken_json_is_invalid() -> None:
    for raw in (b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe", b'{"customer_id": "1",'):
        assert parse_answer(raw) == failed(Reason.INVALID_ANSWER)


def test_a_tickets_contacts_are_asked_phones_first_one_by_one() -> None:
    asked = queries_for(["+48601111222", "+48601111333"], ["anna@example.com"])
    assert asked == [Query(phone="+48601111222"), Query(phone="+48601111333"),
                     Query(email="anna@example.com")]
    assert len(queries_for([f"+4860000000{i}" for i in range(9)], ["a@b.pl"])) == MAX_QUERIES
    assert queries_for([], []) == []


class FakeClient:
    def __init__(self, answers: dict[Query, LookupResult], enabled: bool = True) -> None:
        self.answers, self.enabled, self.asked = answers, enabled, list[Query]()

    async def lookup(self, query: Query) -> LookupResult:
        self.asked.append(query)
        return self.answers.get(query, NOT_FOUND)


async def test_the_first_answer_that_is_not_not_found_wins() -> None:
    anna = _parsed(ANNA)
    email = Query(email="anna@example.com")
    client = FakeClient({email: anna})
    queries = queries_for(["+48601111222"], ["anna@example.com"])
    assert await look_up(client, queries) == anna
    assert client.asked == queries
    down = FakeClient({Query(phone="+48601111222"): failed(Reason.TIMEOUT)})
    assert (await look_up(down, queries)).reason is Reason.TIMEOUT
    assert down.asked == queries[:1], "a failing CRM is not asked again"
    assert (await look_up(FakeClient({}), queries)).outcome is Outcome.NOT_FOUND
    assert (await look_up(FakeClient({}), [])).outcome is Outcome.NO_CONTACT
    off = FakeClient({}, enabled=False)
    assert (await look_up(off, queries)).outcome is Outcome.DISABLED
    assert off.asked == []


class FakeConsole:
    def __init__(self, pop: Pop) -> None:
        self.pops = {pop.interface: pop}
        self.sent: list[dict[str, Any]] = []
        self.tasks: list[asyncio.Task[None]] = []

    def publish(self, interface: str, message: dict[str, Any]) -> None:
        self.sent.append(message)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        self.tasks.append(asyncio.create_task(coroutine))
        return self.tasks[-1]


def _pop() -> Pop:
    return Pop(pbx="sim", linkedid="1.1", interface="PJSIP/agent3",
               caller_number="+48601111222", caller_name=None, did=None, queue="q",
               wait_seconds=0, rang_at=datetime.now(UTC))


async def test_the_crm_answer_never_goes_before_the_pop() -> None:
    anna = _parsed(ANNA)
    pop = _pop()
    console = FakeConsole(pop)
    shown: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    client = FakeClient({Query(phone="+48601111222"): anna})
    RingLookups(client, console).on_ring(pop, shown)
    await eventually(lambda: client.asked == [Query(phone="+48601111222")])  # pop waits
    assert console.sent == [], "nothing before the pop"
    shown.set_result(None)
    await asyncio.gather(*console.tasks)
    assert [m["crm"]["outcome"] for m in console.sent] == ["found"]  # no "loading": known


async def test_a_slow_answer_shows_loading_and_a_call_gone_gets_none() -> None:
    pop = _pop()
    console = FakeConsole(pop)
    answer: asyncio.Future[LookupResult] = asyncio.get_running_loop().create_future()

    class Slow(FakeClient):
        async def lookup(self, query: Query) -> LookupResult:
            return await answer

    shown: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    shown.set_result(None)
    RingLookups(Slow({}), console).on_ring(pop, shown)
    await eventually(lambda: len(console.sent) == 1)
    assert console.sent[0] == {"type": "crm", "linkedid": "1.1", "crm": LOADING}
    del console.pops[pop.interface]  # the call ended meanwhile
    answer.set_result(failed(Reason.TIMEOUT))
    await asyncio.gather(*console.tasks)
    assert len(console.sent) == 1
    off = FakeConsole(pop)
    RingLookups(FakeClient({}, enabled=False), off).on_ring(pop, shown)
    assert (off.sent, off.tasks) == ([], [])
