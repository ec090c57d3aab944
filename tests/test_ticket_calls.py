"""Outbound calls from a ticket (issue 13, item 11): click-to-call the ticket's
customer over the simulated PBX (real AMI, SQLite and PostgreSQL); the attempt, the
finished call and how it went (answered, busy, no answer; talk time) are on the
ticket's history and calls list."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import aiohttp

from ccengine.agents import ticket_calls
from ccengine.calls.model import FinishedCall, Outcome, TimelineEntry
from ccengine.config import TicketsConfig
from ccengine.tickets.service import TicketService
from ccengine.users.models import Role
from tests.browser import Live
from tests.conftest import T0
from tests.test_agent_console import AGENT3, log_in
from tests.test_agent_console import sessions as sessions  # the fixture


def own_call(make_call: Callable[..., FinishedCall], action_id: str, status: str,
             talk: int | None) -> FinishedCall:
    """The Originate's call as the tracker records it: the agent's leg dialled the
    customer (DialEnd with Asterisk's DialStatus)."""
    dialled = TimelineEntry(T0 + timedelta(seconds=8), "dial_end",
                            {"number": "+48601111222", "status": status})
    return make_call(action_id, Outcome.EXTERNAL if status == "ANSWER" else Outcome.UNANSWERED,
                     caller_number="48601111222", queue=None, agent_name=None,
                     answered_at=None, talk_seconds=talk, external_number="+48601111222",
                     timeline=(TimelineEntry(T0, "start", {}), dialled))


async def test_an_agent_calls_the_customer_from_the_ticket_and_it_is_logged(
        live: Live, sessions: list[aiohttp.ClientSession],
        make_call: Callable[..., FinishedCall]) -> None:
    service = TicketService(live.database, TicketsConfig())
    [inbound] = await service.record_calls([make_call(
        "9.1", caller_number="48601111222", agent_name="Agnieszka Wójcik")])
    number = inbound.ticket_number
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    status, started = await agent.call("POST", f"/tickets/{number}/call")
    assert status == 200, started
    originate = live.server.members.originated[-1]
    assert (originate["Channel"], originate["Exten"]) == (AGENT3, "48601111222")
    assert originate["Variable"] == f"CCENGINE_TICKET={number}"

    call = own_call(make_call, originate["ActionID"], "ANSWER", 95)
    [recorded] = await service.record_calls([call])
    assert recorded.ticket_number == number, "the outbound call lands on its ticket"
    result = await ticket_calls.log_end(live.database, call, T0 + timedelta(minutes=3))
    assert result == ticket_calls.Ended("answered", 95)

    _, detail = await agent.call("GET", f"/tickets/{number}")
    notes = [a["body"] for a in detail["activities"] if a["kind"] == "note"]
    assert notes == ["Połączenie wychodzące do +48601111222",
                     "Połączenie wychodzące: answered, 1:35"]
    assert [c["outcome"] for c in detail["calls"]] == ["answered", "external"]


async def test_busy_and_unanswered_outbound_calls_and_refusals(
        live: Live, sessions: list[aiohttp.ClientSession],
        make_call: Callable[..., FinishedCall]) -> None:
    service = TicketService(live.database, TicketsConfig())
    [inbound, hidden, theirs] = await service.record_calls([
        make_call("9.2", caller_number="48601111222", agent_name="Agnieszka Wójcik"),
        make_call("9.3", caller_number=None, agent_name="Agnieszka Wójcik"),
        make_call("9.4", caller_number="48601111333", agent_name="Ewa Dąbrowska")])
    agent = await log_in(live, sessions, "agnieszka", Role.AGENT, AGENT3, "Agnieszka Wójcik")
    for number, want, error in ((hidden.ticket_number, 409, "no-number"),
                                (theirs.ticket_number, 404, "ticket-not-found"),
                                ("TK-0", 404, "ticket-not-found")):
        status, answer = await agent.call("POST", f"/tickets/{number}/call")
        assert (status, answer["error"]) == (want, error), number

    for status_word, outcome in (("BUSY", "busy"), ("NOANSWER", "no_answer")):
        status, started = await agent.call("POST", f"/tickets/{inbound.ticket_number}/call")
        assert status == 200, started
        call = own_call(make_call, live.server.members.originated[-1]["ActionID"],
                        status_word, None)
        await service.record_calls([call])
        assert await ticket_calls.log_end(live.database, call, T0) == ticket_calls.Ended(
            outcome, None)
    _, detail = await agent.call("GET", f"/tickets/{inbound.ticket_number}")
    ends = [a["body"] for a in detail["activities"] if (a["data"] or {}).get("outbound")
            and a["data"]["outbound"] != "started"]
    assert ends == ["Połączenie wychodzące: busy", "Połączenie wychodzące: no_answer"]
    assert detail["ticket"]["status"] == "in_progress", "a call logs, it decides nothing"
