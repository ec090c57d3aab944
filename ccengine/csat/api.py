"""CSAT over HTTP: the customer's survey page and answer (public: the signed link is
the only key; counted per client address like logins), and the report."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from ccengine.csat import rules, service
from ccengine.csat.mailing import MailSettings, install
from ccengine.csat.schemas import SCHEMAS
from ccengine.routes.model import QUEUE_NAME
from ccengine.routes.walk import RouteResult
from ccengine.tickets.filters import viewer_of
from ccengine.users.models import HUMAN_ROLES, Role
from ccengine.users.ratelimit import LoginLimiter
from ccengine.web import body as bodies
from ccengine.web.auth import principal
from ccengine.web.endpoints import Endpoint, path_param, query
from ccengine.web.errors import InvalidParameter, Refusal, error_response
from ccengine.web.keys import ENGINE, config_of
from ccengine.web.pages import STATIC_DIR
from ccengine.web.params import DATABASE, moment_param

__all__ = ["ENDPOINTS", "SCHEMAS", "setup"]

READERS = HUMAN_ROLES | {Role.INTEGRATION}
DEFAULT_PERIOD = timedelta(days=30)
MAX_PERIOD = timedelta(days=366)
ANSWERS_PER_ADDRESS = 20  # tries per client address in LIMIT_WINDOW (a guesser's ceiling)
LIMIT_WINDOW = timedelta(minutes=5)
SECRET = web.AppKey("ccengine.csat_secret", str)
LIMITER = web.AppKey("ccengine.csat_limiter", LoginLimiter)

_REFUSALS: dict[type[rules.CsatError], tuple[int, str]] = {
    rules.BadToken: (404, "survey-not-found"),
    rules.ExpiredToken: (410, "survey-expired"),
    rules.SurveyUsed: (409, "survey-used"),
    rules.InvalidAnswer: (400, "invalid-answer"),
}


class CsatRefused(Refusal):
    TABLE = _REFUSALS


def _now() -> datetime:
    return datetime.now(UTC)


def setup(app: web.Application) -> None:
    app.router.add_get("/csat/{token}", survey_page)
    app.cleanup_ctx.append(_signing)


async def _signing(app: web.Application) -> AsyncIterator[None]:
    """The link secret (after the migration: this context starts after the database's),
    and the database's sessions told to survey resolved tickets."""
    config = config_of(app).csat
    database = app[DATABASE]
    app[SECRET] = await service.link_secret(database, config.secret, _now())
    app[LIMITER] = LoginLimiter(database, ANSWERS_PER_ADDRESS, LIMIT_WINDOW)
    _listen_to_calls(app)
    if config.email:
        install(database, MailSettings(
            secret=app[SECRET], public_url=config.public_url.rstrip("/"),
            link_for=timedelta(days=config.link_days),
            resend_after=timedelta(days=config.resend_after_days),
            off_queues=frozenset(config.email_off_queues)))
    yield


def _listen_to_calls(app: web.Application) -> None:
    """Scores keyed in after calls (a route graph's survey node) are kept."""
    engine = app.get(ENGINE)
    routing = engine.routing if engine is not None else None
    if routing is None:
        return
    database = app[DATABASE]

    async def keep(pbx: str, linkedid: str, result: RouteResult) -> None:
        await service.record_call_score(database, service.Keyed(
            pbx, linkedid, result.survey_score, result.queue), _now())

    routing.executor.on_survey = keep


async def survey_page(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "csat.html")


def _token(request: web.Request) -> str:
    return request.match_info["token"]


async def read(request: web.Request) -> web.Response:
    try:
        found = await service.open_survey(request.app[DATABASE], request.app[SECRET],
                                          _token(request), _now())
    except rules.CsatError as exc:
        raise CsatRefused(exc) from None
    return web.json_response({"ticket": found.ticket_number, "answered": found.answered})


async def answer(request: web.Request) -> web.Response:
    if not await request.app[LIMITER].attempt("csat-survey", request.remote or "unknown"):
        return error_response(429, "too-many-answers", "too many survey answers; try later")
    body = await bodies.json_object(request)
    try:
        score = rules.check_score(body.get("score"))
        comment = rules.check_comment(body.get("comment"))
        done = await service.answer(request.app[DATABASE], request.app[SECRET],
                                    _token(request), score, comment, _now())
    except rules.CsatError as exc:
        raise CsatRefused(exc) from None
    return web.json_response({"ticket": done.ticket_number, "answered": True})


async def report(request: web.Request) -> web.Response:
    end = moment_param(request, "to") or _now()
    start = moment_param(request, "from") or end - DEFAULT_PERIOD
    if not start < end or end - start > MAX_PERIOD:
        raise InvalidParameter("from", "must be before 'to', at most 366 days before it")
    who = principal(request)
    assert who is not None  # the roles let no anonymous request through
    queue = _queue(request)
    agent = request.query.get("agent") or None
    if agent is not None and len(agent) > 200:
        raise InvalidParameter("agent", "an agent's name is at most 200 characters")
    figures = await service.report(request.app[DATABASE], service.ReportAsk(
        start, end, queue, agent, viewer_of(who)))
    answer_: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat(),
                               "queue": queue, "agent": agent, **figures}
    return web.json_response(answer_)


def _queue(request: web.Request) -> str | None:
    raw = request.query.get("queue") or None
    if raw is not None and not QUEUE_NAME.match(raw):
        raise InvalidParameter("queue", "a queue name: a-z, 0-9, '_' and '-'")
    return raw


_TOKEN = path_param("token", "the survey link's signed token")
_MOMENT = {"type": "string", "format": "date-time"}

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/csat/{token}", read, frozenset(), public=True,
             summary="A survey link's ticket and whether it was answered (public; 404 "
                     "survey-not-found, 410 survey-expired)",
             parameters=[_TOKEN], result="CsatSurvey"),
    Endpoint("POST", "/api/v1/csat/{token}", answer, frozenset(), public=True,
             summary="Answer a survey once: score 1-5, an optional comment (stored "
                     "masked). 409 survey-used, 404 survey-not-found, 410 survey-expired, "
                     "429 too-many-answers", parameters=[_TOKEN], body="CsatAnswer",
             result="CsatSurvey"),
    Endpoint("GET", "/api/v1/reports/csat", report, READERS,
             "Satisfaction scores answered in [from, to) (default: the last 30 days) on the "
             "tickets you may see: average, count, distribution 1-5, by agent and by queue",
             parameters=[query("from", _MOMENT, "start"), query("to", _MOMENT, "end"),
                         query("queue", {"type": "string"}, "only this queue's"),
                         query("agent", {"type": "string"}, "only this agent's")],
             result="CsatReport"),
)
