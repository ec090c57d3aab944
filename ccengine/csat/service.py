"""CSAT's transactions: the link-signing secret, a customer's answer through a link,
a score keyed in after a call, and the report."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.agents.storage_models import LiveCallTicket
from ccengine.csat import rules
from ccengine.csat.storage_models import CsatKey, CsatSurvey
from ccengine.db import Database
from ccengine.tickets.enums import ActivityKind
from ccengine.tickets.filters import Viewer, visible
from ccengine.tickets.models import Call, Ticket, TicketActivity
from ccengine.transcribe.masking import mask_text

CHANNEL_LABELS = {"email": "e-mail", "ivr": "IVR"}


async def link_secret(database: Database, configured: str | None, now: datetime) -> str:
    """The config's secret, or the one generated and stored the first time."""
    if configured:
        return configured
    for _ in range(2):  # a second process may store its own at the same moment
        async with database.sessions() as session:
            stored = await session.get(CsatKey, 1)
        if stored is not None:
            return stored.secret
        try:
            async with database.writer() as session:
                session.add(CsatKey(id=1, secret=secrets.token_urlsafe(48), created_at=now))
                await session.commit()
        except IntegrityError:
            continue
    async with database.sessions() as session:
        row = await session.get(CsatKey, 1)
    assert row is not None
    return row.secret


@dataclass(frozen=True, slots=True)
class Open:
    """A survey as its public page shows it."""

    ticket_number: str | None
    answered: bool


async def _survey(session: AsyncSession, secret: str, token: str,
                  now: datetime) -> CsatSurvey:
    public_id = rules.verify(secret, token, now).public_id
    survey = await session.scalar(select(CsatSurvey).where(CsatSurvey.public_id == public_id))
    if survey is None or survey.channel != "email":
        raise rules.BadToken("token", "no such survey")
    return survey


async def open_survey(database: Database, secret: str, token: str, now: datetime) -> Open:
    async with database.sessions() as session:
        survey = await _survey(session, secret, token, now)
        number = await _number(session, survey.ticket_id)
    return Open(number, survey.answered_at is not None)


async def answer(database: Database, secret: str, token: str, score: int,
                 comment: str | None, now: datetime) -> Open:
    """Store the answer once (masked comment), with an entry on the ticket's timeline."""
    masked = None if comment is None else (await asyncio.to_thread(mask_text, comment)).text
    async with database.writer() as session:
        survey = await _survey(session, secret, token, now)
        if survey.answered_at is not None:
            raise rules.SurveyUsed("token", "this survey was answered already")
        survey.score, survey.comment, survey.answered_at = score, masked, now
        _on_timeline(session, survey, now)
        number = await _number(session, survey.ticket_id)
        await session.commit()
    return Open(number, True)


async def _number(session: AsyncSession, ticket_id: int | None) -> str | None:
    if ticket_id is None:
        return None
    return await session.scalar(select(Ticket.number).where(Ticket.id == ticket_id))


def _on_timeline(session: AsyncSession, survey: CsatSurvey, at: datetime) -> None:
    if survey.ticket_id is None or survey.score is None:
        return
    body = f"CSAT {survey.score}/5 ({CHANNEL_LABELS[survey.channel]})"
    if survey.comment:
        body += f": {survey.comment}"
    session.add(TicketActivity(ticket_id=survey.ticket_id, kind=ActivityKind.CSAT, body=body,
                               data={"score": survey.score, "channel": survey.channel,
                                     "agent": survey.agent, "comment": survey.comment},
                               author=None, created_at=at))


@dataclass(frozen=True, slots=True)
class Keyed:
    """A score keyed in on the phone after the agent hung up (None: none given)."""

    pbx: str
    linkedid: str
    score: int | None
    queue: str | None


async def record_call_score(database: Database, keyed: Keyed, now: datetime) -> None:
    """The call's survey, on the ticket the call got when it reached its queue, for the
    agent who took it (the ticket's assignee since the answer; else the call's agent)."""
    async with database.writer() as session:
        ticket = await session.scalar(
            select(Ticket).join(LiveCallTicket, LiveCallTicket.ticket_id == Ticket.id)
            .where(LiveCallTicket.pbx == keyed.pbx, LiveCallTicket.linkedid == keyed.linkedid))
        call = await session.scalar(select(Call).where(
            Call.pbx == keyed.pbx, Call.linkedid == keyed.linkedid))
        if ticket is None and call is not None and call.ticket_id is not None:
            ticket = await session.get(Ticket, call.ticket_id)
        agent = (ticket.assignee if ticket is not None else None) or (
            call.agent_name if call is not None else None)
        survey = CsatSurvey(public_id=secrets.token_urlsafe(12), channel="ivr",
                            ticket_id=ticket.id if ticket is not None else None,
                            queue=keyed.queue, agent=agent, linkedid=keyed.linkedid,
                            created_at=now, score=keyed.score,
                            answered_at=now if keyed.score is not None else None)
        session.add(survey)
        _on_timeline(session, survey, now)
        await session.commit()


@dataclass(frozen=True, slots=True)
class ReportAsk:
    start: datetime
    end: datetime
    queue: str | None
    agent: str | None
    viewer: Viewer


async def report(database: Database, ask: ReportAsk) -> dict[str, Any]:
    """Answers in [start, end) on the tickets the viewer may see: overall, by agent and
    by queue (a call's survey without a ticket counts for those who see every ticket)."""
    query = (select(CsatSurvey.score, CsatSurvey.agent, CsatSurvey.queue)
             .outerjoin(Ticket, CsatSurvey.ticket_id == Ticket.id)
             .where(CsatSurvey.answered_at >= ask.start, CsatSurvey.answered_at < ask.end,
                    CsatSurvey.score.is_not(None), visible(ask.viewer)))
    if ask.queue is not None:
        query = query.where(CsatSurvey.queue == ask.queue)
    if ask.agent is not None:
        query = query.where(CsatSurvey.agent == ask.agent)
    async with database.sessions() as session:
        rows = (await session.execute(query)).all()
    return {**_as_json(rules.figures(row.score for row in rows)),
            "by_agent": _grouped(rows, "agent"), "by_queue": _grouped(rows, "queue")}


def _grouped(rows: Sequence[Any], key: str) -> list[dict[str, Any]]:
    groups: dict[str | None, list[int]] = {}
    for row in rows:
        groups.setdefault(getattr(row, key), []).append(row.score)
    return [{key: name, **_as_json(rules.figures(scores))}
            for name, scores in sorted(groups.items(), key=lambda item: item[0] or "")]


def _as_json(figures: rules.Figures) -> dict[str, Any]:
    return {"count": figures.count, "average": figures.average,
            "distribution": figures.distribution}

