"""Agent console API: queue login, pauses, wrap-up, callbacks; and the console's setup.

Every action on the PBX goes over the engine's AMI connection; a PBX that is
not connected answers 503 ``pbx-unavailable``, one that refuses 502
``pbx-refused`` (with Asterisk's own words), never a 500.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ccengine.agents import (
    callback_claims,
    callback_list,
    callback_voicemail,
    callbacks,
    ticket_calls,
)
from ccengine.agents.console import AgentConsole
from ccengine.agents.delivery import TOPIC
from ccengine.agents.directory import Seat
from ccengine.agents.pbx import AgentPbx, ConsoleError, queues_of
from ccengine.agents.pop import seen_by
from ccengine.agents.presence import AgentState
from ccengine.agents.schemas import SCHEMAS
from ccengine.agents.wrapup import WrappedCall, write_wrap_up
from ccengine.ami import events as ev
from ccengine.calls.model import FinishedCall, is_own_call
from ccengine.config import AgentsConfig, TicketsConfig
from ccengine.dispositions import api as dispositions_api
from ccengine.dispositions.rules import DispositionError
from ccengine.qa import recording
from ccengine.tickets.enums import TicketStatus
from ccengine.users import service as users
from ccengine.users.models import Role
from ccengine.users.service import Principal
from ccengine.web import body as bodies
from ccengine.web.auth import principal
from ccengine.web.endpoints import Endpoint, path_param
from ccengine.web.hub import setup_hub
from ccengine.web.keys import CONFIG, ENGINE, TIMEZONE, config_of
from ccengine.web.params import DATABASE, checked_text
from ccengine.web.tickets_api import viewer_of

AGENTS = frozenset({Role.AGENT, Role.PRIVILEGED_AGENT})
READERS = AGENTS | {Role.ADMIN}
CONSOLE = web.AppKey("ccengine.agent_console", AgentConsole)
PBX = web.AppKey("ccengine.agent_pbx", AgentPbx)  # set with CONSOLE

__all__ = ["CONSOLE", "ENDPOINTS", "SCHEMAS", "setup"]


def _now() -> datetime:
    return datetime.now(UTC)


def _console(request: web.Request) -> AgentConsole:
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


async def _agent_seat(request: web.Request, console: AgentConsole) -> Seat:
    _, seat = await _seat(request, console)
    if seat is None:
        raise ConsoleError(409, "no-sip-interface", "your user has no SIP interface")
    return seat


# -- state ---------------------------------------------------------------------

async def state(request: web.Request) -> web.Response:
    console = _console(request)
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
    console = _console(request)
    body = await bodies.json_object(request)
    wanted = bodies.text_list(body, "queues")
    seat = await _agent_seat(request, console)
    offered = dict(queues_of(console, seat.interface))
    if wanted is None:
        wanted = list(offered)
    unknown = [q for q in wanted if q not in offered]
    if unknown or not wanted:
        raise ConsoleError(400, "unknown-queue", f"not your queues: {unknown or 'none'}")
    await request.app[PBX].log_in(seat, {q: offered[q] for q in wanted})
    return _agent(console, seat)


async def pause(request: web.Request) -> web.Response:
    console = _console(request)
    body = await bodies.json_object(request)
    reason = bodies.required_text(body, "reason", max_length=50)
    if reason not in console.config.pause_reasons:
        raise ConsoleError(400, "invalid-reason",
                           f"reason must be one of {list(console.config.pause_reasons)}")
    seat = await _agent_seat(request, console)
    await request.app[PBX].pause(seat, reason)
    return _agent(console, seat)


async def resume(request: web.Request) -> web.Response:
    console = _console(request)
    seat = await _agent_seat(request, console)
    await request.app[PBX].pause(seat, None)
    return _agent(console, seat)


async def logout(request: web.Request) -> web.Response:
    console = _console(request)
    seat = await _agent_seat(request, console)
    await request.app[PBX].log_out(seat)
    return _agent(console, seat)


async def wrapup(request: web.Request) -> web.Response:
    """Only her own call's ticket; note and status in one transaction, so a refused
    status writes nothing and her retry does not note twice."""
    console = _console(request)
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


def _agent(console: AgentConsole, seat: Seat) -> web.Response:
    return web.json_response(console.agent_message(seat.interface))


# -- callbacks -----------------------------------------------------------------

async def list_callbacks(request: web.Request) -> web.Response:
    items = await callback_list.list_callbacks(request.app[DATABASE], viewer_of(_who(request)))
    return web.json_response({"items": items})


async def call_back(request: web.Request) -> web.Response:
    console = _console(request)
    number = checked_text("number", request.match_info["number"])
    seat = await _agent_seat(request, console)
    _free_to_call(console, seat)
    pbx = request.app[PBX]
    who = _who(request)
    try:
        target = await callbacks.target_of(request.app[DATABASE], number, viewer_of(who))
        # Ringing a customer is holding her callback: two agents must not call at once.
        await callback_claims.claim(request.app[DATABASE], number, who.display_name,
                                    viewer_of(who), _now())
    except callbacks.CallbackError as exc:
        raise ConsoleError(409, exc.error, str(exc)) from None
    attempt = await pbx.call_back(seat, target, number)
    return web.json_response({"attempt": attempt})


async def call_customer(request: web.Request) -> web.Response:
    """Click-to-call from a ticket's page: the attempt and the call land on the ticket."""
    console = _console(request)
    number = checked_text("number", request.match_info["number"])
    seat = await _agent_seat(request, console)
    _free_to_call(console, seat)
    try:
        target = await ticket_calls.target_of(request.app[DATABASE], number,
                                              viewer_of(_who(request)))
    except callbacks.CallbackError as exc:
        raise ConsoleError(409, exc.error, str(exc)) from None
    attempt = await request.app[PBX].call_back(seat, target, number, outbound=True)
    return web.json_response({"attempt": attempt})


