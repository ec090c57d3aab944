"""Callbacks and click-to-call: the callback list, calling a customer back or from a
ticket (AMI Originate over the agent console's PBX), claims, schedules, outcomes and
voicemail; and following each originated call to its end.

Errors are the console's (``ConsoleError``): 409 when a callback is held or the agent
is busy, 503/502 when the PBX is away or refuses, never a 500.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from ccengine.agents import (
    callback_claims,
    callback_list,
    callback_voicemail,
    callbacks,
    ticket_calls,
)
from ccengine.agents.api import AGENTS, CONSOLE, PBX, READERS, agent_seat, console_of
from ccengine.agents.console import AgentConsole
from ccengine.agents.directory import Seat
from ccengine.agents.pbx import ConsoleError
from ccengine.agents.presence import AgentState
from ccengine.ami import events as ev
from ccengine.calls.model import FinishedCall, is_own_call
from ccengine.qa import recording
from ccengine.users.models import Role
from ccengine.users.service import Principal
from ccengine.web import body as bodies
from ccengine.web.auth import principal
from ccengine.web.endpoints import Endpoint, path_param
from ccengine.web.keys import ENGINE, TIMEZONE, config_of
from ccengine.web.params import DATABASE, checked_text
from ccengine.web.tickets_api import viewer_of

__all__ = ["ENDPOINTS", "SCHEMAS", "setup"]

SCHEMAS: dict[str, dict[str, object]] = {}  # the console's SCHEMAS name these bodies


def _now() -> datetime:
    return datetime.now(UTC)


async def list_callbacks(request: web.Request) -> web.Response:
    items = await callback_list.list_callbacks(request.app[DATABASE], viewer_of(_who(request)))
    return web.json_response({"items": items})


async def call_back(request: web.Request) -> web.Response:
    console = console_of(request)
    number = checked_text("number", request.match_info["number"])
    seat = await agent_seat(request, console)
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
    console = console_of(request)
    number = checked_text("number", request.match_info["number"])
    seat = await agent_seat(request, console)
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
    """Follows the calls the console originates (after the console's own setup)."""
    console = app.get(CONSOLE)
    engine = app.get(ENGINE)
    if console is None or engine is None:
        return
    console.on_originate.append(lambda event: _originated(console, event))
    engine.on_recorded(lambda call, _recorded: _own_call_ended(console, call))


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
