"""QA review API over real databases: filters, words, the flagged queue, reviews, roles.

Transcripts are stored as the worker stores them: masked by the real masking
code, so a card number said in a call never reaches any response.
"""

from __future__ import annotations

import re
import wave
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from ccengine.calls.model import FinishedCall, Outcome
from ccengine.config import TicketsConfig, WebConfig, load_config
from ccengine.db import Database
from ccengine.tickets.models import Call
from ccengine.tickets.service import TicketService
from ccengine.transcribe.attach import search_form
from ccengine.transcribe.masking import mask_text
from ccengine.transcribe.storage_models import Transcript
from ccengine.users import service
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from ccengine.web.auth import COOKIE
from ccengine.web.keys import CONFIG

Client = TestClient[Any, Any]
MakeCall = Callable[..., FinishedCall]
CARD = "5555 5555 5555 4444"  # a Luhn-valid test card: its groups must never come back
CARD_GROUPS = re.compile(r"5555|4444")
PASSWORD = "Haslo-Testowe-42"


def write_wav(path: Path, seconds: float = 6.0, rate: int = 8000) -> Path:
    """A small real WAV (a quiet saw tone), enough for a player to seek in."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = bytearray()
    for n in range(int(seconds * rate)):
        frames += int(((n % 80) - 40) * 200).to_bytes(2, "little", signed=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return path


def segment(speaker: str, start: float, end: float, said: str) -> dict[str, Any]:
    """A segment as the worker stores it: the words said, masked."""
    return {"speaker": speaker, "start": start, "end": end, "text": mask_text(said).text}


async def add_transcript(database: Database, linkedid: str, segments: list[dict[str, Any]],
                         *, needs_qa: bool = False,
                         flags: list[dict[str, Any]] | None = None) -> int:
    """Store a transcript for the call ``linkedid``; returns the call's id."""
    text = "\n".join(f"{s['speaker']}: {s['text']}" for s in segments)
    async with database.writer() as session:
        call = await session.scalar(select(Call).where(Call.linkedid == linkedid))
        assert call is not None
        session.add(Transcript(
            call_id=call.id, ticket_id=call.ticket_id, language="pl", model="base",
            layout="stereo", duration=segments[-1]["end"] if segments else 0.0,
            segments=segments, text=text, search_text=search_form(text), flags=flags or [],
            needs_qa=needs_qa, redacted_seconds=1.5 if needs_qa else 0.0,
            audio_redacted=True, created_at=datetime.now(UTC)))
        await session.commit()
        return call.id


async def call_id_of(database: Database, linkedid: str) -> int:
    async with database.sessions() as session:
        found = await session.scalar(select(Call.id).where(Call.linkedid == linkedid))
    assert found is not None
    return found


async def headers_for(database: Database, login: str, role: Role,
                      name: str | None = None) -> dict[str, str]:
    user = await service.create_user(database, login, PASSWORD, role, display_name=name)
    new = await service.create_session(database, user)
    return {"Cookie": f"{COOKIE}={new.token}", "X-CSRF-Token": new.csrf_token}


def qa_app(database: Database, recordings: Path) -> web.Application:
    app = web.Application()
    app[CONFIG] = load_config(environ={}, overrides={"routes.recordings_dir": str(recordings)})
    setup_api(app, database, WebConfig(secure_cookie=False), timezone="Europe/Warsaw")
    return app


@dataclass
class Setup:
    client: Client
    qa: dict[str, str]
    ids: dict[str, int]
    recordings: Path
    database: Database


T_A = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 10:00 in Warsaw
T_B = datetime(2026, 3, 3, 22, 30, tzinfo=UTC)  # 23:30 on 3 March in Warsaw
T_C = datetime(2026, 3, 4, 23, 30, tzinfo=UTC)  # already 5 March in Warsaw


@asynccontextmanager
async def qa_setup(database: Database, make_call: MakeCall,
                   tmp_path: Path) -> AsyncIterator[Setup]:
    """Three calls: a (flagged transcript, recording), b (transcript), c (missed, none)."""
    recordings = tmp_path / "monitor"
    wav = write_wav(recordings / "a.wav")
    await TicketService(database, TicketsConfig()).record_calls([
        make_call("a", started_at=T_A, queue="reklamacje", recording_file=str(wav)),
        make_call("b", started_at=T_B, queue="sprzedaz", agent_name="Piotr Zieliński"),
        make_call("c", Outcome.ABANDONED, started_at=T_C, queue="sprzedaz"),
    ])
    a = await add_transcript(database, "a", [
        segment("klient", 0.5, 2.0, "dzień dobry, chciałbym zwrócić towar"),
        segment("agent", 2.2, 3.5, "proszę podać numer karty"),
        segment("klient", 3.8, 5.5, f"numer karty {CARD}"),
    ], needs_qa=True, flags=[{"reason": "pii_number_lost", "kind": "CARD",
                              "speaker": "klient", "at": 3.8}])
    b = await add_transcript(database, "b", [
        segment("klient", 0.4, 2.0, "Pytanie o dostawę do Łodzi"),
        segment("agent", 2.1, 4.0, "Dostawa jutro"),
    ])
    client: Client = TestClient(TestServer(qa_app(database, recordings)))
    await client.start_server()
    try:
        qa_headers = await headers_for(database, "lidia", Role.QA_LEAD, "Lidia Kowalska")
        ids = {"a": a, "b": b, "c": await call_id_of(database, "c")}
        yield Setup(client, qa_headers, ids, recordings, database)
    finally:
        await client.close()


