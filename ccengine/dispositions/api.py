"""Dispositions over HTTP: everyone signed in reads them (the wrap-up form lists
them), admins add and edit them, and the report counts the ones chosen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from ccengine.dispositions import rules, service
from ccengine.dispositions.schemas import SCHEMAS
from ccengine.routes.model import QUEUE_NAME
from ccengine.tickets.filters import viewer_of
from ccengine.users.models import HUMAN_ROLES, Role
from ccengine.web import body as bodies
from ccengine.web.auth import principal
from ccengine.web.endpoints import Endpoint, path_param, query
from ccengine.web.errors import InvalidParameter, Refusal
from ccengine.web.params import DATABASE, checked_text, moment_param, optional, yes_no

__all__ = ["ENDPOINTS", "SCHEMAS", "refused"]

READERS = HUMAN_ROLES | {Role.INTEGRATION}
ADMINS = frozenset({Role.ADMIN})
DEFAULT_PERIOD = timedelta(days=1)
MAX_PERIOD = timedelta(days=366)

# Each domain refusal: its status and stable id (the field rides along).
_REFUSALS: dict[type[rules.DispositionError], tuple[int, str]] = {
    rules.InvalidDisposition: (400, "invalid-disposition"),
    rules.DispositionExists: (409, "disposition-exists"),
    rules.DispositionNotFound: (404, "disposition-not-found"),
    rules.UnknownDisposition: (400, "unknown-disposition"),
    rules.DispositionRequired: (400, "disposition-required"),
}


class DispositionRefused(Refusal):
    TABLE = _REFUSALS


def refused(exc: rules.DispositionError) -> DispositionRefused:
    return DispositionRefused(exc)


def _now() -> datetime:
    return datetime.now(UTC)


def _queue(raw: str | None, name: str = "queue") -> str | None:
    if raw and not QUEUE_NAME.match(raw):
        raise bodies.InvalidBody(name, "a queue name: a-z, 0-9, '_' and '-'")
    return raw


async def list_all(request: web.Request) -> web.Response:
    queue = _query_queue(request)
    active = optional(request, "active", yes_no) or False
    items = await service.list_dispositions(request.app[DATABASE], queue, active)
    return web.json_response({"items": items})


async def create(request: web.Request) -> web.Response:
    body = await bodies.json_object(request)
    code = bodies.required_text(body, "code", max_length=40)
    label_pl = bodies.required_text(body, "label_pl", max_length=100)
    label_en = bodies.required_text(body, "label_en", max_length=100)
    queue = _queue(bodies.text(body, "queue", max_length=100))
    try:
        made = await service.create(request.app[DATABASE], code, label_pl, label_en, queue,
                                    _now())
    except rules.DispositionError as exc:
        raise refused(exc) from None
    return web.json_response(made, status=201)


async def edit(request: web.Request) -> web.Response:
    body = await bodies.json_object(request)
    change = service.Edit(label_pl=bodies.text(body, "label_pl", max_length=100),
                          label_en=bodies.text(body, "label_en", max_length=100),
                          active=bodies.boolean(body, "active", False) if "active" in body
                          else None,
                          queue=_edited_queue(body))
    try:
        code = checked_text("code", request.match_info["code"])
        changed = await service.update(request.app[DATABASE], code, change, _now())
    except rules.DispositionError as exc:
        raise refused(exc) from None
    return web.json_response(changed)


def _edited_queue(body: dict[str, object]) -> str | None:
    """None: not asked to change; "" (or null): every queue from now on."""
    if "queue" not in body:
        return None
    return _queue(bodies.text(body, "queue", max_length=100)) or ""


async def report(request: web.Request) -> web.Response:
    end = moment_param(request, "to") or _now()
    start = moment_param(request, "from") or end - DEFAULT_PERIOD
    if not start < end or end - start > MAX_PERIOD:
        raise InvalidParameter("from", "must be before 'to', at most 366 days before it")
    who = principal(request)
    assert who is not None  # the roles let no anonymous request through
    queue = _query_queue(request)
    items = await service.report(request.app[DATABASE],
                                 service.ReportAsk(start, end, queue, viewer_of(who)))
    return web.json_response({"from": start.isoformat(), "to": end.isoformat(),
                              "queue": queue, "items": items})


def _query_queue(request: web.Request) -> str | None:
    raw = request.query.get("queue") or None
    if raw is not None and not QUEUE_NAME.match(raw):
        raise InvalidParameter("queue", "a queue name: a-z, 0-9, '_' and '-'")
    return raw


_CODE = path_param("code", "the disposition's code, e.g. sold")
_QUEUE = query("queue", {"type": "string"}, "only this queue's (and every queue's)")

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/dispositions", list_all, READERS,
             "Dispositions (wrap-up reason codes) by code; ?queue= those offered there, "
             "?active=true only active ones", result="DispositionList",
             parameters=[_QUEUE, query("active", {"type": "boolean"}, "only active ones")]),
    Endpoint("POST", "/api/v1/dispositions", create, ADMINS,
             "Add a disposition (409 disposition-exists; 400 invalid-disposition names "
             "the field)", body="DispositionNew", result="Disposition"),
    Endpoint("PATCH", "/api/v1/dispositions/{code}", edit, ADMINS,
             "Change a disposition's labels, queue or active flag (never deleted: past "
             "wrap-ups point at it)", parameters=[_CODE], body="DispositionEdit",
             result="Disposition"),
    Endpoint("GET", "/api/v1/reports/dispositions", report, READERS,
             "Dispositions chosen at wrap-up in [from, to) (default: the last day), "
             "counted per code and queue, on the tickets you may see",
             parameters=[query("from", {"type": "string", "format": "date-time"}, "start"),
                         query("to", {"type": "string", "format": "date-time"}, "end"),
                         _QUEUE],
             result="DispositionReport"),
)
