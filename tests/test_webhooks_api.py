"""The webhooks API over real databases: admins add endpoints (the secret shown once),
bad input is a 400 naming the field, rotation returns the new secret, a test event
is queued, the delivery log filters failed ones and "send again" re-queues one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import update

from ccengine.db import Database
from ccengine.users.models import Role
from ccengine.webhooks.model import DeliveryStatus
from ccengine.webhooks.storage_models import WebhookDelivery
from tests.test_automation_api import Api, _api

BASE = "/api/v1/webhooks/endpoints"
NEW = {"url": "https://crm.example.pl/hooks", "description": "CRM",
       "event_types": ["ticket.created", "ticket.closed"]}


@pytest.fixture
async def api(database: Database) -> AsyncIterator[Api]:
    made = await _api(database)
    try:
        yield made
    finally:
        await made.client.close()


async def test_the_secret_is_shown_at_creation_and_rotation_only(api: Api) -> None:
    made = await api.call("POST", BASE, NEW, status=201)
    assert made["secret"].startswith("whsec_")
    assert (made["url"], made["event_types"], made["active"]) == (
        NEW["url"], ["ticket.closed", "ticket.created"], True)
    listed = await api.call("GET", BASE)
    assert [item["id"] for item in listed["items"]] == [made["id"]]
    assert "secret" not in listed["items"][0] and "ticket.created" in listed["event_types"]
    assert "secret" not in await api.call("GET", f"{BASE}/{made['id']}")
    rotated = await api.call("POST", f"{BASE}/{made['id']}/rotate-secret", {"grace_hours": 2})
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != made["secret"]
    assert rotated["previous_secret_until"] is not None
    at_once = await api.call("POST", f"{BASE}/{made['id']}/rotate-secret", {"grace_hours": 0})
    assert at_once["previous_secret_until"] is None


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "ftp://example.com/x"}, "url"),
    ({"url": "file:///etc/passwd"}, "url"),
    ({"url": "https://ok.pl/", "event_types": ["ticket.exploded"]}, "event_types"),
    ({"url": "https://ok.pl/", "event_types": "ticket.created"}, "event_types"),
    ({"url": "https://ok.pl/", "active": "yes"}, "active"),
    ({"description": "no url"}, "url"),
])
async def test_bad_endpoints_are_400_naming_the_field(api: Api, body: dict[str, Any],
                                                      field: str) -> None:
    answer = await api.call("POST", BASE, body, status=400)
    assert answer["error"] in ("invalid-webhook-endpoint", "invalid-body")
    assert answer.get("field") == field


async def test_edit_delete_and_unknown_ids(api: Api) -> None:
    made = await api.call("POST", BASE, NEW, status=201)
    edited = await api.call("PATCH", f"{BASE}/{made['id']}", {"active": False,
                                                              "event_types": []})
    assert (edited["active"], edited["event_types"], edited["url"]) == (False, [], NEW["url"])
    await api.call("PATCH", f"{BASE}/{made['id']}", {"url": "gopher://x/"}, status=400)
    await api.call("DELETE", f"{BASE}/{made['id']}")
    gone = await api.call("GET", f"{BASE}/{made['id']}", status=404)
    assert gone["error"] == "webhook-endpoint-not-found"
    await api.call("GET", f"{BASE}/abc", status=400)
    await api.call("POST", f"{BASE}/999/deliveries/1/resend", status=404)


async def test_the_log_filters_failed_deliveries_and_send_again_requeues(api: Api) -> None:
    made = await api.call("POST", BASE, NEW, status=201)
    first = (await api.call("POST", f"{BASE}/{made['id']}/test", status=202))["delivery_id"]
    second = (await api.call("POST", f"{BASE}/{made['id']}/test", status=202))["delivery_id"]
    async with api.database.writer() as session:
        await session.execute(update(WebhookDelivery).where(WebhookDelivery.id == first)
                              .values(status=DeliveryStatus.FAILED, attempts=8))
        await session.commit()
    log = await api.call("GET", f"{BASE}/{made['id']}/deliveries")
    assert [item["id"] for item in log["items"]] == [second, first] and log["total"] == 2
    failed = await api.call("GET", f"{BASE}/{made['id']}/deliveries?status=failed")
    assert [item["id"] for item in failed["items"]] == [first]
    assert failed["items"][0]["event_type"] == "webhook.test"
    await api.call("GET", f"{BASE}/{made['id']}/deliveries?status=lost", status=400)
    again = await api.call("POST", f"{BASE}/{made['id']}/deliveries/{first}/resend",
                           status=202)
    assert (again["status"], again["attempts"], again["message_id"]) == (
        "pending", 0, failed["items"][0]["message_id"])


async def test_only_admins_manage_webhooks(api: Api) -> None:
    for role in (Role.AGENT, Role.PRIVILEGED_AGENT):
        await api.call("GET", BASE, role=role, status=403)
        await api.call("POST", BASE, NEW, role=role, status=403)
