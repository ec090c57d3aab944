"""The CRM look-up in the whole application (SQLite and PostgreSQL), with a real
HTTP server as the CRM: the ticket page's answer, looked up in the background
when a ticket opens and then served from the cache; a failing CRM answers fast;
the ticket's visibility holds; a ringing call's pop goes out first and the CRM's
answer follows it as a second message."""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from ccengine.config import CrmConfig
from ccengine.crm.api import CRM, OPENED
from ccengine.simulator.agi_pbx import AgiPbx
from ccengine.users.models import Role
from tests.browser import Live
from tests.crm_fake import ANNA, FakeCrm
from tests.crm_fake import crm as crm  # the fixture
from tests.engine_harness import eventually
from tests.test_agent_console import AGENT3, MONDAY_10, caller, log_in
from tests.test_agent_console import sessions as sessions  # the fixture

PHONE = "+48601111222"


def use_crm(live: Live, crm: FakeCrm, **settings: Any) -> None:
    """The running application's CRM client pointed at the fake one."""
    live.app[CRM].config = CrmConfig.model_validate(
        {"enabled": True, "url": crm.url, "timeout_seconds": 0.5, **settings})


async def _open(admin: Any, body: dict[str, Any]) -> str:
    status, made = await admin.call("POST", "/tickets", {"title": "Gdzie paczka?", **body})
    assert status == 201, made
    return str(made["ticket"]["number"])


async def test_a_ticket_shows_its_customer_from_the_crm_looked_up_when_it_opened(
        live: Live, crm: FakeCrm, sessions: list[aiohttp.ClientSession]) -> None:
    crm.answer(PHONE, ANNA)
    crm.answer("anna@example.com", {**ANNA, "customer_id": "C-2002"})
    use_crm(live, crm)
    admin = await log_in(live, sessions, "szef", Role.ADMIN, None, "Szef")
    opened = live.app[OPENED]
    await eventually(lambda: opened.cursor is not None)  # it starts from the newest ticket
    by_phone = await _open(admin, {"for": {"phone": "601 111 222"}})
    await eventually(lambda: len(crm.asked) == 1)  # nobody opened the page yet
    status, answer = await admin.call("GET", f"/tickets/{by_phone}/crm")
    assert status == 200
    assert (answer["outcome"], answer["reason"]) == ("found", None)
    assert answer["customer"]["customer_id"] == "C-1001"
    assert [o["id"] for o in answer["customer"]["orders"]] == ["Z-501", "Z-498"]
    assert crm.asked == [{"phone": PHONE}], "the page's answer came from the cache"

    by_email = await _open(admin, {"for": {"email": "anna@example.com"}})
    status, answer = await admin.call("GET", f"/tickets/{by_email}/crm")
    assert (status, answer["customer"]["customer_id"]) == (200, "C-2002")
    nobody = await _open(admin, {})
    status, answer = await admin.call("GET", f"/tickets/{nobody}/crm")
    assert (status, answer["outcome"]) == (200, "no_contact")


async def test_a_failing_crm_answers_fast_with_a_reason_and_visibility_holds(
        live: Live, crm: FakeCrm, sessions: list[aiohttp.ClientSession]) -> None:
    crm.answer(PHONE, ANNA, delay=10.0)
    crm.answer("+48601111333", {**ANNA, "links": [{"label": "x", "url": "javascript:x()"}]})
    admin = await log_in(live, sessions, "szef", Role.ADMIN, None, "Szef")
    agent = await log_in(live, sessions, "ola", Role.AGENT, None, "Ola")
    slow = await _open(admin, {"for": {"phone": PHONE}, "assignee": "Szef"})
    status, answer = await admin.call("GET", f"/tickets/{slow}/crm")
    assert (status, answer["outcome"]) == (200, "disabled")
    use_crm(live, crm)
    started = time.monotonic()
    status, answer = await admin.call("GET", f"/tickets/{slow}/crm")
    assert (status, answer["outcome"], answer["reason"]) == (200, "failed", "timeout")
    assert time.monotonic() - started < 4.0  # the CRM would answer after 10 s
    evil = await _open(admin, {"for": {"phone": "+48601111333"}})
    status, answer = await admin.call("GET", f"/tickets/{evil}/crm")
    assert (answer["outcome"], answer["reason"], answer["customer"]) == (
        "failed", "invalid_answer", None)
    status, answer = await agent.call("GET", f"/tickets/{slow}/crm")
    assert (status, answer["error"]) == (404, "ticket-not-found")
    status, answer = await admin.call("GET", "/tickets/TK-1999-000001/crm")
    assert (status, answer["error"]) == (404, "ticket-not-found")


async def test_the_pop_goes_out_first_and_the_crm_answer_follows(
        live: Live, crm: FakeCrm, sessions: list[aiohttp.ClientSession]) -> None:
    crm.answer(PHONE, ANNA)
    crm.hold = True  # the CRM answers when the test says so
    use_crm(live, crm, timeout_seconds=10.0)
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    tab = await agent.tab()
    await tab.wait_for("agent", lambda m: m["agent"]["state"] == "logged_out")
    assert (await agent.call("POST", "/agent/login", {}))[0] == 200
    await tab.wait_for("agent", lambda m: m["agent"]["state"] == "available")
    pbx = AgiPbx(live.server, time_scale=0.2)
    await pbx.place_call(caller("48601111222", "Jan Kowalski", ("2",)), at=MONDAY_10)
    pop = await tab.wait_for("pop", lambda m: m["pop"] and m["pop"]["state"] == "ringing")
    await tab.wait_for("crm", lambda m: m["crm"]["outcome"] == "loading")
    await eventually(lambda: crm.asked == [{"phone": PHONE}])  # asked while it rang
    crm.release.set()
    found = await tab.wait_for("crm", lambda m: m["crm"]["outcome"] == "found")
    assert found["crm"]["customer"]["name"] == "Anna Nowak"
    assert found["linkedid"] == pop["pop"]["linkedid"]
    order = [(m["type"], m["crm"]["outcome"] if m["type"] == "crm" else None)
             for m in tab.messages if m["type"] == "crm" or (m["type"] == "pop" and m["pop"])]
    assert order.index(("pop", None)) < order.index(("crm", "loading")) < order.index(
        ("crm", "found")), order
    await tab.close()


async def test_a_crm_that_times_out_never_holds_the_pop(
        live: Live, crm: FakeCrm, sessions: list[aiohttp.ClientSession]) -> None:
    crm.answer(PHONE, ANNA, delay=10.0)
    use_crm(live, crm, timeout_seconds=0.5)
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    tab = await agent.tab()
    assert (await agent.call("POST", "/agent/login", {}))[0] == 200
    await tab.wait_for("agent", lambda m: m["agent"]["state"] == "available")
    pbx = AgiPbx(live.server, time_scale=0.2)
    await pbx.place_call(caller("48601111222", "Jan Kowalski", ("2",)), at=MONDAY_10)
    await tab.wait_for("pop", lambda m: m["pop"] and m["pop"]["state"] == "ringing")
    popped = time.monotonic()
    assert not [m for m in tab.of("crm") if m["crm"]["outcome"] != "loading"]
    failed = await tab.wait_for("crm", lambda m: m["crm"]["outcome"] == "failed")
    assert failed["crm"]["reason"] == "timeout"
    assert time.monotonic() - popped < 4.0  # the CRM would answer after 10 s
    await tab.close()
