"""Web forms on both databases over real TCP: an admin defines a form; the public posts
it (url-encoded, multipart, JSON) and a ticket opens in its queue (source: form) with
the fields as a note, PESEL and card numbers masked (title too), and the customer's
acknowledgement queued; the honeypot stores nothing but a count; a flood from one
address is refused (429) while other forms keep working; sizes; JSON or redirect;
CORS for allowed origins only."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from ccengine.config import WebConfig
from ccengine.customers.storage_models import CustomerEmail
from ccengine.db import Database
from ccengine.forms.limits import FormLimits
from ccengine.mail.storage_models import Mailbox, OutgoingMail
from ccengine.tickets.models import Ticket, TicketActivity
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from tests.people import signed_in

Client = TestClient[Any, Any]
NOW = datetime(2026, 12, 5, 9, tzinfo=UTC)
SHOP = "https://sklep.example"
PESEL = "44051401359"
CARD = "4111 1111 1111 1111"
FORM: dict[str, Any] = {
    "key": "kontakt", "name": "Kontakt", "queue": "reklamacje",
    "fields": [
        {"name": "name", "label_pl": "Imię i nazwisko", "label_en": "Name", "required": True},
        {"name": "email", "label_pl": "E-mail", "label_en": "E-mail", "kind": "email",
         "required": True},
        {"name": "phone", "label_pl": "Telefon", "label_en": "Phone", "kind": "phone"},
        {"name": "topic", "label_pl": "Temat", "label_en": "Topic", "kind": "choice",
         "choices": ["Zwrot", "Reklamacja"]},
        {"name": "message", "label_pl": "Wiadomość", "label_en": "Message",
         "kind": "textarea", "required": True, "max_length": 500},
    ],
    "allowed_origins": [SHOP], "thank_you_url": "https://sklep.example/dzieki?x=1",
}
POST = {"name": "Jan Kowalski", "email": "Jan@Example.com", "phone": "602 333 444",
        "topic": "Zwrot", "message": f"Mój PESEL {PESEL}, karta {CARD}."}


@dataclass
class World:
    client: Client
    headers: dict[str, dict[str, str]]
    database: Database

    async def admin(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        response = await self.client.request(method, f"/api/v1/web-forms{path}", json=body,
                                             headers=self.headers["admin"])
        return response.status, await response.json()

    async def post(self, key: str, *, headers: dict[str, str] | None = None,
                   **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.client.post(f"/api/v1/forms/{key}", headers=headers or {},
                                      allow_redirects=False, **kwargs)

    async def tickets(self) -> list[Ticket]:
        async with self.database.sessions() as session:
            return list(await session.scalars(select(Ticket).order_by(Ticket.id)))


@pytest.fixture
async def world(database: Database) -> AsyncIterator[World]:
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    headers = await signed_in(database, {"admin": ("Admin", Role.ADMIN),
                                         "anna": ("Anna", Role.AGENT)}, NOW)
    created = await client.post("/api/v1/web-forms", json=FORM, headers=headers["admin"])
    assert created.status == 201, await created.text()
    async with database.writer() as session:
        session.add(Mailbox(name="Reklamacje", queue="reklamacje", address="rek@sklep.example",
                            active=True, filters=[], ack_enabled=True, created_at=NOW,
                            updated_at=NOW))
        await session.commit()
    yield World(client, headers, database)
    await client.close()


async def test_json_post_opens_a_masked_ticket_and_queues_the_acknowledgement(
        world: World) -> None:
    response = await world.post("kontakt", json=POST)
    answer = await response.json()
    assert response.status == 200, answer
    [ticket] = await world.tickets()
    assert answer == {"ticket": ticket.number}
    assert (ticket.queue, ticket.source_channel) == ("reklamacje", "form")
    assert ticket.title == "Kontakt: Zwrot"
    async with world.database.sessions() as session:
        notes = list(await session.scalars(select(TicketActivity.body)
                                           .where(TicketActivity.ticket_id == ticket.id)))
        owner = await session.scalar(select(CustomerEmail.customer_id)
                                     .where(CustomerEmail.address == "jan@example.com"))
        [mail] = list(await session.scalars(select(OutgoingMail)))
    note = next(body for body in notes if body.startswith("Formularz"))
    assert "Imię i nazwisko: Jan Kowalski" in note and "Temat: Zwrot" in note
    assert "[PESEL]" in note and "[CARD]" in note
    stored = json.dumps(notes, ensure_ascii=False) + ticket.title
    assert PESEL not in stored and "4111" not in stored
    assert ticket.customer_id == owner
    assert (mail.kind, mail.recipients, mail.ticket_id, mail.status) == (
        "form_acknowledgement", ["jan@example.com"], ticket.id, "pending")
    assert ticket.number.encode() in mail.raw


async def test_pesel_in_the_topic_is_masked_in_the_title(world: World) -> None:
    form = {**FORM, "key": "krotki", "fields": [
        {"name": "subject", "label_pl": "Temat", "label_en": "Subject", "required": True}]}
    assert (await world.admin("POST", "", form))[0] == 201
    response = await world.post("krotki", data={"subject": f"PESEL {PESEL}"},
                                headers={"Accept": "application/json"})
    assert response.status == 200
    [ticket] = await world.tickets()
    assert ticket.title == "Kontakt: PESEL [PESEL]"
    assert ticket.customer_id is None


async def test_plain_post_redirects_to_the_forms_own_thank_you_url(world: World) -> None:
    response = await world.post("kontakt", data={**POST, "thank_you_url": "https://evil.example"})
    [ticket] = await world.tickets()
    assert response.status == 303
    assert response.headers["Location"] == (
        f"https://sklep.example/dzieki?x=1&ticket={ticket.number}")


async def test_multipart_post_and_the_built_in_thank_you_page(world: World) -> None:
    assert (await world.admin("PUT", "/kontakt", {**FORM, "thank_you_url": None}))[0] == 200
    data = aiohttp.FormData()
    for name, value in POST.items():
        data.add_field(name, value)
    response = await world.post("kontakt", data=data)
    page = await response.text()
    [ticket] = await world.tickets()
    assert response.status == 200 and response.content_type == "text/html"
    assert ticket.number in page


async def test_multipart_files_are_refused(world: World) -> None:
    data = aiohttp.FormData()
    data.add_field("message", "hej")
    data.add_field("attachment", b"MZ\x90", filename="a.exe")
    response = await world.post("kontakt", data=data)
    assert (response.status, (await response.json())["error"]) == (400, "form-files-refused")
    assert await world.tickets() == []


async def test_honeypot_stores_nothing_but_a_count(world: World) -> None:
    response = await world.post("kontakt", json={**POST, "website": "http://spam.example"})
    assert (response.status, await response.json()) == (200, {"ticket": None})
    assert await world.tickets() == []
    async with world.database.sessions() as session:
        assert list(await session.scalars(select(OutgoingMail))) == []
    assert (await world.admin("GET", "/kontakt"))[1]["spam_count"] == 1


async def test_a_flood_is_refused_while_other_forms_keep_working(world: World) -> None:
    assert (await world.admin("POST", "", {**FORM, "key": "inny"}))[0] == 201
    statuses = []
    for _ in range(7):
        response = await world.post("kontakt", json={**POST, "website": "x"})
        statuses.append(response.status)
        if response.status == 429:
            assert int(response.headers["Retry-After"]) > 0
            assert (await response.json())["error"] == "too-many-posts"
    assert statuses == [200] * 5 + [429] * 2
    other = await world.post("inny", json=POST)
    assert other.status == 200


async def test_a_cap_per_form_across_addresses(database: Database) -> None:
    limits = FormLimits.of(database, per_address=10, per_form=3)
    admitted = [await limits.admit("kontakt", f"10.0.0.{n}") for n in range(5)]
    assert admitted == [True, True, True, False, False]
    assert await limits.admit("inny", "10.0.0.9")


@pytest.mark.parametrize(("body", "status", "error", "field"), [
    ({**POST, "message": "x" * 501}, 400, "form-field-too-long", "message"),
    ({**POST, "message": " "}, 400, "form-field-required", "message"),
    ({**POST, "email": "nie-adres"}, 400, "invalid-form-value", "email"),
    ({**POST, "phone": "12"}, 400, "invalid-form-value", "phone"),
    ({**POST, "topic": "Inne"}, 400, "invalid-form-value", "topic"),
    ({**POST, "name": {"a": 1}}, 400, "invalid-form-value", "name"),
])
async def test_field_refusals_name_the_field(world: World, body: dict[str, Any], status: int,
                                             error: str, field: str) -> None:
    response = await world.post("kontakt", json=body)
    answer = await response.json()
    assert (response.status, answer["error"], answer.get("field")) == (status, error, field)
    assert await world.tickets() == []


@pytest.mark.parametrize("raw", [
    b'{"a": ' + b"[" * 5000 + b"]" * 5000 + b"}", b'{"message": "\\ud800"}', b"[1, 2]",
    b'{"message": ', b"\xff\xfe"])
async def test_odd_json_is_a_400(world: World, raw: bytes) -> None:
    response = await world.post("kontakt", data=raw,
                                headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert (await response.json())["error"] in {"invalid-form-post", "invalid-form-value"}


async def test_oversize_bodies_are_a_413(world: World) -> None:
    big = {**POST, "message": "x" * 70_000}
    for kwargs in ({"json": big}, {"data": big}):
        response = await world.post("kontakt", **kwargs)
        assert (response.status, (await response.json())["error"]) == (413, "form-too-large")
    assert await world.tickets() == []


async def test_unknown_or_inactive_forms_are_404(world: World) -> None:
    assert (await world.post("brak", json=POST)).status == 404
    assert (await world.admin("PUT", "/kontakt", {**FORM, "active": False}))[0] == 200
    assert (await world.post("kontakt", json=POST)).status == 404


async def test_cors_preflight_for_an_allowed_and_a_refused_origin(world: World) -> None:
    ask = {"Access-Control-Request-Method": "POST",
           "Access-Control-Request-Headers": "content-type"}
    allowed = await world.client.options("/api/v1/forms/kontakt",
                                         headers={**ask, "Origin": SHOP})
    assert allowed.status == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == SHOP
    assert "POST" in allowed.headers["Access-Control-Allow-Methods"]
    refused = await world.client.options("/api/v1/forms/kontakt",
                                         headers={**ask, "Origin": "https://evil.example"})
    assert refused.status == 403
    assert "Access-Control-Allow-Origin" not in refused.headers
    posted = await world.post("kontakt", json=POST, headers={"Origin": SHOP})
    assert posted.headers["Access-Control-Allow-Origin"] == SHOP
    foreign = await world.post("kontakt", json=POST, headers={"Origin": "https://evil.example"})
    assert (foreign.status, (await foreign.json())["error"]) == (403, "origin-not-allowed")
    assert len(await world.tickets()) == 1


async def test_embed_snippet(world: World) -> None:
    response = await world.client.get("/api/v1/forms/kontakt/embed")
    html = await response.text()
    assert response.content_type == "text/html"
    assert 'action="http://' in html and '/api/v1/forms/kontakt"' in html
    assert 'name="website"' in html and "left:-10000px" in html
    assert 'name="message" required' in html and "<script>" in html
    as_json = await (await world.client.get("/api/v1/forms/kontakt/embed?lang=en", headers={
        "Accept": "application/json"})).json()
    assert "Message" in as_json["html"] and as_json["key"] == "kontakt"


@pytest.mark.parametrize(("change", "field"), [
    ({"key": "Zły klucz"}, "key"), ({"queue": ""}, "queue"), ({"name": ""}, "name"),
    ({"fields": []}, "fields"),
    ({"fields": [{"name": "a", "label_pl": "A", "label_en": "A"},
                 {"name": "b", "label_pl": "B", "label_en": "B", "kind": "file"}]},
     "fields[1].kind"),
    ({"fields": [{"name": "website", "label_pl": "W", "label_en": "W"}]}, "fields[0].name"),
    ({"fields": [{"name": "a", "label_pl": "A", "label_en": "A", "kind": "choice"}]},
     "fields[0].choices"),
    ({"fields": [{"name": "a", "label_pl": "A", "label_en": "A", "max_length": 0}]},
     "fields[0].max_length"),
    ({"allowed_origins": ["https://a.example/path"]}, "allowed_origins[0]"),
    ({"thank_you_url": "javascript:alert(1)"}, "thank_you_url"),
])
async def test_definition_refusals_name_the_field(world: World, change: dict[str, Any],
                                                  field: str) -> None:
    status, refused = await world.admin("POST", "", {**FORM, "key": "nowy", **change})
    assert (status, refused["error"], refused["field"]) == (400, "invalid-form", field)


async def test_admin_list_replace_delete_and_who_may(world: World) -> None:
    status, taken = await world.admin("POST", "", FORM)
    assert (status, taken["error"]) == (409, "form-exists")
    listed = (await world.admin("GET", ""))[1]["items"]
    assert [form["key"] for form in listed] == ["kontakt"]
    refused = await world.client.get("/api/v1/web-forms", headers=world.headers["anna"])
    assert refused.status == 403
    assert (await world.admin("DELETE", "/kontakt"))[0] == 200
    assert (await world.admin("GET", "/kontakt"))[0] == 404


async def test_a_mailbox_with_queued_mail_is_not_deleted(world: World) -> None:
    assert (await world.post("kontakt", json=POST)).status == 200
    async with world.database.sessions() as session:
        box = await session.scalar(select(Mailbox.id))
    response = await world.client.delete(f"/api/v1/mail/mailboxes/{box}",
                                         headers=world.headers["admin"])
    assert (response.status, (await response.json())["error"]) == (409, "mailbox-in-use")
