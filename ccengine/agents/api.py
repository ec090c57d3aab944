"""Agent console API: queue login, pauses, wrap-up; and the console's setup (the
callbacks and click-to-call are in ``callbacks_api``).

Every action on the PBX goes over the engine's AMI connection; a PBX that is
not connected answers 503 ``pbx-unavailable``, one that refuses 502
``pbx-refused`` (with Asterisk's own words), never a 500.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from ccengine.agents.console import AgentConsole
from ccengine.agents.delivery import TOPIC
from ccengine.agents.directory import Seat
from ccengine.agents.pbx import AgentPbx, ConsoleError, queues_of
from ccengine.agents.pop import Pop, PopState, seen_by
from ccengine.agents.schemas import SCHEMAS
from ccengine.agents.wrapup import WrappedCall, write_wrap_up
from ccengine.config import AgentsConfig, TicketsConfig
from ccengine.dispositions import api as dispositions_api
from ccengine.dispositions.rules import DispositionError, DispositionRequired
from ccengine.tickets.enums import TicketStatus
from ccengine.users import service as users
from ccengine.users.models import Role
from ccengine.users.service import Principal
from ccengine.web import body as bodies
from ccengine.web.auth import principal
from ccengine.web.endpoints import Endpoint
from ccengine.web.hub import setup_hub
from ccengine.web.keys import CONFIG, ENGINE
from ccengine.web.params import DATABASE
from ccengine.web.tickets_api import viewer_of

AGENTS = frozenset({Role.AGENT, Role.PRIVILEGED_AGENT})
READERS = AGENTS | {Role.ADMIN}
CONSOLE = web.AppKey("ccengine.agent_console", AgentConsole)
PBX = web.AppKey("ccengine.agent_pbx", AgentPbx)  # set with CONSOLE

__all__ = ["CONSOLE", "ENDPOINTS", "PBX", "SCHEMAS", "agent_seat", "console_of", "setup"]


def _now() -> datetime:
    return datetime.now(UTC)


def console_of(request: web.Request) -> AgentConsole:
    console = request.app.get(CONSOLE)
    if console is None:
        raise ConsoleError(503, "engine-unavailable", "the engine is not running here")
    return console


async def _seat(request: web.Request, console: AgentConsole) -> tuple[Principal, Seat | None]:
    who = principal(request)
    if who is None or who.user_id is None:
        raise ConsoleError(403, "not-a-user", "the agent console is for users, not tokens")
    user = await users.get_user(request.app[DATABASE], who.user_id)
    if user is None or not user.sip_interface:
        return who, None
    seat = Seat(user.id, user.login, user.display_name, user.sip_interface, user.role)
    console.directory.remember(seat)
    return who, seat


async def agent_seat(request: web.Request, console: AgentConsole) -> Seat:
    _, seat = await _seat(request, console)
    if seat is None:
        raise ConsoleError(409, "no-sip-interface", "your user has no SIP interface")
    return seat


# -- state ---------------------------------------------------------------------

async def state(request: web.Request) -> web.Response:
    console = console_of(request)
    _, seat = await _seat(request, console)
    config = console.config
    if seat is None:
        return web.json_response({"agent": None, "pop": None, "queues": [],
                                  "pause_reasons": list(config.pause_reasons)})
    return web.json_response({
        "agent": console.presence.view(seat.interface).as_json(),
        "pop": seen_by(console.pop_message(seat.interface), seat.viewer)["pop"],
        "pause_reasons": list(config.pause_reasons),
        "queues": [{"queue": q, "penalty": p} for q, p in queues_of(console, seat.interface)],
    })


# -- queues --------------------------------------------------------------------

async def login(request: web.Request) -> web.Response:
    console = console_of(request)
    body = await bodies.json_object(request)
    wanted = bodies.text_list(body, "queues")
    seat = await agent_seat(request, console)
    offered = dict(queues_of(console, seat.interface))
    if wanted is None:
        wanted = list(offered)
    unknown = [q for q in wanted if q not in offered]
    if unknown or not wanted:
        raise ConsoleError(400, "unknown-queue", f"not your queues: {unknown or 'none'}")
    await request.app[PBX].log_in(seat, {q: offered[q] for q in wanted})
    return _agent(console, seat)


async def pause(request: web.Request) -> web.Response:
    console = console_of(request)
    body = await bodies.json_object(request)
    reason = bodies.required_text(body, "reason", max_length=50)
    if reason not in console.config.pause_reasons:
        raise ConsoleError(400, "invalid-reason",
                           f"reason must be one of {list(console.config.pause_reasons)}")
    seat = await agent_seat(request, console)
    await request.app[PBX].pause(seat, reason)
    return _agent(console, seat)


async def resume(request: web.Request) -> web.Response:
    console = console_of(request)
    seat = await agent_seat(request, console)
    await request.app[PBX].pause(seat, None)
    return _agent(console, seat)


async def logout(request: web.Request) -> web.Response:
    console = console_of(request)
    seat = await agent_seat(request, console)
    await request.app[PBX].log_out(seat)
    return _agent(console, seat)


async def wrapup(request: web.Request) -> web.Response:
    """Only her own call's ticket; note and status in one transaction, so a refused
    status writes nothing and her retry does not note twice."""
    console = console_of(request)
    body = await bodies.json_object(request)
    number = bodies.text(body, "ticket", max_length=64)
    status = bodies.choice(body, "status", TicketStatus)
    note = bodies.text(body, "note")
    disposition = bodies.text(body, "disposition", max_length=40) or None
    who, seat = await _seat(request, console)
    if seat is None:
        raise ConsoleError(409, "no-sip-interface", "your user has no SIP interface")
    if (status or note or disposition) and not number:
        raise ConsoleError(400, "invalid-body", "a status, note or disposition needs the ticket")
    call = console.wrap_up_of(seat.interface, number) if number else None
    if not number:
        _refuse_skipping_disposition(console.pops.get(seat.interface))
    if number:
        if call is None:
            raise ConsoleError(409, "not-your-call", f"ticket {number} is not your call's")
        wrapped = WrappedCall(call.queue, call.linkedid, disposition, call.disposition_required)
        try:
            await write_wrap_up(request.app[DATABASE], number, status, note, seat.display_name,
                                viewer_of(who), _now(), call=wrapped)
        except DispositionError as exc:
            raise dispositions_api.refused(exc) from None
    await console.end_wrap_up(seat.interface, call)
    return _agent(console, seat)


def _refuse_skipping_disposition(current: Pop | None) -> None:
    """A wrap-up that names no ticket ends the current one unsaved: on a queue that
    requires a disposition that would skip it, so it is refused as a wrap-up without one."""
    if (current is not None and current.state is PopState.WRAP_UP
            and current.ticket is not None and current.disposition_required):
        raise dispositions_api.refused(DispositionRequired(
            "disposition", f"queue {current.queue} needs a disposition at wrap-up"))


def _agent(console: AgentConsole, seat: Seat) -> web.Response:
    return web.json_response(console.agent_message(seat.interface))


# -- the feature's wiring --------------------------------------------------------

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/agent/state", state, READERS,
             "The agent's state, current screen-pop, pause reasons and queues",
             result="AgentConsoleState"),
    Endpoint("POST", "/api/v1/agent/login", login, AGENTS,
             "Log in to queues (AMI QueueAdd with the tier penalty)",
             body="AgentLogin", result="AgentMessage"),
    Endpoint("POST", "/api/v1/agent/pause", pause, AGENTS,
             "Pause in every queue with a reason (AMI QueuePause)", body="AgentPause",
             result="AgentMessage"),
    Endpoint("POST", "/api/v1/agent/resume", resume, AGENTS, "End the pause",
             result="AgentMessage"),
    Endpoint("POST", "/api/v1/agent/logout", logout, AGENTS,
             "Log out of every queue (AMI QueueRemove)", result="AgentMessage"),
    Endpoint("POST", "/api/v1/agent/wrapup", wrapup, AGENTS,
             "End wrap-up, with a note and a status for the call's ticket",
             body="AgentWrapUp", result="AgentMessage"),
)


def setup(app: web.Application) -> None:
    """The console lives with the engine: without one (an API-only test) there is none."""
    hub = setup_hub(app)
    engine = app.get(ENGINE)
    if engine is None:
        return
    config = app.get(CONFIG)
    console = AgentConsole(app[DATABASE], config.tickets if config else TicketsConfig(),
                           config.agents if config else AgentsConfig(), hub, engine.routing)
    app[CONSOLE] = console
    app[PBX] = AgentPbx(engine, console)
    console.pauser = app[PBX].hold_for_wrap_up
    engine.on_event(console.on_event)
    engine.before_recording(console.settled)
    hub.topic(TOPIC, lambda who: _state_messages(console, who))
    # After the cleanup contexts (the database is migrated by then); stopped before them.
    app.on_startup.append(lambda _app: console.start())
    app.on_shutdown.append(lambda _app: console.stop())


async def _state_messages(console: AgentConsole, who: Principal) -> list[dict[str, Any]]:
    if who.user_id is None:
        return []
    user = await users.get_user(console.database, who.user_id)
    if user is None or not user.sip_interface:
        return []
    seat = Seat(user.id, user.login, user.display_name, user.sip_interface, user.role)
    console.directory.remember(seat)
    return [console.agent_message(seat.interface),
            seen_by(console.pop_message(seat.interface), seat.viewer)]
