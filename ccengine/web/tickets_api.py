"""Ticket workspace API: list with filters, ticket view, status, priority, assignee, notes.

What a person may see follows ``tickets.filters``: a plain agent sees their own
tickets and the queue's open unassigned ones; another agent's ticket is, to
them, not found (404), never forbidden, so its number tells them nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.automation.service import time_in_status_of
from ccengine.mail.views import messages_of_ticket
from ccengine.qa.views import recording_url
from ccengine.ticket_fields.body import FIELD_NAMES, field_changes
from ccengine.ticket_fields.list_params import FIELD_LIST_PARAMETERS, field_filter
from ccengine.ticket_fields.reads import list_fields, ticket_fields
from ccengine.ticket_fields.view_apply import with_view
from ccengine.tickets import queries
from ccengine.tickets.enums import Priority, TicketStatus
from ccengine.tickets.filters import EVERYONE, MAX_WORDS, TicketFilter, Viewer, caller_key
from ccengine.tickets.filters import viewer_of as viewer_of  # agents.api imports it here
from ccengine.tickets.models import Ticket
from ccengine.tickets.relations_reads import survivor_of, ticket_ties
from ccengine.tickets.search_params import SEARCH_PARAMETERS, search_of
from ccengine.tickets.service import TicketChanges, TicketService
from ccengine.tickets.views import CallView, TicketDetail, to_json, without_server_paths
from ccengine.transcribe.channel_mask import recording_playable
from ccengine.transcribe.storage_models import Transcript
from ccengine.users.models import Role
from ccengine.users.service import Principal
from ccengine.web.auth import principal
from ccengine.web.body import InvalidBody, boolean, choice, json_object, required_text, text
from ccengine.web.endpoints import PAGING, Endpoint, path_param, query
from ccengine.web.errors import InvalidParameter, Unauthorized
from ccengine.web.keys import config_of
from ccengine.web.params import (
    DATABASE,
    REGION,
    checked_text,
    moment_param,
    optional,
    paging,
    text_param,
    yes_no,
)
from ccengine.web.tickets_schemas import MAX_NOTE, PRIORITIES, SCHEMAS, STATUSES
from ccengine.web.tickets_sla import SLA_PARAMETERS, now_of, sla_filter, sla_reader, sort_of

__all__ = ["ENDPOINTS", "SCHEMAS"]

READERS = frozenset({Role.ADMIN, Role.AGENT, Role.PRIVILEGED_AGENT, Role.QA_LEAD,
                     Role.INTEGRATION})
EDITORS = frozenset({Role.ADMIN, Role.AGENT, Role.PRIVILEGED_AGENT})
NOTE_WRITERS = EDITORS | {Role.INTEGRATION}  # a CRM logs what happened on its side
ME, NOBODY = "me", "none"  # the assignee filter's words for oneself and for no one
MAX_SEARCH = 200


def _who(request: web.Request) -> Principal:
    who = principal(request)
    if who is None:  # the auth middleware lets no one without a principal through
        raise Unauthorized()
    return who


def _filters(request: web.Request, who: Principal, now: datetime) -> TicketFilter:
    assignee = text_param(request, "assignee")
    return TicketFilter(
        status=optional(request, "status", TicketStatus),
        queue=text_param(request, "queue"),
        priority=optional(request, "priority", Priority),
        assignee=who.display_name if assignee == ME else (
            None if assignee == NOBODY else assignee),
        unassigned=assignee == NOBODY,
        caller=caller_key(text_param(request, "caller"), request.app[REGION]),
        text=_search(request),
        sla=sla_filter(request, now),
        snoozed=_snoozed(request),
        updated_since=moment_param(request, "updated_since"),
        search=search_of(request),
    )


def _snoozed(request: web.Request) -> bool | None:
    """Snoozed tickets are hidden unless asked for: ``true`` only them, ``all`` both."""
    raw = request.query.get("snoozed")
    return None if raw == "all" else (optional(request, "snoozed", yes_no) or False)


def _search(request: web.Request) -> str | None:
    words = text_param(request, "text")
    if words is not None and (len(words) > MAX_SEARCH or len(words.split()) > MAX_WORDS):
        raise InvalidParameter("text", f"at most {MAX_WORDS} words, {MAX_SEARCH} characters")
    return words


async def list_tickets(request: web.Request) -> web.Response:
    who = _who(request)
    request = await with_view(request, who)  # ?view=: a saved view's query and sort
    now = now_of(request)
    filters = list_filters(request, who, now)
    page, per_page = paging(request)
    sort = sort_of(request)
    async with request.app[DATABASE].sessions() as session:
        filters = replace(filters, fields=await field_filter(request, session, who))
        sla_of = await sla_reader(request, session, now)
        found = await queries.find_tickets(session, filters, viewer=viewer_of(who),
                                           page=page, per_page=per_page, sort=sort,
                                           sla_of=sla_of)
        fields = await list_fields(session, [item.number for item in found.items])
    body = to_json(found)
    for item in body["items"]:
        item.update(fields.get(item["number"], {}))
    return web.json_response(body)


def list_filters(request: web.Request, who: Principal, now: datetime) -> TicketFilter:
    """The list's filters but the field ones (``field_filter`` reads those with a session);
    a saved view's query is checked with it."""
    return _filters(request, who, now)