@pytest.fixture
async def qa(database: Database, make_call: MakeCall, tmp_path: Path) -> AsyncIterator[Setup]:
    async with qa_setup(database, make_call, tmp_path) as setup:
        yield setup


async def get_json(s: Setup, path: str, status: int = 200,
                   headers: dict[str, str] | None = None) -> Any:
    response = await s.client.get(path, headers=headers or s.qa)
    text = await response.text()
    assert response.status == status, text
    assert not CARD_GROUPS.search(text), f"a card group leaked from {path}"
    return await response.json()


async def listed(s: Setup, query: str, path: str = "/api/v1/qa/calls") -> list[str]:
    body = await get_json(s, f"{path}?{query}")
    names = {v: k for k, v in s.ids.items()}
    return [names[item["id"]] for item in body["items"]]


async def test_every_filter_narrows_the_list(qa: Setup) -> None:
    assert await listed(qa, "") == ["c", "b", "a"]
    # Days in Warsaw: call c started on 4 March UTC, which is 5 March there.
    assert await listed(qa, "from=2026-03-03&to=2026-03-04") == ["b"]
    assert await listed(qa, "from=2026-03-05") == ["c"]
    assert await listed(qa, "to=2026-03-02") == ["a"]
    assert await listed(qa, "queue=reklamacje") == ["a"]
    assert await listed(qa, "agent=Piotr Zieliński") == ["b"]
    assert await listed(qa, "outcome=abandoned") == ["c"]
    assert await listed(qa, "has_transcript=true") == ["b", "a"]
    assert await listed(qa, "has_transcript=false") == ["c"]
    assert await listed(qa, "flagged=true") == ["a"]
    assert await listed(qa, "flagged=false") == ["c", "b"]
    assert await listed(qa, "queue=sprzedaz&has_transcript=true") == ["b"]


async def test_words_search_the_masked_transcript(qa: Setup) -> None:
    assert await listed(qa, "q=zwrócić") == ["a"]
    assert await listed(qa, "q=ZWRÓCIĆ towar") == ["a"]  # Polish letters fold too
    assert await listed(qa, "q=łodzi") == ["b"]
    assert await listed(qa, "q=zwrócić dostawę") == []  # every word must be there
    assert await listed(qa, "q=5555") == []  # the card is not in the text at all
    body = await get_json(qa, "/api/v1/qa/calls?q=towar")
    assert body["items"][0]["match"] == {"speaker": "klient", "start": 0.5, "end": 2.0,
                                         "text": "dzień dobry, chciałbym zwrócić towar"}


async def test_paging_gives_totals(qa: Setup) -> None:
    body = await get_json(qa, "/api/v1/qa/calls?per_page=2&page=2")
    assert (body["total"], body["pages"], body["page"], len(body["items"])) == (3, 2, 2, 1)
    filtered = await get_json(qa, "/api/v1/qa/calls?queue=sprzedaz&per_page=1")
    assert (filtered["total"], len(filtered["items"])) == (2, 1)


async def test_call_view_has_the_masked_transcript_flags_and_route(qa: Setup) -> None:
    body = await get_json(qa, f"/api/v1/qa/calls/{qa.ids['a']}")
    call, transcript = body["call"], body["transcript"]
    assert (call["queue"], call["agent"], call["outcome"]) == ("reklamacje", "Anna Nowak",
                                                               "answered")
    assert call["ticket"].startswith("TK-") and call["recording"].endswith("/recording")
    assert call["started_at"] == T_A.isoformat() and call["duration"] == 180
    assert [s["speaker"] for s in transcript["segments"]] == ["klient", "agent", "klient"]
    assert transcript["segments"][2]["text"] == "numer karty [CARD]"
    assert transcript["flags"] == [{"reason": "pii_number_lost", "kind": "CARD",
                                    "speaker": "klient", "at": 3.8}]
    assert transcript["needs_qa"] is True and body["reviews"] == []
    without = await get_json(qa, f"/api/v1/qa/calls/{qa.ids['c']}")
    assert without["transcript"] is None and without["call"]["recording"] is None


async def test_unknown_and_malformed_calls(qa: Setup) -> None:
    missing = await get_json(qa, "/api/v1/qa/calls/999999", 404)
    assert missing["error"] == "call-not-found"
    for bad in ("x", "-1", "0", "1.5", "١٢", "2147483648", "356537399801", "9" * 40,
                "0" * 11 + "1" + "9" * 12):
        body = await get_json(qa, f"/api/v1/qa/calls/{bad}", 400)
        assert body["error"] == "invalid-parameter"
    for query in ("from=yesterday", "to=2026-02-30", "from=2026-03-05&to=2026-03-01",
                  "from=9999-12-31", "outcome=lost", "flagged=maybe", "q=" + "w" * 201,
                  "queue=a%00b"):
        body = await get_json(qa, f"/api/v1/qa/calls?{query}", 400)
        assert body["error"] == "invalid-parameter", query
