"""What the engine got wrong driving a real Asterisk (issue 12, items 13-19).

The live traces (shared/asterisk-traces/live/) are the engine's own AMI sessions
with a real Asterisk; where they show the behaviour, the tests replay them.
"""

from __future__ import annotations

import wave
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from ccengine.agents.call_tickets import RingFacts, open_for_calls
from ccengine.agents.callbacks import Target, originate_action
from ccengine.agents.storage_models import CallbackAttempt
from ccengine.ami.events import AsyncAgiExecuted, parse_event
from ccengine.ami.frames import parse_frame
from ccengine.calls.model import Outcome, is_own_call
from ccengine.config import AgentsConfig, TicketsConfig, load_config
from ccengine.db import Database
from ccengine.replay import replay
from ccengine.routes.agi import AgiReply
from ccengine.routes.asterisk_conf import render_queuerules_conf
from ccengine.routes.document import parse_graph
from ccengine.routes.tier_timing import tier_timings
from ccengine.simulator.agi_calls import QueuePlan
from ccengine.simulator.scripts import ScriptLine, trace_script
from ccengine.tickets.models import Call, Customer, Ticket
from ccengine.tickets.queries import get_ticket
from tests.conftest import build_call
from tests.engine_harness import eventually, running_engine
from tests.test_route_executor import EVENING, EXAMPLE, path_of, routed
from tests.test_ticket_service import NOW, service
from tests.test_tickets_api import World, world  # noqa: F401  (a fixture used below)
from tests.test_tracker_traces import track
from tests.traces import trace

# -- item 18: external numbers in E.164 ---------------------------------------------------


async def test_the_external_number_a_call_was_transferred_to_is_stored_in_e164(
        database: Database) -> None:
    """The trunk dials '48225550000'; every other number is stored as +48..."""
    call = build_call("18.1", Outcome.EXTERNAL, external_number="48225550000", queue=None)

    [recorded] = await service(database).record_calls([call])

    async with database.sessions() as session:
        row = await session.scalar(select(Call).where(Call.linkedid == "18.1"))
        ticket = await session.scalar(select(Ticket).where(
            Ticket.number == recorded.ticket_number))
    assert row is not None and row.external_number == "+48225550000"
    assert ticket is not None and ticket.title.endswith("na numer +48225550000")


# -- item 16: the caller's name is the caller's own --------------------------------------

LIVE_RUNS = ("live/engine-run1-conn1", "live/engine-run2-conn1")


def agent_names(path: Path) -> set[str]:
    """Every agent's name in a trace (their endpoints' CallerIDName)."""
    names = set()
    for line in trace_script(path)[0]:
        headers = parse_frame(line.raw)
        if headers.get("Channel", "").startswith("PJSIP/agent"):
            names.add(headers.get("CallerIDName", ""))
    return names - {"", "<unknown>"}


@pytest.mark.parametrize("name", LIVE_RUNS)
def test_no_caller_is_stored_under_an_agents_name(name: str) -> None:
    finished, _ = track(trace(name))
    agents = agent_names(trace(name))

    assert agents, "the trace has agents"
    assert [call.linkedid for call in finished if call.caller_name in agents] == []


def test_a_caller_with_a_name_keeps_it_through_the_agents_that_ring() -> None:
    finished, _ = track(trace("live/engine-run1-conn1"))
    names = {call.caller_number: call.caller_name for call in finished}

    assert names["+48604777888"] == "Anna VIP"  # answered by Ewa Dąbrowska
    assert names["+48693010032"] == "Jan Live"  # answered by Agnieszka Wójcik
    assert names["+48687060062"] is None  # no name of her own: never the agent's


# -- item 13: an AGI error is not a hang-up --------------------------------------------


def agi_results(name: str) -> list[AsyncAgiExecuted]:
    results = []
    for line in trace_script(trace(name))[0]:
        event = parse_event(parse_frame(line.raw), "lab", line.t)
        if isinstance(event, AsyncAgiExecuted):
            results.append(event)
    return results


def test_the_live_traces_tell_an_agi_error_from_a_hang_up() -> None:
    results = agi_results("live/engine-run1-conn1")
    errors = [r for r in results if "randomerror" in r.result]
    hang_ups = [r for r in results if "(hangup)" in r.result]

    assert len(errors) == 1 and len(hang_ups) >= 4
    assert not errors[0].channel_gone  # the caller was still there, in silence
    assert all(r.channel_gone for r in hang_ups)
    reply = AgiReply(200, errors[0].result)
    assert (reply.hung_up, reply.failed, reply.error) == (False, True, "randomerror")
    assert all(AgiReply(200, r.result).hung_up for r in hang_ups)


