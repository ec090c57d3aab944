"""Browser tests' harness: the whole application on a TCP port, and real Chromium.

``live`` runs what ``ccengine serve`` runs (engine, API, pages) against a
simulated PBX (a real AMI TCP server, with AsyncAGI calls from ``live.agi``)
and the example route graph published. ``browser_page`` is a Playwright page in
Debian's Chromium (Playwright's own browser download cannot work offline).
Screenshots go to $CCENGINE_SCREENSHOTS (``make screenshots``: docs/screenshots/,
where the README shows them).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import Page, async_playwright

from ccengine.app import create_app
from ccengine.db import Database
from ccengine.engine import Engine
from ccengine.routes.document import parse_graph
from ccengine.routes.store import RouteStore
from ccengine.simulator.agi_pbx import AgiPbx
from ccengine.simulator.server import AmiServer, close_quietly
from ccengine.users import service
from ccengine.users.models import Role
from ccengine.web.keys import ENGINE
from ccengine.web.malformed import HardenedAppRunner
from ccengine.web.params import DATABASE
from tests.engine_harness import served_config

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_GRAPH = ROOT / "examples" / "ecommerce-routes.yaml"
# `make screenshots` sets this to docs/screenshots (what the README shows); a plain test run
# writes them beside the other temporary files, leaving the work tree as it was.
SCREENSHOTS = Path(os.environ.get("CCENGINE_SCREENSHOTS",
                                  Path(tempfile.gettempdir()) / "ccengine-screenshots"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--disable-quic"]


@dataclass
class Live:
    url: str
    app: web.Application
    server: AmiServer
    agi: AgiPbx
    graph_version: int
    recordings: Path  # the app's [routes] recordings_dir: a test's own folder
    passwords: dict[str, str] = field(default_factory=dict)

    @property
    def database(self) -> Database:
        return self.app[DATABASE]

    @property
    def engine(self) -> Engine:
        return self.app[ENGINE]

    async def user(self, login: str, role: Role, *, name: str | None = None,
                   sip: str | None = None, locale: str = "pl") -> str:
        """Create a user; returns the password."""
        password = f"Haslo-{secrets.token_hex(4)}"
        await service.create_user(self.database, login, password, role,
                                  display_name=name or login, sip_interface=sip, locale=locale)
        self.passwords[login] = password
        return password


@pytest.fixture
async def live(database_url: str, tmp_path: Path) -> AsyncIterator[Live]:
    recordings = tmp_path / "monitor"
    recordings.mkdir()
    server = AmiServer(username="browser", secret=secrets.token_hex(6))
    port = await server.start()
    config = served_config(database_url, server, port,
                           ROUTES_RECORDINGS_DIR=str(recordings))
    version = await _publish_example(config.database.url)
    app = create_app(config)
    runner = HardenedAppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    agi = AgiPbx(server, time_scale=1.0)
    url = f"http://127.0.0.1:{_port(site)}"
    try:
        await server.wait_for_login()
        yield Live(url=url, app=app, server=server, agi=agi, graph_version=version,
                   recordings=recordings)
    finally:
        await agi.stop()
        await runner.cleanup()
        await close_quietly(server)


def _port(site: web.TCPSite) -> int:
    server: Any = site._server  # aiohttp keeps the bound socket here
    return int(server.sockets[0].getsockname()[1])


async def _publish_example(url: str) -> int:
    from ccengine.config import DatabaseConfig

    database = Database.open(DatabaseConfig(url=url))
    try:
        await database.migrate()
        store = RouteStore(database)
        version = await store.save_draft(parse_graph(EXAMPLE_GRAPH.read_text()),
                                         author="tests")
        await store.publish("ecommerce", version, None)
        return version
    finally:
        await database.close()


@pytest.fixture
async def browser_page() -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM,
                                                   args=CHROMIUM_FLAGS, headless=True)
        # bypass_csp: Playwright's waits evaluate code in the page, which our CSP forbids;
        # it also means the escaping tests prove the pages escape without the CSP's help.
        context = await browser.new_context(viewport={"width": 1400, "height": 900},
                                            locale="pl-PL", timezone_id="Europe/Warsaw",
                                            bypass_csp=True)
        page = await context.new_page()
        page.set_default_timeout(10_000)
        try:
            yield page
        finally:
            with contextlib.suppress(Exception):
                await browser.close()


async def open_app(page: Page, live: Live, path: str = "") -> None:
    await page.goto(f"{live.url}/#{path}")
    await page.wait_for_selector("body[data-ready=true]")


async def login(page: Page, live: Live, user: str) -> None:
    """Log in through the form, as a person would."""
    await open_app(page, live, "/login")
    await page.fill("input[name=login]", user)
    await page.fill("input[name=password]", live.passwords[user])
    await page.click("button[type=submit]")
    await page.wait_for_selector("#top:not([hidden])")


async def screenshot(page: Page, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"  # Playwright makes the folder
    await page.screenshot(path=str(path), full_page=False)
    return path