def _number(request: web.Request) -> str:
    return checked_text("number", request.match_info["number"])


async def _detail(request: web.Request, number: str, viewer: Viewer,
                  ties_viewer: Viewer | None = None,
                  merged_from: str | None = None) -> web.Response:
    """The ticket as ``viewer`` may see it; its merges and links as ``ties_viewer``
    (by default the same) may see the other tickets."""
    async with request.app[DATABASE].sessions() as session:
        sla_of = await sla_reader(request, session, now_of(request))
        detail = await queries.get_ticket(session, number, viewer, sla_of)
        redacted = await _redacted(session, [call.id for call in detail.calls])
        ties = await ticket_ties(session, number, ties_viewer or viewer)
        fields = await ticket_fields(session, detail.ticket.number)
        stays = await _time_in_status(request, session, detail.ticket.number)
        mail = await messages_of_ticket(session, detail.ticket.number)
    body = {**detail_json(detail), **ties, "merged_from": merged_from, **fields,
            "time_in_status": stays}
    for entry in body["timeline"]:  # e-mail entries carry their message
        entry["mail"] = mail.get(entry["data"].get("mail_message_id") or 0)
    for call in [*body["calls"], *(entry["call"] for entry in body["timeline"] if entry["call"])]:
        call["recording_state"] = recording_state(call, redacted)
    return web.json_response(body)


async def _time_in_status(request: web.Request, session: AsyncSession,
                          number: str) -> dict[str, Any] | None:
    """The ticket's time in each status (automation keeps the stays), as the
    ``/time-in-status`` endpoint answers it; the ticket was checked visible already."""
    ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None:
        return None
    return (await time_in_status_of(session, ticket, now_of(request))).as_json()


async def _redacted(session: AsyncSession, call_ids: list[int]) -> dict[int, bool]:
    """Per call with a transcript: whether its recording may be played (redacted, proven)."""
    if not call_ids:
        return {}
    rows = await session.execute(
        select(Transcript.call_id, Transcript.audio_redacted, Transcript.flags)
        .where(Transcript.call_id.in_(call_ids)))
    return {call_id: recording_playable(done, flags) for call_id, done, flags in rows}


def recording_state(call: dict[str, Any], redacted: dict[int, bool]) -> str:
    """Why a call's recording can (not) be played: ``none`` (not recorded),
    ``not_redacted`` (not yet transcribed and redacted: the server refuses it) or
    ``ready``; the page shows a player only when ready, and says why otherwise."""
    if not call.get("recording_url"):
        return "none"
    return "ready" if redacted.get(call["id"]) else "not_redacted"


async def show_ticket(request: web.Request) -> web.Response:
    """A merged number answers its survivor, with ``merged_from`` the number asked:
    old links, printed numbers and an integrator's stored ids keep working."""
    number = _number(request)
    async with request.app[DATABASE].sessions() as session:
        survivor = await survivor_of(session, number)
    if survivor is None:
        return await _detail(request, number, viewer_of(_who(request)))
    return await _detail(request, survivor, viewer_of(_who(request)), merged_from=number)


async def ticket_response(request: web.Request, number: str, status: int = 200) -> web.Response:
    """The ticket ``number`` as ``GET /api/v1/tickets/{number}`` answers it (for the
    writers that answer with the ticket they made)."""
    response = await _detail(request, number, viewer_of(_who(request)))
    response.set_status(status)
    return response


def call_json(call: CallView) -> dict[str, Any]:
    """The call with where the QA side serves its recording, for a call that was
    recorded; where the file lies on the server is never said."""
    return {**without_server_paths(to_json(call)),
            "recording_url": recording_url(call.id) if call.recording_file else None}


def detail_json(detail: TicketDetail) -> dict[str, Any]:
    body: dict[str, Any] = without_server_paths(to_json(detail))
    body["calls"] = [call_json(call) for call in detail.calls]
    body["timeline"] = [{**to_json(entry), "call": call_json(entry.call) if entry.call else None}
                        for entry in detail.timeline]
    return body


