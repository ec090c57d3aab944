"""The wallboard in real Chromium: a caller waits, the board follows without a reload."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import Page

from ccengine.agents.wallboard_stats import day_start
from ccengine.calls.model import FinishedCall, Outcome
from ccengine.config import TicketsConfig
from ccengine.simulator.calls import Caller, CallFactory, play
from ccengine.simulator.scripts import ScriptLine
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from ccengine.web.hub import HUB
from tests.browser import Live, login, screenshot
from tests.conftest import build_call
from tests.engine_harness import eventually

pytestmark = pytest.mark.browser

QUEUE = "posprzedaz"  # of the example graph
TILE = f'section.wb-tile[data-queue="{QUEUE}"]'
WAITED = 25.0


def earlier_today(seconds: int) -> datetime:
    now = datetime.now(UTC)
    return max(now - timedelta(seconds=seconds), day_start(now, "Europe/Warsaw"))


def finished(linkedid: str, outcome: Outcome, hold: int, queue: str = QUEUE) -> FinishedCall:
    started = earlier_today(600)
    return build_call(linkedid, outcome, queue=queue, hold_seconds=hold, started_at=started,
                      ended_at=started + timedelta(seconds=120))


def caller_in_queue() -> tuple[list[ScriptLine], list[ScriptLine]]:
    """queue-abandoned, in the example graph's queue: waiting, then hanging up."""
    call = CallFactory(seed=9).make("queue-abandoned", Caller("48601111222", "Jan Kowalski"))
    lines = [ScriptLine(line.t, line.raw.replace("sales-empty", QUEUE)) for line in call.lines]
    return [x for x in lines if x.t < 2.0], [x for x in lines if x.t >= 2.0]


async def prepare(live: Live) -> None:
    await TicketService(live.database, TicketsConfig()).record_calls([
        finished("p1", Outcome.ANSWERED, 6), finished("p2", Outcome.ANSWERED, 14),
        finished("p3", Outcome.ANSWERED, 48), finished("p4", Outcome.ABANDONED, 35),
        finished("s1", Outcome.ANSWERED, 4, "sprzedaz"),
        finished("s2", Outcome.TIMEOUT, 60, "sprzedaz"),
    ])
    for interface, name in (("PJSIP/agent3", "Agnieszka Wójcik"), ("PJSIP/agent4",
                                                                   "Tomasz Kamiński")):
        await live.engine.send_action({"Action": "QueueAdd", "Queue": QUEUE,
                                       "Interface": interface, "MemberName": name,
                                       "Penalty": "0"})
    await live.engine.send_action({"Action": "QueuePause", "Queue": QUEUE,
                                   "Interface": "PJSIP/agent4", "Paused": "true",
                                   "Reason": "break"})


async def text(page: Page, selector: str) -> str:
    return (await page.locator(selector).first.text_content() or "").strip()


async def test_wallboard_follows_a_waiting_caller_live(live: Live, browser_page: Page) -> None:
    page = browser_page
    await live.user("marta", Role.PRIVILEGED_AGENT, name="Marta Kierownik")
    await prepare(live)
    await login(page, live, "marta")
    await page.goto(f"{live.url}/#/wallboard")
    await page.wait_for_selector(f"{TILE} [data-field=waiting]")
    assert await text(page, f"{TILE} [data-field=waiting]") == "0"
    assert await text(page, f"{TILE} [data-field=answered]") == "3"
    # 2 answered within 20 s of 3 answered + 1 abandoned after 20 s
    assert await text(page, f"{TILE} .wb-gauge-text") == "50%"
    assert await text(page, f'{TILE} li[data-state="paused"] strong') == "1"
    await page.wait_for_function(
        f"""document.querySelector('{TILE} li[data-state="available"] strong')
            ?.textContent === '1'""")
    await page.evaluate("window.stillHere = true")

    waiting, rest = caller_in_queue()
    start = time.time() - WAITED
    await play(live.server, waiting, speed=None, base=start)
    await page.wait_for_function(
        f"document.querySelector('{TILE} [data-field=waiting]')?.textContent === '1'")
    first = await text(page, f"{TILE} .wb-wait")
    assert first >= "00:24", first
    await page.wait_for_function(
        f"document.querySelector('{TILE} .wb-wait').textContent > '{first}'", timeout=20_000)
    assert await text(page, ".wb-totals [data-field=waiting]") == "1"
    await screenshot(page, "wallboard")

    await play(live.server, rest, speed=None, base=start)
    await page.wait_for_function(
        f"document.querySelector('{TILE} [data-field=abandoned]')?.textContent === '2'")
    assert await text(page, f"{TILE} [data-field=waiting]") == "0"
    assert await text(page, f"{TILE} .wb-wait") == "—"
    assert await page.evaluate("window.stillHere") is True


async def test_wallboard_catches_up_after_its_socket_is_lost(live: Live,
                                                             browser_page: Page) -> None:
    page = browser_page
    await live.user("ola", Role.QA_LEAD)
    await login(page, live, "ola")
    await page.goto(f"{live.url}/#/wallboard")
    await page.wait_for_selector(".wb-totals [data-field=waiting]")
    hub = live.app[HUB]
    await eventually(lambda: len(hub) == 1)  # one socket: the wallboard and the bell share it
    await hub.close_all()
    await play(live.server, caller_in_queue()[0], speed=None)
    await page.wait_for_function(
        "document.querySelector('.wb-totals [data-field=waiting]')?.textContent === '1'")
    await eventually(lambda: len(hub) == 1)  # the page connected again, still one
    assert await text(page, f"{TILE} [data-field=waiting]") == "1"
