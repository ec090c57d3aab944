"""Simulating a call on a graph from the editor: the path with a reason per step.

The graph is the editor's unsaved one (``graph`` or ``yaml``) or a stored
version (``name`` and maybe ``version``; without it the published one). The
walk is the engine's own, through ``ccengine.routes.simulation`` as the CLI.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast, get_args

from aiohttp import web

from ccengine.routes.evaluate import DialEnd, QueueEnd, Scenario
from ccengine.routes.model import RouteGraph
from ccengine.routes.simulation import SimulatedCall, simulate
from ccengine.web.body import InvalidBody, boolean, integer, json_object, required_text, text
from ccengine.web.params import MAX_SQL_INT, REGION
from ccengine.web.routes_common import (
    calendars_of,
    graph_from_body,
    route_errors,
    routes_config,
    store_of,
)

QUEUE_ENDS: tuple[str, ...] = get_args(QueueEnd)
DIAL_ENDS: tuple[str, ...] = get_args(DialEnd)
FIRST_YEAR, LAST_YEAR = 1970, 2100  # beyond, time zones and holiday rules mean little


@route_errors
async def simulate_call(request: web.Request) -> web.Response:
    body = await json_object(request)
    graph, version = await _graph(request, body)
    call = SimulatedCall(did=required_text(body, "did", max_length=50),
                         caller=text(body, "caller", max_length=50),
                         at=_moment(required_text(body, "at", max_length=64)),
                         vip=boolean(body, "vip", False))
    scenario = Scenario(digits=_digits(body),
                        queue=cast(QueueEnd, _one_of(body, "queue", QUEUE_ENDS)),
                        dial=cast(DialEnd, _one_of(body, "dial", DIAL_ENDS)))
    evaluation = simulate(graph, call, scenario, request.app.get(REGION, "PL"),
                          routes_config(request), await calendars_of(request))
    return web.json_response({"graph": graph.name, "version": version,
                              **evaluation.as_json()})


async def _graph(request: web.Request, body: Mapping[str, Any]) -> tuple[RouteGraph, int | None]:
    if "graph" in body or "yaml" in body:
        return await graph_from_body(body), None
    name = required_text(body, "name", max_length=100)
    stored = await store_of(request).get(name, integer(body, "version", minimum=1,
                                                       maximum=MAX_SQL_INT))
    return stored.graph, stored.version


def _moment(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidBody("at", f"{raw!r} is not an ISO time (2026-12-25T10:00, or with "
                                "a zone: 2026-12-25T10:00+01:00)") from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise InvalidBody("at", f"the year must be {FIRST_YEAR}..{LAST_YEAR}")
    return moment


def _digits(body: Mapping[str, Any]) -> str:
    digits = text(body, "digits", max_length=50) or ""
    if not re.fullmatch(r"[0-9*#]*", digits):
        raise InvalidBody("digits", "keys are 0-9, * and #")
    return digits


def _one_of(body: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = text(body, name, max_length=20) or allowed[0]
    if value not in allowed:
        raise InvalidBody(name, f"one of {', '.join(allowed)}")
    return value
