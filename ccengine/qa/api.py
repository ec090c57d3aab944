"""QA review API: calls with filters, the call view, scores, the flagged queue.

QA leads and admins review; privileged agents may read (no scoring). The
recording endpoint also serves agents, for the calls on their own tickets.
"""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from ccengine.config import QaCriterion
from ccengine.qa import queries
from ccengine.qa.errors import QaCallNotFound
from ccengine.qa.filters import CallFilter
from ccengine.qa.params import call_filter, call_id
from ccengine.qa.recording import get_recording
from ccengine.qa.reviews import add_review
from ccengine.qa.schemas import FILTERS, SCHEMAS
from ccengine.qa.scoring import InvalidScores
from ccengine.qa.views import criteria_json, detail_json, page_json, review_json
from ccengine.users.models import Role
from ccengine.web.auth import principal
from ccengine.web.body import InvalidBody, json_object, text
from ccengine.web.endpoints import PAGING, Endpoint, path_param
from ccengine.web.keys import config_of
from ccengine.web.params import DATABASE, MAX_SQL_INT, paging

REVIEWERS = frozenset({Role.QA_LEAD, Role.ADMIN})
READERS = REVIEWERS | {Role.PRIVILEGED_AGENT}
LISTENERS = READERS | {Role.AGENT}
MAX_COMMENT = 4000

__all__ = ["ENDPOINTS", "SCHEMAS"]


def criteria_of(app: web.Application) -> tuple[QaCriterion, ...]:
    return config_of(app).qa.criteria


async def list_calls(request: web.Request) -> web.Response:
    return await _page(request, call_filter(request), oldest_first=False)


async def list_flagged(request: web.Request) -> web.Response:
    """Calls the transcription flagged for QA that nobody reviewed yet, oldest first."""
    asked = call_filter(request)
    wanted = replace(asked, flagged=True,
                     reviewed=False if asked.reviewed is None else asked.reviewed)
    return await _page(request, wanted, oldest_first=True)


async def _page(request: web.Request, wanted: CallFilter, oldest_first: bool) -> web.Response:
    page, per_page = paging(request)
    async with request.app[DATABASE].sessions() as session:
        result = await queries.list_calls(session, wanted, page, per_page, oldest_first)
    return web.json_response(page_json(result, page, per_page))


async def show_call(request: web.Request) -> web.Response:
    wanted = call_id(request)
    async with request.app[DATABASE].sessions() as session:
        detail = await queries.call_detail(session, wanted)
    if detail is None:
        raise QaCallNotFound(wanted)
    return web.json_response(detail_json(detail))


async def get_criteria(request: web.Request) -> web.Response:
    return web.json_response(criteria_json(criteria_of(request.app)))


async def get_facets(request: web.Request) -> web.Response:
    async with request.app[DATABASE].sessions() as session:
        found = await queries.distinct_values(session)
    return web.json_response(found)


async def post_review(request: web.Request) -> web.Response:
    wanted = call_id(request)
    body = await json_object(request)
    scores = body.get("scores")
    if not isinstance(scores, dict):
        raise InvalidBody("scores", "must be an object of criterion → points")
    comment = text(body, "comment", max_length=MAX_COMMENT)
    who = principal(request)
    if who is None:  # the auth middleware let nobody through; kept for the type checker
        raise web.HTTPUnauthorized()
    try:
        review = await add_review(request.app[DATABASE], wanted, criteria_of(request.app),
                                  scores, comment, who)
    except InvalidScores as exc:
        raise InvalidBody(f"scores.{exc.criterion}", str(exc)) from None
    return web.json_response(review_json(review))


CALL_ID = path_param("call_id", "the call's id (from the QA call list)",
                     {"type": "integer", "minimum": 1, "maximum": MAX_SQL_INT})

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/qa/calls", list_calls, READERS,
             summary="Calls for QA review, newest first, with filters and totals",
             parameters=[*FILTERS, *PAGING], result="QaCallPage"),
    Endpoint("GET", "/api/v1/qa/flagged", list_flagged, READERS,
             summary="The QA queue: calls flagged by transcription, not reviewed, oldest first",
             parameters=[*FILTERS, *PAGING], result="QaCallPage"),
    Endpoint("GET", "/api/v1/qa/calls/{call_id}", show_call, READERS,
             summary="One call with its masked transcript, flags and reviews",
             parameters=[CALL_ID], result="QaCallDetail"),
    Endpoint("POST", "/api/v1/qa/calls/{call_id}/reviews", post_review, REVIEWERS,
             summary="Score a call against the configured criteria",
             parameters=[CALL_ID], body="QaReviewInput", result="QaReview"),
    Endpoint("GET", "/api/v1/qa/criteria", get_criteria, READERS,
             summary="The configured QA criteria and their maximum points",
             result="QaCriteria"),
    Endpoint("GET", "/api/v1/qa/facets", get_facets, READERS,
             summary="Queues and agents seen in calls (the list's filter choices)",
             result="QaFacets"),
    Endpoint("GET", "/api/v1/calls/{call_id}/recording", get_recording, LISTENERS,
             summary="The call's redacted recording (audio, Range requests supported)",
             parameters=[CALL_ID], result="Recording"),
)
