"""Mailboxes administered over HTTP on both databases: every refusal names its field
(``filters[2].queue``), passwords never come back in any answer (nor in errors), a
PATCH without one keeps it, the signature is cleaned, and the health adds up to a
state."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from ccengine.config import WebConfig
from ccengine.db import Database
from ccengine.mail.storage_models import Mailbox
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from tests.people import signed_in

Client = TestClient[Any, Any]
NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)
SECRET_IMAP = "imap-Sekret-7731"
SECRET_SMTP = "smtp-Sekret-4409"
PATH = "/api/v1/mail/mailboxes"
GOOD: dict[str, Any] = {
    "name": "Reklamacje", "queue": "reklamacje", "address": "reklamacje@sklep.example",
    "display_name": "Sklep — reklamacje", "imap_host": "imap.sklep.example", "imap_port": 993,
    "imap_security": "tls", "imap_user": "reklamacje", "imap_password": SECRET_IMAP,
    "smtp_host": "smtp.sklep.example", "smtp_port": 587, "smtp_security": "starttls",
    "smtp_user": "reklamacje", "smtp_password": SECRET_SMTP,
    "filters": [{"field": "subject", "contains": "zwrot", "queue": "zwroty"}],
    "group_window_minutes": 30, "mask_personal_data": True, "ack_enabled": True,
    "ack_subject": "Zgłoszenie {{ ticket.number }}", "ack_body": "Dzień dobry {{ customer.name }}",
    "signature_html": "<p>Pozdrawiamy</p>",
}


@dataclass
class World:
    client: Client
    headers: dict[str, dict[str, str]]
    database: Database
    seen: list[str]  # every answer's text, to look for the passwords in

    async def call(self, method: str, path: str, body: Any = None, who: str = "admin",
                   raw: bytes | None = None) -> tuple[int, Any]:
        response = await self.client.request(method, path, json=body if raw is None else None,
                                             data=raw, headers=self.headers[who])
        text = await response.text()
        self.seen.append(text)
        return response.status, json.loads(text) if text else None


@pytest.fixture
async def world(database: Database) -> AsyncIterator[World]:
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    headers = await signed_in(database, {"admin": ("Admin", Role.ADMIN),
                                         "anna": ("Anna", Role.AGENT)}, NOW)
    yield World(client, headers, database, [])
    await client.close()


async def test_add_read_change_and_passwords_never_leave(world: World) -> None:
    status, made = await world.call("POST", PATH, GOOD)
    assert status == 201, made
    assert (made["imap_password_set"], made["smtp_password_set"]) == (True, True)
    assert made["state"] == "never connected"
    assert made["filters"] == GOOD["filters"]
    box = made["id"]
    status, changed = await world.call("PATCH", f"{PATH}/{box}",
                                       {"imap_host": "imap2.sklep.example", "imap_password": ""})
    assert status == 200 and changed["imap_host"] == "imap2.sklep.example"
    await world.call("GET", f"{PATH}/{box}")
    await world.call("GET", PATH)
    await world.call("PATCH", f"{PATH}/{box}", {"imap_port": 0, "smtp_password": SECRET_SMTP})
    await world.call("POST", PATH, {**GOOD, "name": "Drugi", "imap_security": "ssl"})
    async with world.database.sessions() as session:
        row = (await session.scalars(select(Mailbox))).one()
    assert (row.imap_password, row.smtp_password) == (SECRET_IMAP, SECRET_SMTP)  # kept
    everything = "\n".join(world.seen)
    assert len(world.seen) == 6
    assert SECRET_IMAP not in everything and SECRET_SMTP not in everything
    assert "password_set" in everything


async def test_a_new_password_replaces_the_old(world: World) -> None:
    _, made = await world.call("POST", PATH, {"name": "A", "queue": "q", "address": "a@b.pl"})
    assert made["imap_password_set"] is False
    status, changed = await world.call("PATCH", f"{PATH}/{made['id']}", {"imap_password": "n3w"})
    assert status == 200 and changed["imap_password_set"] is True
    async with world.database.sessions() as session:
        assert await session.scalar(select(Mailbox.imap_password)) == "n3w"


@pytest.mark.parametrize(("change", "field"), [
    ({"name": "  "}, "name"),
    ({"queue": "Zła kolejka"}, "queue"),
    ({"address": "nie-adres"}, "address"),
    ({"imap_host": "bad host!"}, "imap_host"),
    ({"smtp_port": 70000}, "smtp_port"),
    ({"imap_port": True}, "imap_port"),
    ({"smtp_security": "ssl"}, "smtp_security"),
    ({"filters": [{"field": "subject", "contains": "a", "queue": "q"},
                  {"field": "sender", "contains": "b", "queue": "q"},
                  {"field": "body", "contains": "c", "queue": "Nie Kolejka"}]}, "filters[2].queue"),
    ({"filters": [{"field": "cc", "contains": "a", "queue": "q"}]}, "filters[0].field"),
    ({"filters": [{"field": "body", "contains": " ", "queue": "q"}]}, "filters[0].contains"),
    ({"filters": [{"field": "body"}]}, "filters[0]"),
    ({"filters": "zwrot"}, "filters"),
    ({"group_window_minutes": 10_081}, "group_window_minutes"),
    ({"group_window_minutes": -1}, "group_window_minutes"),
    ({"ack_subject": "Nr {{ ticket.numer }}"}, "ack_subject"),
    ({"ack_body": "{{ password }}"}, "ack_body"),
    ({"mask_personal_data": "yes"}, "mask_personal_data"),
    ({"colour": "red"}, "colour"),
])
async def test_each_refusal_names_its_field(world: World, change: dict[str, Any],
                                            field: str) -> None:
    status, refused = await world.call("POST", PATH, {**GOOD, **change})
    assert (status, refused["error"], refused["field"]) == (400, "invalid-mailbox", field)
    assert SECRET_IMAP not in json.dumps(refused)


async def test_window_bounds_and_placeholders_accepted(world: World) -> None:
    subject = "{{ticket.number}} {{ mailbox.name }}"
    status, made = await world.call("POST", PATH, {**GOOD, "group_window_minutes": 10_080,
                                                   "ack_subject": subject})
    assert status == 201 and made["group_window_minutes"] == 10_080


async def test_signature_is_cleaned(world: World) -> None:
    dirty = ('<p onclick="steal()">Pozdrawiamy<script>alert(1)</script>'
             '<a href="javascript:alert(2)">x</a><b>Sklep</b></p>')
    _, made = await world.call("POST", PATH, {**GOOD, "signature_html": dirty})
    cleaned = made["signature_html"]
    assert "script" not in cleaned and "onclick" not in cleaned and "javascript" not in cleaned
    assert "<b>Sklep</b>" in cleaned and "Pozdrawiamy" in cleaned


async def test_health_states(world: World) -> None:
    _, made = await world.call("POST", PATH, GOOD)
    async with world.database.writer() as session:
        row = await session.get(Mailbox, made["id"])
        assert row is not None
        row.last_ok_at = NOW
        row.last_error, row.last_error_at, row.failures = "login refused", NOW + timedelta(1), 3
        row.next_attempt_at = NOW + timedelta(days=1, minutes=5)
        await session.commit()
    _, failing = await world.call("GET", f"{PATH}/{made['id']}")
    assert (failing["state"], failing["last_error"], failing["failures"]) == (
        "failing", "login refused", 3)
    assert failing["next_attempt_at"] is not None
    async with world.database.writer() as session:
        row = await session.get(Mailbox, made["id"])
        assert row is not None
        row.last_ok_at = NOW + timedelta(days=2)
        await session.commit()
    _, healthy = await world.call("GET", f"{PATH}/{made['id']}")
    assert healthy["state"] == "ok"
    _, off = await world.call("PATCH", f"{PATH}/{made['id']}", {"active": False})
    assert off["state"] == "inactive"


async def test_names_unique_missing_and_delete(world: World) -> None:
    assert (await world.call("POST", PATH, GOOD))[0] == 201
    status, taken = await world.call("POST", PATH, GOOD)
    assert (status, taken["error"], taken["field"]) == (409, "mailbox-exists", "name")
    status, missing = await world.call("POST", PATH, {"name": "X", "queue": "q"})
    assert (status, missing["field"]) == (400, "address")
    assert (await world.call("GET", f"{PATH}/999"))[1]["error"] == "mailbox-not-found"
    assert (await world.call("GET", f"{PATH}/abc"))[0] == 400
    [box] = (await world.call("GET", PATH))[1]["items"]
    assert (await world.call("DELETE", f"{PATH}/{box['id']}"))[0] == 200
    assert (await world.call("GET", PATH))[1]["items"] == []


async def test_only_admins_and_odd_bodies(world: World) -> None:
    assert (await world.call("GET", PATH, who="anna"))[0] == 403
    assert (await world.call("POST", PATH, GOOD, who="anna"))[0] == 403
    status, deep = await world.call("POST", PATH, raw=b'{"filters": ' + b"[" * 3000
                                    + b"]" * 3000 + b"}")
    assert status == 400 and deep["error"] == "invalid-body"
    status, listed = await world.call("POST", PATH, [GOOD])
    assert (status, listed["error"]) == (400, "invalid-body")
