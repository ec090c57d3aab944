"""The e-mail survey (SQLite and PostgreSQL): resolving a ticket queues one survey in
the same transaction (not again on a reopen within the period, never without an
e-mail or a mailbox, never for a queue turned off), its signed link works once, a
forged or expired one is refused, a comment's card number is stored masked, and the
answer is on the ticket's timeline and in the report."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ccengine.config import TicketsConfig
from ccengine.csat import rules, service
from ccengine.csat.mailing import install
from ccengine.csat.storage_models import CsatSurvey
from ccengine.db import Database
from ccengine.tickets.enums import ActivityKind, TicketStatus
from ccengine.tickets.filters import EVERYONE, Viewer
from ccengine.tickets.models import Ticket, TicketActivity
from ccengine.tickets.service import TicketService
from ccengine.tickets.sla_marks import move_status
from tests.csat_helpers import (
    SECRET,
    SETTINGS,
    links_of,
    mailbox_for,
    parsed,
    surveys_sent,
    ticket_for,
)

CARD = "4111 1111 1111 1111"


async def _resolve(tickets: TicketService, number: str) -> None:
    await tickets.change_status(number, TicketStatus.RESOLVED, "Anna Nowak")


async def test_resolving_queues_one_survey_with_five_signed_links(database: Database) -> None:
    install(database, SETTINGS)
    tickets = TicketService(database, TicketsConfig())
    await mailbox_for(database, "posprzedaz")
    ticket_id = await ticket_for(database, "TK-2026-000001", "posprzedaz")
    await _resolve(tickets, "TK-2026-000001")
    [row] = await surveys_sent(database, ticket_id)
    message = parsed(row)
    assert "TK-2026-000001" in str(message["Subject"])
    assert str(message["To"]) == "jan.kowalski@example.com"
    assert row.sender == "posprzedaz@sklep.pl" and row.status == "pending"
    links = links_of(row)
    assert [score for _token, score in links] == [1, 2, 3, 4, 5]
    assert len({token for token, _score in links}) == 1
    token = rules.verify(SECRET, links[0][0], datetime.now(UTC))
    async with database.sessions() as session:
        survey = await session.scalar(select(CsatSurvey).where(
            CsatSurvey.public_id == token.public_id))
    assert survey is not None and survey.ticket_id == ticket_id
    assert (survey.channel, survey.agent, survey.outgoing_id) == ("email", "Anna Nowak", row.id)
    # Reopened and resolved again within the period: no second survey.
    await tickets.change_status("TK-2026-000001", TicketStatus.IN_PROGRESS, "Anna Nowak")
    await _resolve(tickets, "TK-2026-000001")
    assert len(await surveys_sent(database, ticket_id)) == 1


async def test_resent_after_the_period_and_never_without_address_mailbox_or_queue(
        database: Database) -> None:
    install(database, replace(SETTINGS, resend_after=timedelta(0)))
    tickets = TicketService(database, TicketsConfig())
    await mailbox_for(database, "posprzedaz")
    await mailbox_for(database, "bez_ankiet")
    again = await ticket_for(database, "TK-2026-000002", "posprzedaz")
    no_email = await ticket_for(database, "TK-2026-000003", "posprzedaz", email=None)
    no_box = await ticket_for(database, "TK-2026-000004", "reklamacje",
                              email="b@example.com")
    off = await ticket_for(database, "TK-2026-000005", "bez_ankiet", email="c@example.com")
    for number in ("TK-2026-000002", "TK-2026-000003", "TK-2026-000004", "TK-2026-000005"):
        await _resolve(tickets, number)
    await tickets.change_status("TK-2026-000002", TicketStatus.IN_PROGRESS, None)
    await _resolve(tickets, "TK-2026-000002")
    assert len(await surveys_sent(database, again)) == 2
    for ticket_id in (no_email, no_box, off):
        assert await surveys_sent(database, ticket_id) == []


async def test_a_link_works_once_and_forged_or_expired_ones_are_refused(
        database: Database) -> None:
    install(database, SETTINGS)
    tickets = TicketService(database, TicketsConfig())
    await mailbox_for(database, "posprzedaz")
    ticket_id = await ticket_for(database, "TK-2026-000006", "posprzedaz")
    await _resolve(tickets, "TK-2026-000006")
    [row] = await surveys_sent(database, ticket_id)
    token = links_of(row)[0][0]
    now = datetime.now(UTC)
    opened = await service.open_survey(database, SECRET, token, now)
    assert (opened.ticket_number, opened.answered) == ("TK-2026-000006", False)
    public_id, expiry, signature = token.split(".")
    forged = [f"{public_id}.{int(expiry) + 86400}.{signature}",  # expiry moved
              f"{public_id[::-1]}.{expiry}.{signature}", "nonsense"]
    for bad in forged:
        with pytest.raises(rules.BadToken):
            await service.answer(database, SECRET, bad, 5, None, now)
    with pytest.raises(rules.BadToken):
        await service.answer(database, "another-secret", token, 5, None, now)
    with pytest.raises(rules.ExpiredToken):
        await service.answer(database, SECRET, token, 5, None, now + timedelta(days=15))
    comment = f"Miła obsługa, moja karta {CARD} działa."
    done = await service.answer(database, SECRET, token, 4, comment, now)
    assert done.ticket_number == "TK-2026-000006"
    with pytest.raises(rules.SurveyUsed):
        await service.answer(database, SECRET, token, 1, None, now)
    async with database.sessions() as session:
        survey = await session.scalar(select(CsatSurvey).where(
            CsatSurvey.ticket_id == ticket_id))
        entries = list(await session.scalars(select(TicketActivity).where(
            TicketActivity.ticket_id == ticket_id, TicketActivity.kind == ActivityKind.CSAT)))
    assert survey is not None and survey.score == 4 and survey.comment is not None
    assert "1111" not in survey.comment and "Miła obsługa" in survey.comment
    [entry] = entries
    assert entry.data["score"] == 4 and "1111" not in entry.body


async def test_the_report_counts_answers_by_agent_and_queue_as_the_viewer_may_see(
        database: Database) -> None:
    install(database, SETTINGS)
    tickets = TicketService(database, TicketsConfig())
    for queue in ("posprzedaz", "reklamacje"):
        await mailbox_for(database, queue)
    answers = [("TK-2026-000010", "posprzedaz", "Anna Nowak", 5),
               ("TK-2026-000011", "posprzedaz", "Anna Nowak", 4),
               ("TK-2026-000012", "reklamacje", "Piotr Zieliński", 2)]
    now = datetime.now(UTC)
    for number, queue, agent, score in answers:
        ticket_id = await ticket_for(database, number, queue, email=f"{number}@example.com",
                                     assignee=agent)
        await _resolve(tickets, number)
        [row] = await surveys_sent(database, ticket_id)
        await service.answer(database, SECRET, links_of(row)[0][0], score, None, now)
    period = (now - timedelta(hours=1), now + timedelta(hours=1))
    every = await service.report(database, service.ReportAsk(*period, None, None, EVERYONE))
    assert (every["count"], every["average"]) == (3, 3.67)
    assert every["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}
    assert [(g["agent"], g["count"], g["average"]) for g in every["by_agent"]] == [
        ("Anna Nowak", 2, 4.5), ("Piotr Zieliński", 1, 2.0)]
    assert [(g["queue"], g["count"]) for g in every["by_queue"]] == [
        ("posprzedaz", 2), ("reklamacje", 1)]
    queue = await service.report(database, service.ReportAsk(*period, "reklamacje", None,
                                                            EVERYONE))
    assert (queue["count"], queue["average"]) == (1, 2.0)
    anna = await service.report(database, service.ReportAsk(*period, None, None,
                                                           Viewer("Anna Nowak")))
    assert anna["count"] == 2 and [g["agent"] for g in anna["by_agent"]] == ["Anna Nowak"]
    later = await service.report(database, service.ReportAsk(
        now + timedelta(hours=1), now + timedelta(hours=2), None, None, EVERYONE))
    assert (later["count"], later["average"]) == (0, None)


async def test_the_survey_is_written_with_the_resolve_or_not_at_all(database: Database) -> None:
    install(database, SETTINGS)
    await mailbox_for(database, "posprzedaz")
    ticket_id = await ticket_for(database, "TK-2026-000020", "posprzedaz")
    async with database.writer() as session:
        ticket = await session.get(Ticket, ticket_id)
        assert ticket is not None
        move_status(ticket, TicketStatus.RESOLVED, datetime.now(UTC))
        await session.flush()  # the survey and its mail are in this transaction now
        pending = await session.scalar(select(func.count()).select_from(CsatSurvey))
        await session.rollback()  # ... and go with it
    assert pending == 1
    assert await surveys_sent(database, ticket_id) == []
    async with database.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(CsatSurvey)) == 0