def _service(request: web.Request) -> TicketService:
    # Editing reads no ticket settings; an app built for a test has no CONFIG.
    return TicketService(request.app[DATABASE], config_of(request.app).tickets)


async def _changes(request: web.Request, who: Principal) -> TicketChanges:
    body = await json_object(request)
    _only(body, {"status", "priority", "assignee", "queue"} | FIELD_NAMES)
    reassign = "assignee" in body
    assignee = text(body, "assignee", max_length=200, allow_empty=False)
    changes = TicketChanges(status=choice(body, "status", TicketStatus),
                            priority=choice(body, "priority", Priority),
                            assignee=await checked_assignee(request, who, assignee),
                            reassign=reassign,
                            queue=text(body, "queue", max_length=100, allow_empty=False),
                            fields=field_changes(body))
    if changes.empty:
        raise InvalidBody("", "give at least one of status, priority, assignee, queue, "
                              "title, description, category, tags, custom_fields")
    return changes


def _only(body: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(set(body) - known)
    if unknown:
        raise InvalidBody(unknown[0], f"unknown field; expected {', '.join(sorted(known))}")


async def checked_assignee(request: web.Request, who: Principal,
                           name: str | None) -> str | None:
    """The display name to assign, checked against the people who take tickets."""
    if name is None:
        return None
    wanted = who.display_name if name == ME else name
    async with request.app[DATABASE].sessions() as session:
        people = await queries.assignees(session)
    if wanted not in {person.display_name for person in people}:
        raise InvalidBody("assignee", "not someone who takes tickets (see /api/v1/assignees)")
    return wanted


async def update_ticket(request: web.Request) -> web.Response:
    who = _who(request)
    number = _number(request)
    changes = await _changes(request, who)
    await _service(request).update(number, changes, who.display_name, viewer_of(who))
    # The editor may have given the ticket away; the answer still shows the result.
    return await _detail(request, number, EVERYONE, ties_viewer=viewer_of(who))


async def add_note(request: web.Request) -> web.Response:
    who = _who(request)
    number = _number(request)
    body = await json_object(request)
    _only(body, {"body", "public"})
    note = required_text(body, "body", max_length=MAX_NOTE)
    public = boolean(body, "public", default=False)
    activity = await _service(request).add_note(number, note, who.display_name, viewer_of(who),
                                                public=public)
    return web.json_response(to_json(activity))


async def list_assignees(request: web.Request) -> web.Response:
    async with request.app[DATABASE].sessions() as session:
        people = await queries.assignees(session)
    return web.json_response({"items": to_json(people)})


NUMBER = path_param("number", "ticket number, e.g. TK-2026-000001")

LIST_PARAMETERS = [
    query("status", {"type": "string", "enum": STATUSES}, "only tickets in this status"),
    query("queue", {"type": "string"}, "only tickets of this queue"),
    query("priority", {"type": "string", "enum": PRIORITIES}, "only tickets of this priority"),
    query("assignee", {"type": "string"},
          "a display name, \"me\" (the asker's tickets) or \"none\" (unassigned ones)"),
    query("caller", {"type": "string"}, "the caller's phone number, in any format"),
    query("snoozed", {"type": "string", "enum": ["false", "true", "all"]},
          "snoozed tickets: hidden (false, the default), only they (true), or all"),
    query("text", {"type": "string", "maxLength": MAX_SEARCH},
          f"words (at most {MAX_WORDS}) each found in the number, title, caller's name, "
          "description or a note, ignoring case"),
    *SEARCH_PARAMETERS,
    *SLA_PARAMETERS,
    *FIELD_LIST_PARAMETERS,
    *PAGING,
]

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/tickets", list_tickets, READERS,
             summary="List the tickets the asker may see, newest first unless sorted",
             parameters=LIST_PARAMETERS, result="TicketPage"),
    Endpoint("GET", "/api/v1/tickets/{number}", show_ticket, READERS,
             summary="One ticket with its customer and its timeline (calls, recordings, "
                     "masked transcripts, notes, changes)",
             parameters=[NUMBER], result="TicketDetail"),
    Endpoint("PATCH", "/api/v1/tickets/{number}", update_ticket, EDITORS,
             summary="Change status, priority, assignee, queue, title, description, "
                     "category, tags and/or custom fields (each change is logged)",
             parameters=[NUMBER], body="TicketChanges", result="TicketDetail"),
    Endpoint("POST", "/api/v1/tickets/{number}/notes", add_note, NOTE_WRITERS,
             summary="Add a note to a ticket (a public one is a reply to the customer)",
             parameters=[NUMBER], body="NewNote",
             result="Activity"),
    Endpoint("GET", "/api/v1/assignees", list_assignees, READERS,
             summary="The people tickets can be assigned to", result="Assignees"),
)
