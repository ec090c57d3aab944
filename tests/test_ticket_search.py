"""The advanced ticket search on both databases: folding, word forms, every indexed
text kept current by every write path, combined filters, visibility, bad input."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update

from ccengine.calls.model import FinishedCall, Outcome
from ccengine.config import TicketsConfig, WebConfig
from ccengine.db import Database
from ccengine.tickets import queries, search_query
from ccengine.tickets.filters import EVERYONE, TicketFilter, Viewer
from ccengine.tickets.models import Call, Ticket, TicketActivity
from ccengine.tickets.queries import find_tickets
from ccengine.tickets.search_query import TicketSearch
from ccengine.tickets.service import TicketService
from ccengine.tickets.views import Page, TicketSummary
from ccengine.transcribe.attach import attach_transcript
from ccengine.transcribe.channel_mask import mask_channel
from ccengine.transcribe.pipeline import CallTranscript
from ccengine.transcribe.types import AsrSegment, Speaker, Word
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from tests.conftest import T0
from tests.people import signed_in

Client = TestClient[Any, Any]
PESEL = "44051401359"  # a valid PESEL (checksum right), said by the caller
PEOPLE = {"admin": ("Administrator", Role.ADMIN), "anna": ("Anna Nowak", Role.AGENT),
          "bartek": ("Bartek Zieliński", Role.AGENT)}


def _heard(text: str) -> AsrSegment:
    words = tuple(Word(float(i), float(i) + 0.9, f" {w}") for i, w in enumerate(text.split()))
    return AsrSegment(0.0, float(len(words)), text, words)


async def say_masked(database: Database, linkedid: str, text: str) -> None:
    """The call ``linkedid`` gets a transcript of ``text`` as the pipeline masks it."""
    masked = mask_channel(Speaker.CALLER, [_heard(text)], trigger_window=15.0,
                          channel_end=60.0)
    transcript = CallTranscript(layout="mono", duration=60.0, segments=masked.segments,
                                flags=masked.flags)
    async with database.writer() as session:
        call = (await session.scalars(select(Call).where(Call.linkedid == linkedid))).one()
        await attach_transcript(session, call.id, transcript, "test", "pl", T0,
                                audio_redacted=True)
        await session.commit()


@dataclass
class World:
    database: Database
    tickets: TicketService
    numbers: dict[str, str]  # key → ticket number

    async def found(self, viewer: Viewer = EVERYONE, **criteria: Any) -> set[str]:
        async with self.database.sessions() as session:
            page = await find_tickets(session, TicketFilter(search=TicketSearch(**criteria)),
                                      viewer=viewer, per_page=200)
        keys = {number: key for key, number in self.numbers.items()}
        assert page.total == len(page.items)
        return {keys[item.number] for item in page.items}


def _calls(make_call: Callable[..., FinishedCall]) -> dict[str, FinishedCall]:
    at = [T0 + timedelta(days=i) for i in range(4)]
    return {
        "anna": make_call("s.1", started_at=at[0], caller_number="+48601000001"),
        "bartek": make_call("s.2", started_at=at[1], agent_name="Bartek Zieliński",
                            caller_number="+48601000002", queue="sales"),
        "queue": make_call("s.3", Outcome.ABANDONED, started_at=at[2],
                           caller_number="+48601000003"),
        "closed": make_call("s.4", Outcome.ABANDONED, started_at=at[3],
                            caller_number="+48601000004"),
    }


@pytest.fixture
async def world(database: Database,
                make_call: Callable[..., FinishedCall]) -> World:
    now = [T0]  # each ticket is created when its call ends (days apart)
    tickets = TicketService(database, TicketsConfig(), clock=lambda: now[0])
    numbers: dict[str, str] = {}
    for key, call in _calls(make_call).items():
        now[0] = call.ended_at
        [recorded] = await tickets.record_calls([call])
        numbers[key] = recorded.ticket_number
    await tickets.add_note(numbers["anna"], "Żółć na fakturze, klient prosi o korektę", "Anna")
    await tickets.add_note(numbers["bartek"], "Reklamacja drukarki laserowej", "Bartek")
    await tickets.add_note(numbers["queue"], "Reklamacja butów", "Anna")
    await tickets.add_note(numbers["closed"], "Reklamacja ekspresu", "Anna")
    await tickets.change_status(numbers["closed"], "closed", "Administrator")
    return World(database, tickets, numbers)


@pytest.mark.parametrize(("words", "expected"), [
    ("zolc", {"anna"}),  # "Żółć": case and Polish diacritics folded
    ("ŻÓŁĆ", {"anna"}),
    ("faktura", {"anna"}),  # a word form: "fakturze" in the note
    ("faktury korekty", {"anna"}),  # every word, each in some form
    ("reklamacji", {"bartek", "queue", "closed"}),  # "Reklamacja" in the genitive
    ("reklamacja drukarki", {"bartek"}),
    ("reklamacja telewizora", set()),
    ("ODDZWONIĆ", {"queue", "closed"}),  # a title word ("Nieodebrane … oddzwonić")
    ("nieznane", set()),
    ('" * OR NOT ( ) : & | !', set()),  # query syntax of either index is only text here
])
async def test_words_are_found_in_any_case_accent_and_form(
        world: World, words: str, expected: set[str]) -> None:
    assert await world.found(words=words) == expected


async def test_the_ticket_number_is_found_by_its_parts_and_exactly(world: World) -> None:
    number = world.numbers["bartek"]
    assert await world.found(number=number.lower()) == {"bartek"}
    assert await world.found(words=number) == {"bartek"}
    assert await world.found(words=number.rsplit("-", 1)[1]) == {"bartek"}


async def test_words_combine_with_the_lists_filters(world: World) -> None:
    async with world.database.sessions() as session:
        page = await find_tickets(session, TicketFilter(
            queue="sales", search=TicketSearch(words="reklamacja")), per_page=50)
        closed = await find_tickets(session, TicketFilter(
            status="closed", search=TicketSearch(words="reklamacja")), per_page=50)
    assert [item.number for item in page.items] == [world.numbers["bartek"]]
    assert [item.number for item in closed.items] == [world.numbers["closed"]]
    assert await world.found(words="reklamacja", customer="601 000 003") == {"queue"}
    second_day = T0 + timedelta(days=1)
    assert await world.found(words="reklamacja", created_from=second_day,
                             created_to=second_day + timedelta(days=2)) == {"bartek", "queue"}


async def test_a_search_shows_an_agent_only_tickets_she_may_open(world: World) -> None:
    """Anna's own ticket and the queue's open unassigned work; not Bartek's ticket, not a
    closed unassigned one, however well their words match."""
    anna = Viewer("Anna Nowak")
    assert await world.found(anna, words="reklamacja") == {"queue"}
    assert await world.found(anna, words="zolc") == {"anna"}
    assert await world.found(Viewer("Bartek Zieliński"), words="reklamacja") == {
        "bartek", "queue"}


async def test_a_masked_transcript_is_found_but_never_its_pesel(world: World) -> None:
    await say_masked(world.database, "s.1",
               f"dzień dobry mój PESEL to {PESEL} dzwonię w sprawie zamrażarki")
    assert await world.found(words="zamrażarka") == {"anna"}
    for secret in (PESEL, PESEL[:6], PESEL[-5:]):
        assert await world.found(words=secret) == set()
    async with world.database.sessions() as session:
        conn = await session.connection()
        dialect = conn.dialect.name
        column = "words::text" if dialect == "postgresql" else "ticket_search"
        rows = (await session.execute(select(Ticket.id))).all()
        documents = [str(row[0]) for row in (await conn.exec_driver_sql(
            f"SELECT {column} FROM ticket_search")).all()]
    assert len(documents) == len(rows) and not any(PESEL in doc for doc in documents)


async def test_every_write_path_keeps_the_index_current(world: World) -> None:
    number = world.numbers["anna"]
    async with world.database.writer() as session:  # an edit of the title
        await session.execute(update(Ticket).where(Ticket.number == number)
                              .values(title="Pralka cieknie"))
        await session.commit()
    assert await world.found(words="pralki") == {"anna"}
    async with world.database.writer() as session:  # a note moved to another ticket
        await session.execute(
            update(TicketActivity).where(TicketActivity.body.startswith("Żółć"))
            .values(ticket_id=select(Ticket.id).where(
                Ticket.number == world.numbers["queue"]).scalar_subquery()))
        await session.commit()
    assert await world.found(words="zolc") == {"queue"}
    async with world.database.writer() as session:  # a note deleted
        await session.execute(
            TicketActivity.__table__.delete().where(TicketActivity.body.startswith("Żółć")))
        await session.commit()
    assert await world.found(words="zolc") == set()


# The HTTP side: parameters, combination, bad input.

@pytest.fixture
async def client(world: World) -> AsyncIterator[tuple[Client, dict[str, dict[str, str]]]]:
    app = web.Application()
    setup_api(app, world.database, WebConfig(secure_cookie=False))
    test_client: Client = TestClient(TestServer(app))
    await test_client.start_server()
    yield test_client, await signed_in(world.database, PEOPLE, T0)
    await test_client.close()


async def _get(client: tuple[Client, dict[str, dict[str, str]]], who: str,
               query: dict[str, str], status: int = 200) -> Any:
    test_client, headers = client
    response = await test_client.get(f"/api/v1/tickets?{urlencode(query)}",
                                     headers=headers[who])
    body = await response.json()
    assert response.status == status, body
    return body


async def test_the_list_searches_with_q_and_the_other_filters(
        world: World, client: tuple[Client, dict[str, dict[str, str]]]) -> None:
    body = await _get(client, "admin", {"q": "reklamacji", "queue": "sales"})
    assert [item["number"] for item in body["items"]] == [world.numbers["bartek"]]
    body = await _get(client, "anna", {"q": "reklamacja"})
    assert [item["number"] for item in body["items"]] == [world.numbers["queue"]]
    body = await _get(client, "admin", {"q": "reklamacja", "created_to": "2026-03-04T10:00"})
    assert body["total"] == 2


async def test_a_description_is_searched_and_its_edit_reindexed(
        world: World, client: tuple[Client, dict[str, dict[str, str]]]) -> None:
    """The description (ticket fields) is an indexed column: what the customer wrote
    there is found by ``q``, and a PATCH that rewrites it moves the index along."""
    number = world.numbers["bartek"]
    test_client, headers = client

    async def describe(text: str) -> None:
        response = await test_client.patch(f"/api/v1/tickets/{number}",
                                           json={"description": text},
                                           headers=headers["admin"])
        assert response.status == 200, await response.text()

    async def q(words: str) -> list[str]:
        return [item["number"] for item in (await _get(client, "admin", {"q": words}))["items"]]

    await describe("Zmywarka przecieka od spodu, ŁOŻYSKO piszczy")
    assert await q("zmywarki") == [number]  # a word form, from the description only
    assert await q("lozysko przecieka") == [number]
    await describe("Pralka nie wiruje")
    assert await q("zmywarka") == []
    assert await q("pralki wiruje") == [number]


@pytest.mark.parametrize(("query", "parameter"), [
    ({"q": " ".join(["slowo"] * 11)}, "q"),
    ({"q": "x" * 201}, "q"),
    ({"number": "T" * 65}, "number"),
    ({"created_from": "wczoraj"}, "created_from"),
    ({"created_from": "2026-03-02", "created_to": "2026-03-01"}, "created_to"),
])
async def test_bad_search_parameters_are_400_naming_them(
        client: tuple[Client, dict[str, dict[str, str]]], query: dict[str, str],
        parameter: str) -> None:
    body = await _get(client, "admin", query, 400)
    assert body["error"] == "invalid-parameter" and parameter in body["message"]


@pytest.mark.parametrize("few", [0, 5000])
async def test_common_and_rare_words_take_their_own_paths_alike(
        world: World, monkeypatch: pytest.MonkeyPatch, few: int) -> None:
    """Few matches are looked up first; more than ``FEW`` stay a subquery (0 here forces
    it): both find the same tickets under the same visibility."""
    monkeypatch.setattr(search_query, "FEW", few)
    anna = Viewer("Anna Nowak")
    assert await world.found(words="reklamacji") == {"bartek", "queue", "closed"}
    assert await world.found(anna, words="reklamacja") == {"queue"}
    assert await world.found(words="zolc faktura", number=world.numbers["anna"]) == {"anna"}


# A capped count: exact up to queries.COUNT_LIMIT (or the page's end), "that many or
# more" beyond, and paging goes on while rows do.

async def _page(world: World, filters: TicketFilter, page: int) -> Page[TicketSummary]:
    async with world.database.sessions() as session:
        return await find_tickets(session, filters, page=page, per_page=1)


@pytest.mark.parametrize("few", [0, 5000])  # the common words' path and the rare ones'
async def test_a_count_past_its_limit_says_so_and_paging_goes_on(
        world: World, monkeypatch: pytest.MonkeyPatch, few: int) -> None:
    monkeypatch.setattr(queries, "COUNT_LIMIT", 2)
    monkeypatch.setattr(search_query, "FEW", few)
    search = TicketFilter(search=TicketSearch(words="reklamacji"))  # 3 tickets
    pages = [await _page(world, search, n) for n in (1, 2, 3, 4)]
    assert [(p.total, p.total_exact, len(p.items)) for p in pages] == [
        (2, False, 1), (2, False, 1), (3, True, 1), (3, True, 0)]
    assert len({p.items[0].number for p in pages[:3]}) == 3  # every ticket, once
    monkeypatch.setattr(queries, "COUNT_LIMIT", 3)  # exactly at the limit: exact
    assert (await _page(world, search, 1)).total_exact


async def test_a_plain_list_caps_its_count_alike(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The list without a search pays the same count at 1M tickets: the same rule."""
    monkeypatch.setattr(queries, "COUNT_LIMIT", 2)
    first = await _page(world, TicketFilter(), 1)
    assert (first.total, first.total_exact) == (2, False)
    assert (await _page(world, TicketFilter(status="closed"), 1)).total_exact


