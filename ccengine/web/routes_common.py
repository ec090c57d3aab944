"""Shared pieces of the route editor API: graphs from bodies, stores, error answers.

A graph arrives as JSON (``{"graph": {...}}``, the model's own dump) or as
YAML text (``{"yaml": "..."}``). Whatever is wrong with it comes back as a list
of issues, each naming the node and the field, next to a stable error id.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from ccengine.config import RoutesConfig
from ccengine.routes.document import GraphInvalid, GraphIssue, graph_from_data, load_graph_yaml
from ccengine.routes.model import RouteGraph
from ccengine.routes.simulation import BadCallFact
from ccengine.routes.store import NothingToRollBack, RouteNotFound, RouteStore
from ccengine.sla.calendar import BusinessCalendar
from ccengine.web.body import InvalidBody, text
from ccengine.web.errors import ApiError, InvalidParameter
from ccengine.web.keys import SLA_BOOK, config_of
from ccengine.web.params import DATABASE, MAX_SQL_INT, checked_text

MAX_YAML = 500_000  # characters; the example graph is 6 000
MAX_NODES = 500  # validation looks for loops from every node: keep it quick

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class RouteMissing(ApiError):
    status = 404

    def __init__(self, exc: RouteNotFound) -> None:
        super().__init__(str(exc))
        self.error_id = "route-not-found" if exc.version is None else "route-version-not-found"


class RollbackRefused(ApiError):
    status, error_id = 409, "nothing-to-roll-back"


def issues_response(status: int, error: str, message: str,
                    issues: list[GraphIssue]) -> web.Response:
    return web.json_response({"error": error, "message": message,
                              "issues": [issue.as_json() for issue in issues]}, status=status)


class GraphMalformed(Exception):
    """The body holds no graph the model accepts: YAML or schema errors."""

    def __init__(self, issues: list[GraphIssue]) -> None:
        super().__init__("; ".join(str(issue) for issue in issues))
        self.issues = issues


def malformed_response(exc: GraphMalformed) -> web.Response:
    return issues_response(400, "graph-malformed", "not a route graph: " + str(exc)[:500],
                           exc.issues)


def route_errors(handler: Handler) -> Handler:
    """The route domain's errors as the API's answers (one table for this feature)."""

    @functools.wraps(handler)
    async def guarded(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except RouteNotFound as exc:
            raise RouteMissing(exc) from None
        except NothingToRollBack as exc:
            raise RollbackRefused(str(exc)) from None
        except GraphMalformed as exc:
            return malformed_response(exc)
        except BadCallFact as exc:
            raise InvalidBody(exc.field, str(exc)) from None
        except GraphInvalid as exc:
            # Well-formed but wrong (unknown target, unreachable node, ...): the graph
            # cannot be published or simulated until the issues are fixed.
            return issues_response(409, "graph-invalid", "the graph has issues; fix them "
                                   "first", exc.issues)

    return guarded


async def graph_from_body(body: Mapping[str, Any]) -> RouteGraph:
    """The graph in ``graph`` (JSON) or ``yaml`` (text); GraphMalformed if it is none.

    Parsing and model validation take a thread: a large YAML document costs
    seconds of pure Python, which must not stop calls on the event loop.
    """
    if ("graph" in body) == ("yaml" in body):
        raise InvalidBody("graph", "give the graph as 'graph' (JSON) or 'yaml' (text), "
                                   "one of them")
    return await asyncio.to_thread(_graph_of, body)


def _graph_of(body: Mapping[str, Any]) -> RouteGraph:
    try:
        if "yaml" in body:
            field = "yaml"
            data = load_graph_yaml(text(body, "yaml", required=True, max_length=MAX_YAML) or "")
        else:
            field, data = "graph", body["graph"]
        return graph_from_data(_checked_data(data, field))
    except GraphInvalid as exc:
        raise GraphMalformed(exc.issues) from None


def _checked_data(data: Any, field: str) -> Any:
    """The same node limit for JSON and YAML graphs, before the model sees them."""
    if isinstance(data, dict) and isinstance(data.get("nodes"), dict) \
            and len(data["nodes"]) > MAX_NODES:
        raise InvalidBody(field, f"at most {MAX_NODES} nodes")
    _no_nul(data, field)
    return data


def _no_nul(value: Any, where: str) -> None:
    """PostgreSQL cannot store NUL in text, nor in JSON documents: refuse it anywhere."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidBody(where, "must not contain NUL characters")
    elif isinstance(value, dict):
        for key, item in value.items():
            _no_nul(key, where)
            _no_nul(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _no_nul(item, f"{where}.{index}")


def store_of(request: web.Request) -> RouteStore:
    return RouteStore(request.app[DATABASE])


async def calendars_of(request: web.Request) -> Mapping[str, BusinessCalendar]:
    """The named calendars graphs may use: the application's SLA book."""
    return (await request.app[SLA_BOOK].current()).calendars


def routes_config(request: web.Request) -> RoutesConfig:
    return config_of(request.app).routes


def graph_name(request: web.Request) -> str:
    return checked_text("name", request.match_info["name"])


def version_number(raw: str, name: str = "version") -> int:
    try:
        number = int(raw)
    except ValueError:
        raise InvalidParameter(name, f"expected a version number, got {raw!r}") from None
    if not 1 <= number <= MAX_SQL_INT:
        raise InvalidParameter(name, f"must be 1..{MAX_SQL_INT}")
    return number
