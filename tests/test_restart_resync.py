"""After kill -9 and a restart the engine knows a call only from the resync lists
(issue 12, items 11 and 12): an answered call stays answered with its agent, and
tickets opened at ring time by the killed process are reconciled. Real TCP, both
databases."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ccengine.agents.call_tickets import CallTicket, RingFacts, assign_on_answer, open_for_calls
from ccengine.agents.storage_models import LiveCallTicket
from ccengine.ami.events import ChannelListed, parse_event
from ccengine.calls.model import FinishedCall, Outcome
from ccengine.calls.pipeline import EventPipeline
from ccengine.calls.tracker import CallTracker
from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.simulator.calls import Caller, CallFactory, SimulatedCall
from ccengine.simulator.scripts import ScriptLine
from ccengine.simulator.server import AmiServer
from ccengine.simulator.trace import read_trace
from ccengine.tickets.lost_calls import LOST_NOTE
from ccengine.tickets.models import Call, Customer, Ticket, TicketActivity
from ccengine.tickets.service import TicketService
from tests.conftest import T0, build_call
from tests.engine_harness import eventually, running_engine
from tests.traces import trace

AGENT = "Agnieszka Wójcik"


def linkedid_of(call: SimulatedCall) -> str:
    return call.lines[0].raw.split("Linkedid: ")[1].split("\r\n")[0]


def after_last(lines: list[ScriptLine], event: str) -> tuple[list[ScriptLine], list[ScriptLine]]:
    """The lines up to the last ``event`` of the first run of them, and the rest."""
    marks = [i for i, line in enumerate(lines) if line.raw.startswith(f"Event: {event}\r\n")]
    return lines[: marks[-1] + 1], lines[marks[-1] + 1 :]


async def ring_ticket(database: Database, linkedid: str, caller: str,
                      answered_by: str | None) -> CallTicket:
    """What the killed process had written: the ticket opened when the call joined the
    queue, assigned and in progress if an agent answered before the crash."""
    [ticket] = await open_for_calls(database, TicketsConfig(), [RingFacts(
        pbx="pbx", linkedid=linkedid, caller=caller, caller_name=None, queue="support",
        at=datetime.now(UTC))])
    if answered_by is not None:
        assert await assign_on_answer(database, ticket.id, answered_by, datetime.now(UTC),
                                      TicketsConfig().first_response)
    return ticket


async def make_vip(database: Database, opened: CallTicket) -> None:
    async with database.writer() as session:
        ticket = await session.get_one(Ticket, opened.id)
        customer = await session.get_one(Customer, ticket.customer_id)
        customer.vip = True
        await session.commit()


async def tickets(database: Database) -> dict[str, Ticket]:
    async with database.sessions() as session:
        return {t.number: t for t in await session.scalars(select(Ticket))}


async def test_a_call_answered_before_the_crash_stays_answered(database: Database) -> None:
    call = CallFactory(seed=11).make("queue-answered", Caller("48512345678", "Łukasz Żółtowski"))
    before_crash, after_restart = after_last(call.lines, "BridgeEnter")
    linkedid = linkedid_of(call)
    opened = await ring_ticket(database, linkedid, "+48512345678", AGENT)
    server = AmiServer(username="test", secret="s3cret")
    for line in before_crash:  # the PBX goes on while no engine listens
        server.emit(line.raw)

    async with running_engine(database, server=server) as pbx:
        await eventually(lambda: pbx.engine.resyncs >= 1)  # the resync's lists are applied
        [live] = pbx.engine.tracker.live_calls()
        assert live.answered_at is not None and live.agent_interface
        pbx.emit(after_restart)
        await pbx.settle()
        [(finished, recorded)] = pbx.recorded

    assert finished.outcome is Outcome.ANSWERED
    assert (finished.agent_name, finished.agent_interface) == (
        "Agent One", "Local/agent1@lab-agents")  # the QueueStatus member in the call
    assert finished.talk_seconds and finished.talk_seconds > 0
    assert any(e.kind == "answer" and e.detail.get("learnt") == "resync"
               for e in finished.timeline)
    assert recorded.ticket_number == opened.number
    ticket = (await tickets(database))[opened.number]
    assert (ticket.status, ticket.kind, ticket.priority, ticket.assignee) == (
        "in_progress", "call", "P3", AGENT)
    async with database.sessions() as session:
        [row] = await session.scalars(select(Call))
    assert row.outcome == "answered"


async def test_an_assigned_ticket_in_progress_never_becomes_a_callback(
        database: Database) -> None:
    opened = await ring_ticket(database, "9.1", "+48512345678", AGENT)
    service = TicketService(database, TicketsConfig())
    await service.record_calls([build_call("9.1", Outcome.IVR_ABANDONED, pbx="pbx",
                                           caller_number="48512345678", started_at=T0)])
    ticket = (await tickets(database))[opened.number]
    assert (ticket.status, ticket.kind, ticket.priority, ticket.assignee) == (
        "in_progress", "call", "P3", AGENT)


async def test_the_recorded_resync_of_a_bridged_call_keeps_its_agent() -> None:
    """The real session after the AMI link was cut mid-call (live/, a real Asterisk):
    from the resync lists alone the call is answered, by the member InCall."""
    messages, _ = read_trace(trace("live/engine-run1-conn2-after-ami-drop"))
    finished: list[FinishedCall] = []
    pipeline = EventPipeline(CallTracker(finished.append))
    runner = asyncio.create_task(pipeline.run())
    start = time.time()
    incoming = [m for m in messages if m.incoming]
    lists_end = next(i for i, m in enumerate(incoming)
                     if m.headers.get("Event") == "QueueStatusComplete")
    pipeline.mark("resync", "pbx", start)
    for message in incoming[: lists_end + 1]:
        pipeline.feed("pbx", message.headers, start + message.t)
    await pipeline.drained()
    [live] = pipeline.tracker.live_calls()
    assert live.answered_at is not None
    assert (live.agent_name, live.agent_interface) == (AGENT, "PJSIP/agent3")
    assert live.caller_num == "+48679120111" and live.queue == "posprzedaz"
    for message in incoming[lists_end + 1 :]:
        pipeline.feed("pbx", message.headers, start + message.t)
    await pipeline.drained()
    runner.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await runner
    [call] = [c for c in finished if c.linkedid == live.linkedid]  # later calls follow
    assert (call.outcome, call.agent_name, call.queue) == (Outcome.ANSWERED, AGENT, "posprzedaz")
    assert call.caller_number == "+48679120111"


async def test_ring_tickets_of_lost_calls_closed_if_taken_else_callbacks_live_kept(
        database: Database) -> None:
    still_there = CallFactory(seed=12).make("queue-answered", Caller("48691234567", None))
    ringing, rest = after_last(still_there.lines, "AgentCalled")
    gone = await ring_ticket(database, "1796000000.9", "+48512345678", AGENT)  # ended meanwhile
    unanswered = await ring_ticket(database, "1796000000.7", "+48501987654", None)
    vip_unanswered = await ring_ticket(database, "1796000000.5", "+48601222333", None)
    await make_vip(database, vip_unanswered)
    kept = await ring_ticket(database, linkedid_of(still_there), "+48691234567", None)
    server = AmiServer(username="test", secret="s3cret")
    for line in ringing:
        server.emit(line.raw)

    async with running_engine(database, server=server) as pbx:
        await eventually(lambda: pbx.engine.resyncs >= 1)
        await pbx.settle()  # the reconciliation the resync started is done
        after_restart = await tickets(database)
        pbx.emit(rest)
        await pbx.settle()
        [(_, recorded)] = pbx.recorded

    taken = after_restart[gone.number]  # an agent answered it before the crash
    assert taken.status == "closed" and taken.closed_at is not None
    for lost, missed_priority in ((unanswered, "P2"), (vip_unanswered, "P1")):
        ticket = after_restart[lost.number]  # rang, never answered: the caller waits
        assert (ticket.status, ticket.kind, ticket.closed_at) == ("new", "callback", None)
        assert ticket.priority == missed_priority
    assert after_restart[kept.number].status == "new"
    async with database.sessions() as session:
        notes = list(await session.scalars(select(TicketActivity).where(
            TicketActivity.body == LOST_NOTE)))
        live_rows = {row.linkedid for row in await session.scalars(select(LiveCallTicket))}
        [call_row] = await session.scalars(select(Call))
    assert sorted(n.ticket_id for n in notes) == sorted([gone.id, unanswered.id,
                                                         vip_unanswered.id])
    assert live_rows == {linkedid_of(still_there)}
    assert recorded.ticket_number == kept.number and call_row.ticket_id == kept.id


async def test_a_caller_learnt_by_resync_has_waited_as_long_as_queue_status_says() -> None:
    """The recorded resync of a caller waiting in a queue, as if the caller had spent a
    minute in the menu first: CoreShowChannel's Duration is the channel's age, so only
    QueueStatus's Wait tells when the caller joined the queue (the wallboard's wait)."""
    messages, _ = read_trace(trace("resync-lists-during-call"))
    lists = [m.headers for m in messages if m.incoming and 3.0 <= m.t <= 3.51]
    for headers in lists:
        if headers.get("Application") == "Queue":
            headers["Duration"] = "00:01:00"
    [wait] = [int(h["Wait"]) for h in lists if h.get("Event") == "QueueEntry"]
    pipeline = EventPipeline(CallTracker(lambda _call: None))
    runner = asyncio.create_task(pipeline.run())
    start = time.time()
    pipeline.mark("resync", "pbx", start)
    for headers in lists:
        pipeline.feed("pbx", headers, start)
    await pipeline.drained()
    runner.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await runner
    [live] = pipeline.tracker.live_calls()
    [visit] = live.visits
    assert visit.queue == "tiered"
    assert visit.joined_at == datetime.fromtimestamp(start, UTC) - timedelta(seconds=wait)
    assert live.started_at == datetime.fromtimestamp(start, UTC) - timedelta(minutes=1)


@pytest.mark.parametrize(("duration", "seconds"), [
    ("01:02:03", 3723), ("00:00:\u00b2", 0), ("\u0661\u0662:00:00", 0), ("1:2", 0), ("", 0)])
def test_a_channel_age_is_read_from_ascii_digits_only(duration: str, seconds: int) -> None:
    """A hostile CoreShowChannel ('²' passes isdigit, then int() raises) is read as
    age 0, never an error that loses the rest of the resync list."""
    messages, _ = read_trace(trace("resync-lists-during-call"))
    headers = next(m.headers for m in messages if m.headers.get("Event") == "CoreShowChannel")
    headers["Duration"] = duration
    listed = parse_event(headers, "pbx", time.time())
    assert isinstance(listed, ChannelListed) and listed.duration_seconds == seconds