async def test_a_failed_recording_says_goodbye_hangs_up_and_claims_no_message(
        database: Database) -> None:
    async with routed(database) as r:
        placed = await r.place(at=EVENING, record_fails=True)
        call = await r.finished(placed)
        recorded = r.harness.recorded[0][1]

    assert placed.recordings == []  # Asterisk wrote nothing
    record_at = next(i for i, c in enumerate(placed.commands) if c.startswith("RECORD FILE"))
    assert placed.commands[record_at + 1:] == ["EXEC Playback ccengine/goodbye", "HANGUP"]
    assert call.route is not None
    assert (call.route.ended_by, call.route.voicemail_file) == ("voicemail_failed", None)
    assert path_of(call)[-1] == ("poczta", "failed")
    assert "randomerror" in call.route.path[-1]["reason"]
    assert call.outcome.value == "unanswered"  # the dialplan hung up; no message was left
    async with database.sessions() as session:
        detail = await get_ticket(session, recorded.ticket_number)
    assert "wiadomość głosowa" not in detail.ticket.title
    assert "nagranie się nie udało" in detail.ticket.title
    assert "voicemail_file" not in detail.activities[0].data


# -- item 17: where the caller hung up ---------------------------------------------------


async def test_a_hang_up_during_the_welcome_prompt_is_stored_and_titled_there(
        database: Database) -> None:
    """Live: the path ended at `vip` and the title said 'rozłączył się w menu'."""
    async with routed(database) as r:
        placed = await r.place(hang_up_in_playback=0)  # the welcome
        call = await r.finished(placed)
        recorded = r.harness.recorded[0][1]

    assert placed.commands[-1] == "EXEC Playback ccengine/welcome"
    assert call.route is not None and call.route.ended_by == "caller_hung_up"
    assert path_of(call)[-1] == ("vip", "other")  # decided; the welcome never finished
    assert (call.route.last_node, call.route.last_kind) == ("powitanie", "announcement")
    async with database.sessions() as session:
        detail = await get_ticket(session, recorded.ticket_number)
    assert detail.ticket.title.endswith("(rozłączył się podczas komunikatu „powitanie”)")
    assert detail.calls[0].route is not None
    assert detail.calls[0].route["last_node"] == "powitanie"


# -- item 14: the engine's own click-to-call is no inbound call ----------------------------

CLICK_TO_CALL = "live/engine-run1-conn3-after-asterisk-restart"
ORIGINATED = "1796323381.7"  # the agent channel the engine's Originate made (live)
ACTION_ID = "ccengine-callback-09f47771a705457896aa8a592fc3c2b3"


def click_to_call_with_channel_id() -> list[ScriptLine]:
    """The live click-to-call as Asterisk shows it when the Originate sets ChannelId:
    the agent channel's Uniqueid, and so the call's Linkedid, is the ActionID."""
    lines = [line for line in trace_script(trace(CLICK_TO_CALL))[0]
             if 286.4 <= line.t <= 295 and ORIGINATED in line.raw]
    assert any("OriginateResponse" in line.raw for line in lines)
    return [replace(line, raw=line.raw.replace(ORIGINATED, ACTION_ID)) for line in lines]


async def callback_ticket_with_attempt(database: Database) -> str:
    tickets = service(database)
    await tickets.add_customer("+48689010046", "Jan Live", vip=False)
    missed = build_call("14.1", Outcome.ABANDONED, caller_number="48689010046")
    [recorded] = await tickets.record_calls([missed])
    async with database.writer() as session:
        ticket = await session.scalar(select(Ticket).where(
            Ticket.number == recorded.ticket_number))
        assert ticket is not None
        session.add(CallbackAttempt(ticket_id=ticket.id, agent="Katarzyna Lewandowska",
                                    interface="PJSIP/agent1", number="+48689010046",
                                    action_id=ACTION_ID, started_at=NOW))
        await session.commit()
    return recorded.ticket_number


def test_the_click_to_call_originate_names_its_channel_by_its_action_id() -> None:
    target = Target(ticket_id=1, number="+48689010046", name="Jan Live")
    action = originate_action(target, "PJSIP/agent1", "TK-1", AgentsConfig())

    assert action["ChannelId"] == action["ActionID"]
    assert is_own_call(action["ChannelId"])


async def test_a_click_to_call_is_recorded_on_its_callback_ticket_only(
        database: Database) -> None:
    number = await callback_ticket_with_attempt(database)

    async with running_engine(database) as harness:
        harness.emit(click_to_call_with_channel_id())
        await harness.settle()
        await eventually(lambda: bool(harness.recorded))

    [(call, recorded)] = harness.recorded
    assert call.linkedid == ACTION_ID
    assert recorded.ticket_number == number
    async with database.sessions() as session:
        titles = list(await session.scalars(select(Ticket.title)))
        detail = await get_ticket(session, number)
    assert len(titles) == 1, titles  # no "Połączenie od agent1 przekazane na numer ..."
    assert [c.linkedid for c in detail.calls] == ["14.1", ACTION_ID]


# -- item 15: one VIP rule ------------------------------------------------------------------

GRAPH_VIP = "48604777888"  # on the example graph's VIP list, no customer record flag