async def test_the_api_answers_total_exact(
        world: World, client: tuple[Client, dict[str, dict[str, str]]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    body = await _get(client, "admin", {"q": "reklamacji", "per_page": "1"})
    assert (body["total"], body["total_exact"]) == (3, True)
    monkeypatch.setattr(queries, "COUNT_LIMIT", 2)
    body = await _get(client, "admin", {"q": "reklamacji", "per_page": "1", "page": "2"})
    assert (body["total"], body["total_exact"], len(body["items"])) == (2, False, 1)
    body = await _get(client, "admin", {"q": "reklamacji", "per_page": "1", "page": "3"})
    assert (body["total"], body["total_exact"], len(body["items"])) == (3, True, 1)


@pytest.mark.parametrize("sort", ["-created_at", "created_at", "number", "-number"])
async def test_a_common_word_pages_in_any_order(
        world: World, monkeypatch: pytest.MonkeyPatch, sort: str) -> None:
    """Ordered by created_at the list is walked, in any other order the word's matches
    are sorted: the same tickets, in the order asked for, across pages."""
    monkeypatch.setattr(search_query, "FEW", 0)
    filters = TicketFilter(search=TicketSearch(words="reklamacji"))
    async with world.database.sessions() as session:
        pages = [await find_tickets(session, filters, page=n, per_page=2, sort=sort)
                 for n in (1, 2)]
    numbers = [item.number for page in pages for item in page.items]
    expected = sorted(world.numbers[key] for key in ("bartek", "queue", "closed"))
    assert numbers == (expected[::-1] if sort.startswith("-") else expected)