async def outcome(request: web.Request) -> web.Response:
    number = checked_text("number", request.match_info["number"])
    body = await bodies.json_object(request)
    attempt = bodies.integer(body, "attempt", required=True, minimum=1)
    result = bodies.choice(body, "outcome", callbacks.Outcome, required=True)
    note = bodies.text(body, "note")
    who = _who(request)
    assert attempt is not None and result is not None
    try:
        reporter = callbacks.Reporter(who.user_id, who.display_name, viewer_of(who),
                                      admin=who.role is Role.ADMIN)
        counted = config_of(request.app).tickets.first_response
        recorded = await callbacks.record_outcome(request.app[DATABASE], number, attempt,
                                                  result, note, reporter, _now(), counted)
    except callbacks.CallbackError as exc:
        raise ConsoleError(_CALLBACK_STATUS.get(exc.error, 409), exc.error, str(exc)) from None
    return web.json_response({"attempt": recorded})


async def claim(request: web.Request) -> web.Response:
    number = checked_text("number", request.match_info["number"])
    who = _who(request)
    try:
        holder = await callback_claims.claim(request.app[DATABASE], number, who.display_name,
                                             viewer_of(who), _now())
    except callbacks.CallbackError as exc:
        raise ConsoleError(409, exc.error, str(exc)) from None
    return web.json_response({"holder": holder})


async def schedule(request: web.Request) -> web.Response:
    number = checked_text("number", request.match_info["number"])
    body = await bodies.json_object(request)
    when = _callback_time(bodies.text(body, "at", max_length=40),
                          ZoneInfo(request.app[TIMEZONE]))
    who = _who(request)
    try:
        await callback_claims.schedule(request.app[DATABASE], number, when, who.display_name,
                                       viewer_of(who), _now())
    except callbacks.CallbackError as exc:
        raise ConsoleError(409, exc.error, str(exc)) from None
    return web.json_response({"scheduled_at": when.isoformat() if when else None})


async def voicemail(request: web.Request) -> web.StreamResponse:
    """The callback's voicemail, as a call recording is played: only redacted."""
    number = checked_text("number", request.match_info["number"])
    try:
        path = await callback_voicemail.playable_voicemail(
            request.app[DATABASE], number, viewer_of(_who(request)),
            recording.recordings_roots(request.app))
    except callback_voicemail.NoVoicemail:
        raise ConsoleError(404, "voicemail-not-found",
                           f"ticket {number} has no voicemail that can be played") from None
    except callback_voicemail.NotRedacted:
        raise ConsoleError(409, "recording-not-redacted",
                           f"the voicemail of ticket {number} is not transcribed and "
                           "redacted yet") from None
    content_type = recording.AUDIO_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return web.FileResponse(path, headers={**recording.HEADERS, "Content-Type": content_type})