async def test_a_caller_on_the_graphs_vip_list_gets_the_vip_ticket_priority(
        database: Database) -> None:
    """Live: queue priority 10, yet a P3 ticket (and a P2 callback)."""
    async with routed(database) as r:
        answered = await r.call(number=GRAPH_VIP, name="Anna VIP",
                                queues=(QueuePlan(answered_by="Ewa Dąbrowska"),))
        missed = await r.call(number=GRAPH_VIP, name="Anna VIP",
                              queues=(QueuePlan(answered_by=None, abandon_after=3),))
        priorities = {call.linkedid: rec.ticket_priority for call, rec in r.harness.recorded}

    assert answered.route is not None and answered.route.vip
    assert answered.queue_priority == 10
    assert priorities[answered.linkedid] == "P2"  # answered P3, one step up: as a VIP customer
    assert missed.outcome.missed
    assert priorities[missed.linkedid] == "P1"  # a missed call's P2, one step up


async def test_the_ring_time_ticket_of_a_graph_vip_has_the_vip_priority(
        database: Database) -> None:
    facts = RingFacts(pbx="pbx", linkedid="15.1", caller="+48604777888", caller_name=None,
                      queue="vip", at=NOW, vip=True)
    [ticket] = await open_for_calls(database, TicketsConfig(), [facts])

    assert ticket.priority == "P2"  # P3 one step up, as for a customer flagged VIP


# -- item 19: when a later tier first rings ----------------------------------------------


def tier_two_delay(name: str, linkedid: str) -> float:
    """Seconds from joining the tiered queue to the first ring of its tier-2 agent."""
    joined = rang = None
    for line in trace_script(trace(name))[0]:
        headers = parse_frame(line.raw)
        if headers.get("Linkedid") != linkedid:
            continue
        if headers.get("Event") == "QueueCallerJoin" and joined is None:
            joined = line.t
        if (headers.get("Event") == "AgentCalled" and rang is None
                and headers.get("Interface") == "PJSIP/agent9"):
            rang = line.t
    assert joined is not None and rang is not None
    return rang - joined


def test_the_rendered_rule_says_when_tier_two_rings_and_the_live_call_agrees() -> None:
    graph = parse_graph(EXAMPLE.read_text(encoding="utf-8"))
    queue = graph.queues["wsparcie"]
    [timing] = tier_timings(queue)
    measured = tier_two_delay("live/engine-run1-conn1", "1796322719.22")

    assert queue.strategy == "linear" and timing.opens == 30
    assert round(measured) == 48  # not 30: the raised tier-1 member was tried again first
    assert timing.first_ring_by is not None
    assert timing.opens <= measured <= timing.first_ring_by
    assert f"; {timing.describe('linear')}" in render_queuerules_conf([graph]).splitlines()


@pytest.mark.parametrize(("strategy", "by"), [
    ("ringall", 30 + 16), ("linear", 30 + 16 * 3), ("rrmemory", 30 + 16 * 3),
    ("leastrecent", None), ("random", None)])
def test_each_strategy_has_its_own_first_ring_time(strategy: str, by: int | None) -> None:
    queue = parse_graph(EXAMPLE.read_text(encoding="utf-8")).queues["wsparcie"]
    [timing] = tier_timings(queue.model_copy(update={"strategy": strategy}))

    assert timing.first_ring_by == by


async def test_voicemail_plays_our_own_beep_and_needs_no_core_sounds(
        database: Database) -> None:
    """RECORD FILE's BEEP option plays Asterisk's core 'beep' and fails without it."""
    async with routed(database) as r:
        placed = await r.place(at=EVENING, speaks_seconds=6)
        call = await r.finished(placed)

    record_at = next(i for i, c in enumerate(placed.commands) if c.startswith("RECORD FILE"))
    assert placed.commands[record_at - 1] == "EXEC Playback ccengine/beep"
    assert "BEEP" not in placed.commands[record_at].split()
    assert call.outcome.value == "voicemail"
    with wave.open(str(EXAMPLE.parents[1] / "prompts" / "tones" / "beep.wav"), "rb") as beep:
        assert (beep.getframerate(), beep.getnchannels(), beep.getsampwidth()) == (8000, 1, 2)
        assert 0.1 <= beep.getnframes() / 8000 <= 1.0


async def test_replayed_live_runs_store_no_customer_under_an_agents_name(
        database_url: str) -> None:
    """The live run through the TCP simulator into the database: customers keep their own
    names (Anna VIP, Jan Live), none takes the name of an agent that rang or answered."""
    config = load_config(environ={"CCENGINE_DATABASE_URL": database_url})
    report = await replay([trace(name) for name in LIVE_RUNS], config)
    agents = set().union(*(agent_names(trace(name)) for name in LIVE_RUNS))

    assert report.trace_errors == []
    database = Database.open(config.database)
    try:
        async with database.sessions() as session:
            names = {c.phone_e164: c.name for c in await session.scalars(select(Customer))}
            external = list(await session.scalars(
                select(Call.external_number).where(Call.external_number.is_not(None))))
    finally:
        await database.close()
    assert names and not agents & set(names.values())
    assert names["+48604777888"] == "Anna VIP"
    assert external and set(external) == {"+48225550000"}  # E.164, as every number
