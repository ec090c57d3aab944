"""The executor routes live calls over AsyncAGI, on a real TCP AMI connection.

The simulated PBX answers AGI actions the way the recorded Asterisk does;
the example graph is published in the database; each call ends as a ticket
carrying the path its route took.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ccengine.calls.model import FinishedCall
from ccengine.config import RoutesConfig
from ccengine.db import Database
from ccengine.routes.document import parse_graph
from ccengine.routes.routing import Routing
from ccengine.routes.store import RouteStore
from ccengine.simulator.agi_calls import CallerScript, DialPlan, PlacedCall, QueuePlan
from ccengine.simulator.agi_pbx import AgiPbx
from ccengine.tickets.queries import get_ticket
from tests.engine_harness import Harness, eventually, running_engine

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ecommerce-routes.yaml"
WARSAW = ZoneInfo("Europe/Warsaw")
MONDAY_MORNING = datetime(2026, 11, 23, 10, 15, tzinfo=WARSAW).timestamp()
EVENING = datetime(2026, 11, 23, 20, 30, tzinfo=WARSAW).timestamp()
DID = "48221110000"
CALLER = "48601111222"
NOBODY_ANSWERS = QueuePlan(answered_by=None, rings="Michał Wojciechowski",
                           interface="PJSIP/agent7")


@dataclass
class Routed:
    harness: Harness
    pbx: AgiPbx
    routing: Routing
    store: RouteStore

    async def call(self, at: float = MONDAY_MORNING, **script: object) -> FinishedCall:
        placed = await self.place(at, **script)
        return await self.finished(placed)

    async def place(self, at: float = MONDAY_MORNING, **script: object) -> PlacedCall:
        fields: dict[str, object] = {"number": CALLER, "name": "Jan Kowalski", "did": DID}
        fields.update(script)
        return await self.pbx.place_call(CallerScript(**fields), at=at)  # type: ignore[arg-type]

    async def finished(self, placed: PlacedCall) -> FinishedCall:
        await placed.finished(timeout=20)
        await eventually(lambda: self.recorded(placed) is not None, timeout=20)
        call = self.recorded(placed)
        assert call is not None
        return call

    def recorded(self, placed: PlacedCall) -> FinishedCall | None:
        return next((c for c, _ in self.harness.recorded if c.linkedid == placed.linkedid), None)


@asynccontextmanager
async def routed(database: Database, graph_text: str | None = None) -> AsyncIterator[Routed]:
    store = RouteStore(database)
    graph = parse_graph(graph_text or EXAMPLE.read_text(encoding="utf-8"))
    await store.publish(graph.name, await store.save_draft(graph))
    routing = Routing(database, RoutesConfig(reload_seconds=0.05), region="PL")
    async with running_engine(database, routing=routing) as harness:
        pbx = AgiPbx(harness.server, time_scale=0.01)
        try:
            yield Routed(harness, pbx, routing, store)
        finally:
            await pbx.stop()


def path_of(call: FinishedCall) -> list[tuple[str, str]]:
    assert call.route is not None
    return [(step["node"], step["branch"]) for step in call.route.path]


async def test_open_hours_menu_then_queue_answered(database: Database) -> None:
    async with routed(database) as r:
        placed = await r.place(digits=("2",), queues=(QueuePlan(answered_by="Agnieszka Wójcik"),))
        call = await r.finished(placed)
    assert path_of(call) == [("infolinia", "next"), ("godziny", "open"), ("swieta", "regular"),
                             ("vip", "other"), ("powitanie", "next"), ("menu", "option 2"),
                             ("kolejka-posprzedaz", "ended")]
    assert placed.commands[:2] == ["ANSWER", f"EXEC MixMonitor "
                                   f"/var/spool/asterisk/monitor/ccengine/{placed.uniqueid}.wav"]
    assert "EXEC Queue posprzedaz,t,,,240" in placed.commands
    assert call.outcome.value == "answered"
    assert (call.queue, call.agent_name, call.ivr_digits) == (
        "posprzedaz", "Agnieszka Wójcik", "2")
    assert call.recording_file == f"/var/spool/asterisk/monitor/ccengine/{placed.uniqueid}.wav"
    assert call.route is not None and call.route.version == 1


async def test_route_is_stored_on_the_call_and_its_ticket(database: Database) -> None:
    async with routed(database) as r:
        await r.call(digits=("3",))
        number = r.harness.recorded[0][1].ticket_number
    async with database.sessions() as session:
        detail = await get_ticket(session, number)
    route = detail.calls[0].route
    assert route is not None
    assert (route["graph"], route["version"], route["ended_by"]) == ("ecommerce", 1, "queue")
    assert route["path"][5]["reason"] == "caller pressed 3"
    activity = detail.activities[0]
    assert "menu:option 3 → kolejka-reklamacje:ended" in activity.body
    assert activity.data["route"]["graph"] == "ecommerce"


async def test_after_hours_voicemail_opens_a_missed_call_ticket(database: Database) -> None:
    async with routed(database) as r:
        placed = await r.place(at=EVENING, speaks_seconds=6)
        call = await r.finished(placed)
        recorded = r.harness.recorded[0][1]
    assert path_of(call) == [("infolinia", "next"), ("godziny", "closed"),
                             ("zamkniete", "next"), ("poczta", "recorded")]
    assert call.outcome.missed
    assert call.route is not None
    assert call.route.voicemail_file == (
        f"/var/spool/asterisk/voicemail/ccengine/{placed.uniqueid}.wav")
    assert placed.recordings == [call.route.voicemail_file]  # what the PBX recorded
    assert call.outcome.value == "voicemail"
    assert recorded.ticket_priority == "P2"
    async with database.sessions() as session:
        detail = await get_ticket(session, recorded.ticket_number)
    assert detail.ticket.title == "Oddzwonić: wiadomość głosowa od +48601111222"
    assert detail.activities[0].data["voicemail_file"] == call.route.voicemail_file


@pytest.mark.parametrize(("day", "holiday"), [
    (datetime(2026, 11, 11, 11, 0, tzinfo=WARSAW), "Narodowe Święto Niepodległości"),
    (datetime(2027, 3, 29, 11, 0, tzinfo=WARSAW), "Poniedziałek Wielkanocny"),
])
async def test_polish_holidays_take_the_holiday_branch(database: Database, day: datetime,
                                                       holiday: str) -> None:
    async with routed(database) as r:
        placed = await r.place(at=day.timestamp())
        call = await r.finished(placed)
    assert call.route is not None
    step = call.route.path[2]
    assert (step["node"], step["branch"]) == ("swieta", "holiday")
    assert step["reason"] == f"holiday: {day.date().isoformat()} {holiday}"
    assert "EXEC Playback ccengine/holiday" in placed.commands


async def test_vip_customer_gets_priority_and_skips_the_menu(database: Database) -> None:
    await _add_vip(database, "+48512345678")
    async with routed(database) as r:
        placed = await r.place(number="48512345678", name="Łukasz Żółtowski",
                               queues=(QueuePlan(answered_by="Ewa Dąbrowska"),))
        call = await r.finished(placed)
        recorded = r.harness.recorded[0][1]
    assert path_of(call)[3:] == [("vip", "vip"), ("kolejka-vip", "ended")]
    assert not any(command.startswith("GET DATA") for command in placed.commands)
    assert placed.commands.index("SET VARIABLE QUEUE_PRIO 10") < placed.commands.index(
        "EXEC Queue vip,t,,,120")
    assert call.queue_priority == 10  # read back from Asterisk's VarSet
    assert recorded.ticket_priority == "P2"  # answered (P3), one step up for a VIP


async def test_two_invalid_digits_fall_back_to_the_operator_queue(database: Database) -> None:
    async with routed(database) as r:
        placed = await r.place(digits=("7", "8"))
        call = await r.finished(placed)
    assert path_of(call)[5:] == [("menu", "fallback"), ("kolejka-posprzedaz", "ended")]
    assert placed.commands.count("EXEC Playback ccengine/invalid") == 2
    assert call.outcome.value == "answered"


async def test_tiered_queue_timeout_transfers_to_the_partner(database: Database) -> None:
    async with routed(database) as r:
        placed = await r.place(digits=("5",), queues=(NOBODY_ANSWERS,),
                               dials=(DialPlan(status="ANSWER", talk_seconds=20),))
        call = await r.finished(placed)
    queue_at = placed.commands.index("EXEC Queue wsparcie,t,,,90,,,wsparcie")
    assert placed.commands[queue_at - 3:queue_at] == [
        "SET VARIABLE QUEUE_MIN_PENALTY 0", "SET VARIABLE QUEUE_MAX_PENALTY 0",
        "SET VARIABLE QUEUE_RAISE_PENALTY 0"]
    assert path_of(call)[-2:] == [("kolejka-wsparcie", "timeout"), ("partner", "ended")]
    assert "EXEC Dial PJSIP/48225550000@trunk-operator,30" in placed.commands
    assert call.outcome.value == "external"
    assert call.external_number == "48225550000"


async def test_caller_hanging_up_in_the_menu_is_ivr_abandoned(database: Database) -> None:
    async with routed(database) as r:
        placed = await r.place(hang_up_in_get_data=0)
        call = await r.finished(placed)
        recorded = r.harness.recorded[0][1]
    assert call.outcome.value == "ivr_abandoned"
    assert call.route is not None and call.route.ended_by == "caller_hung_up"
    assert path_of(call)[-1] == ("powitanie", "next")
    assert placed.commands[-1].startswith("GET DATA")  # nothing sent after the hang-up
    assert recorded.ticket_priority == "P2"


async def test_outage_line_opens_a_p1_ticket(database: Database) -> None:
    async with routed(database) as r:
        gives_up = QueuePlan(answered_by=None, abandon_after=3)
        placed = await r.place(digits=("9",), queues=(gives_up,))
        call = await r.finished(placed)
        recorded = r.harness.recorded[0][1]
    assert "SET VARIABLE QUEUE_PRIO 20" in placed.commands
    assert call.outcome.value == "abandoned"
    assert recorded.ticket_priority == "P1"


async def test_fifty_concurrent_calls_on_one_connection(database: Database) -> None:
    async with routed(database) as r:
        # Rings for an hour of virtual time (36 s real): still ringing when the 49 end,
        # however slow the machine; the harness drops it at the end.
        long_wait = QueuePlan(answered_by="Agnieszka Wójcik", ring_seconds=3600, talk_seconds=5)
        slow = await r.place(digits=("2",), queues=(long_wait,))
        placed = [await r.place(number=f"48601{index:06d}", digits=(str(1 + index % 5),),
                                queues=(QueuePlan(answered_by="Agent", ring_seconds=1,
                                                  talk_seconds=2),))
                  for index in range(49)]
        calls = await asyncio.gather(*(r.finished(p) for p in placed))
        assert not slow.over  # the slow call is still ringing: it held up no one
    assert all(call.outcome.value == "answered" for call in calls)
    assert len({call.linkedid for call in calls}) == 49
    queues = {call.queue for call in calls}
    assert queues == {"sprzedaz", "posprzedaz", "reklamacje", "ksiegowosc", "wsparcie"}


async def test_a_published_change_applies_to_the_next_call(database: Database) -> None:
    async with routed(database) as r:
        first = await r.call(digits=("4",))
        changed = EXAMPLE.read_text(encoding="utf-8").replace(
            "    queue: ksiegowosc\n", "    queue: sprzedaz\n")  # accounting goes to sales
        graph = parse_graph(changed)
        await r.store.publish(graph.name, await r.store.save_draft(graph))
        await eventually(lambda: r.routing.book.routes[0].version == 2, timeout=5)
        second = await r.call(digits=("4",))
    assert (first.queue, first.route and first.route.version) == ("ksiegowosc", 1)
    assert (second.queue, second.route and second.route.version) == ("sprzedaz", 2)


async def test_unknown_did_is_handed_back_to_the_dialplan(database: Database) -> None:
    async with routed(database) as r:
        placed = await r.place(did="48229999999")
        call = await r.finished(placed)
    assert placed.commands == ["ASYNCAGI BREAK"]
    assert call.route is not None and call.route.ended_by == "no_route"


async def test_dropped_connection_keeps_the_path_and_the_ticket(database: Database) -> None:
    async with routed(database) as r:
        waiting = QueuePlan(answered_by="Agnieszka Wójcik", ring_seconds=150, talk_seconds=5)
        placed = await r.place(digits=("2",), queues=(waiting,))
        await eventually(lambda: any(c.startswith("EXEC Queue") for c in placed.commands))
        r.harness.server.drop_clients()  # the engine reconnects and resyncs
        call = await r.finished(placed)
    assert call.route is not None and call.route.ended_by == "connection_lost"
    assert path_of(call)[-1] == ("menu", "option 2")  # what was decided before the drop
    assert call.outcome.value == "answered"  # Asterisk kept the call; the tracker saw it


async def _add_vip(database: Database, number: str) -> None:
    from ccengine.config import TicketsConfig
    from ccengine.tickets.service import TicketService

    await TicketService(database, TicketsConfig()).add_customer(number, "VIP", vip=True)