def _callback_time(text: str | None, zone: ZoneInfo) -> datetime | None:
    """ISO 8601; without an offset, in the contact center's zone (as the pages show)."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise bodies.InvalidBody("at", "an ISO 8601 time, e.g. 2026-11-23T15:00") from None
    return when if when.tzinfo else when.replace(tzinfo=zone)


def _free_to_call(console: AgentConsole, seat: Seat) -> None:
    """Click-to-call rings her phone: not while she wraps up, rings or talks."""
    state = console.presence.view(seat.interface).state
    if state is AgentState.WRAP_UP:
        raise ConsoleError(409, "in-wrap-up",
                           "finish the wrap-up of your last call before calling back")
    if state in (AgentState.RINGING, AgentState.IN_CALL):
        raise ConsoleError(409, "on-a-call", "you are on a call; call back after it")


_CALLBACK_STATUS = {"attempt-not-found": 404, "not-your-attempt": 403}


def _who(request: web.Request) -> Principal:
    who = principal(request)
    assert who is not None  # the endpoint's roles let no anonymous request through
    return who


# -- the feature's wiring --------------------------------------------------------

_NUMBER = path_param("number", "the callback ticket's number, e.g. TK-2026-000042")

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
    Endpoint("GET", "/api/v1/callbacks", list_callbacks, READERS,
             "Callback tickets not closed, with their attempts", result="CallbackList"),
    Endpoint("POST", "/api/v1/callbacks/{number}/call", call_back, AGENTS,
             "Click-to-call: claims the callback (409 callback-held if another agent "
             "has it), then the agent's phone, then the customer (AMI Originate)",
             parameters=[_NUMBER], result="CallbackStarted"),
    Endpoint("POST", "/api/v1/tickets/{number}/call", call_customer, AGENTS,
             "Click-to-call the ticket's customer (the agent's phone, then the customer; "
             "AMI Originate): logged on the ticket with its outcome when it ends "
             "(409 no-number without a customer phone)",
             parameters=[path_param("number", "the ticket's number")],
             result="CallbackStarted"),
    Endpoint("POST", "/api/v1/callbacks/{number}/claim", claim, AGENTS,
             "Take a callback (one agent at a time; 409 callback-held names who has it)",
             parameters=[_NUMBER], result="CallbackClaimed"),
    Endpoint("POST", "/api/v1/callbacks/{number}/schedule", schedule, AGENTS,
             "When to call back ({\"at\": ISO time, or null: no time agreed})",
             parameters=[_NUMBER], body="CallbackSchedule", result="CallbackScheduled"),
    Endpoint("GET", "/api/v1/callbacks/{number}/voicemail", voicemail, READERS,
             "The callback's voicemail (audio, Range requests; 409 recording-not-redacted "
             "until transcribed and silenced)", parameters=[_NUMBER], result="Recording"),
    Endpoint("POST", "/api/v1/callbacks/{number}/outcome", outcome, AGENTS,
             "Record how a callback attempt went", parameters=[_NUMBER],
             body="CallbackOutcome", result="CallbackRecorded"),
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
    console.on_originate.append(lambda event: _originated(console, event))
    engine.on_recorded(lambda call, _recorded: _own_call_ended(console, call))
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


def _originated(console: AgentConsole, event: ev.OriginateResult) -> None:
    if event.action_id.startswith(callbacks.ACTION_PREFIX):
        console.spawn(_agent_leg(console, event))


def _own_call_ended(console: AgentConsole, call: FinishedCall) -> None:
    if is_own_call(call.linkedid):
        console.spawn(_log_end(console, call))


async def _log_end(console: AgentConsole, call: FinishedCall) -> None:
    await ticket_calls.log_end(console.database, call, console.clock())


async def _agent_leg(console: AgentConsole, event: ev.OriginateResult) -> None:
    attempt = await callbacks.agent_leg(console.database, event.action_id, event.success,
                                        console.clock())
    if attempt is not None:
        console.publish(attempt.interface, {"type": "callback",
                                            "attempt": callbacks.attempt_json(attempt)})
