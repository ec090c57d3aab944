"""Scoring calls: validation naming the criterion, storage with the reviewer, the queue."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ccengine.db import Database
from ccengine.qa.storage_models import QaReview
from ccengine.users.models import Role
from tests.test_qa_api import MakeCall, Setup, get_json, headers_for, listed, qa_setup


@pytest.fixture
async def qa(database: Database, make_call: MakeCall, tmp_path: Path) -> AsyncIterator[Setup]:
    async with qa_setup(database, make_call, tmp_path) as setup:
        yield setup


GOOD = {"greeting": 2, "identification": 3, "resolution": 4, "tone": 3, "closing": 1}


async def post(s: Setup, call: str, body: Any, headers: dict[str, str] | None = None,
               status: int = 200) -> Any:
    response = await s.client.post(f"/api/v1/qa/calls/{s.ids[call]}/reviews", json=body,
                                   headers=headers or s.qa)
    assert response.status == status, await response.text()
    return await response.json()


async def test_criteria_are_the_configured_ones(qa: Setup) -> None:
    body = await get_json(qa, "/api/v1/qa/criteria")
    assert [(c["name"], c["max_points"]) for c in body["criteria"]] == [
        ("greeting", 2), ("identification", 3), ("resolution", 5), ("tone", 3), ("closing", 2)]
    assert body["max_total"] == 15


async def test_a_review_is_stored_with_reviewer_and_total(qa: Setup) -> None:
    review = await post(qa, "a", {"scores": GOOD, "comment": "Dobra rozmowa"})
    assert (review["total"], review["max_total"], review["reviewer"]) == (13, 15,
                                                                         "Lidia Kowalska")
    assert review["scores"][2] == {"criterion": "resolution", "points": 4, "max_points": 5}
    async with qa.database.sessions() as session:
        [stored] = (await session.scalars(select(QaReview))).all()
    assert (stored.call_id, stored.total, stored.comment) == (qa.ids["a"], 13, "Dobra rozmowa")
    assert stored.reviewer_id is not None
    view = await get_json(qa, f"/api/v1/qa/calls/{qa.ids['a']}")
    assert [r["total"] for r in view["reviews"]] == [13]
    row = (await get_json(qa, "/api/v1/qa/calls?queue=reklamacje"))["items"][0]
    assert (row["reviews"], row["last_score"]) == (1, {"total": 13, "max_total": 15})


async def test_reviewed_filter_and_the_flagged_queue(qa: Setup) -> None:
    assert await listed(qa, "", "/api/v1/qa/flagged") == ["a"]
    assert await listed(qa, "reviewed=true") == []
    await post(qa, "a", {"scores": GOOD})
    assert await listed(qa, "reviewed=true") == ["a"]
    assert await listed(qa, "reviewed=false") == ["c", "b"]
    assert await listed(qa, "", "/api/v1/qa/flagged") == []  # reviewed: off the queue
    assert await listed(qa, "reviewed=true", "/api/v1/qa/flagged") == ["a"]
    body = await get_json(qa, "/api/v1/qa/flagged")
    assert body["total"] == 0


async def test_invalid_scores_name_the_criterion(qa: Setup) -> None:
    cases: list[tuple[Any, str]] = [
        ({"scores": {**GOOD, "greeting": 3}}, "scores.greeting"),
        ({"scores": {**GOOD, "tone": -1}}, "scores.tone"),
        ({"scores": {**GOOD, "closing": 1.5}}, "scores.closing"),
        ({"scores": {**GOOD, "closing": True}}, "scores.closing"),
        ({"scores": {**GOOD, "closing": "2"}}, "scores.closing"),
        ({"scores": {**GOOD, "empathy": 1}}, "scores.empathy"),
        ({"scores": {k: v for k, v in GOOD.items() if k != "resolution"}}, "scores.resolution"),
        ({"scores": [1, 2]}, "'scores'"),
        ({}, "'scores'"),
        ({"scores": GOOD, "comment": 5}, "'comment'"),
        ({"scores": GOOD, "comment": "a\x00b"}, "'comment'"),
        ([GOOD], "expected a JSON object"),
    ]
    for body, named in cases:
        answer = await post(qa, "a", body, status=400)
        assert answer["error"] == "invalid-body" and named in answer["message"], (body, answer)
    assert (await get_json(qa, f"/api/v1/qa/calls/{qa.ids['a']}"))["reviews"] == []
    response = await qa.client.post("/api/v1/qa/calls/999999/reviews", json={"scores": GOOD},
                                    headers=qa.qa)
    assert (response.status, (await response.json())["error"]) == (404, "call-not-found")


async def test_roles(qa: Setup) -> None:
    admin = await headers_for(qa.database, "ewa", Role.ADMIN)
    senior = await headers_for(qa.database, "sara", Role.PRIVILEGED_AGENT)
    agent = await headers_for(qa.database, "anna", Role.AGENT)
    assert (await post(qa, "b", {"scores": GOOD}, admin))["reviewer"] == "ewa"
    assert len((await get_json(qa, "/api/v1/qa/calls", headers=senior))["items"]) == 3
    refused = await post(qa, "b", {"scores": GOOD}, senior, status=403)
    assert refused["error"] == "forbidden"
    for path in ("/api/v1/qa/calls", f"/api/v1/qa/calls/{qa.ids['a']}", "/api/v1/qa/flagged",
                 "/api/v1/qa/criteria", "/api/v1/qa/facets"):
        assert (await get_json(qa, path, 403, headers=agent))["error"] == "forbidden"
    nobody = await qa.client.get("/api/v1/qa/calls")
    assert nobody.status == 401
    no_csrf = {"Cookie": qa.qa["Cookie"]}
    assert (await post(qa, "b", {"scores": GOOD}, no_csrf, status=403))["error"] == "csrf-failed"


async def test_facets_list_queues_and_agents(qa: Setup) -> None:
    body = await get_json(qa, "/api/v1/qa/facets")
    assert body == {"queues": ["reklamacje", "sprzedaz"],
                    "agents": ["Anna Nowak", "Piotr Zieliński"]}
