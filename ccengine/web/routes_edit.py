"""Writing route graphs from the editor: validate, save a draft, publish, roll back.

Every edit is a new draft version (a saved version never changes); publishing
moves statuses only, and the engine routes the next call by it within
``reload_seconds``. A rollback republishes an earlier published version.
"""

from __future__ import annotations

from aiohttp import web

from ccengine.routes.simulation import default_prompts_dir
from ccengine.routes.validate import validate_graph
from ccengine.web.auth import principal
from ccengine.web.body import integer, json_object, text
from ccengine.web.params import MAX_SQL_INT
from ccengine.web.routes_common import (
    GraphMalformed,
    calendars_of,
    graph_from_body,
    graph_name,
    route_errors,
    routes_config,
    store_of,
    version_number,
)


@route_errors
async def validate(request: web.Request) -> web.Response:
    """The issues of a graph, parse errors included: what `routes validate` prints."""
    body = await json_object(request)
    try:
        graph = await graph_from_body(body)
    except GraphMalformed as exc:
        issues = exc.issues
    else:
        issues = validate_graph(graph, default_prompts_dir(routes_config(request)),
                                (await calendars_of(request)).keys())
    return web.json_response({"valid": not issues,
                              "issues": [issue.as_json() for issue in issues]})


@route_errors
async def save_draft(request: web.Request) -> web.Response:
    """Store the graph as the next version of its name, a draft, even with issues
    (as `routes import` does): an admin can save work in progress."""
    body = await json_object(request)
    graph = await graph_from_body(body)
    comment = text(body, "comment", max_length=1000)
    who = principal(request)
    version = await store_of(request).save_draft(graph, author=who.login if who else None,
                                                 comment=comment)
    issues = validate_graph(graph, default_prompts_dir(routes_config(request)),
                            (await calendars_of(request)).keys())
    return web.json_response({"name": graph.name, "version": version, "status": "draft",
                              "issues": [issue.as_json() for issue in issues]})


@route_errors
async def publish(request: web.Request) -> web.Response:
    name = graph_name(request)
    version = version_number(request.match_info["version"])
    await store_of(request).publish(name, version, default_prompts_dir(routes_config(request)))
    return web.json_response({"name": name, "version": version, "status": "published"})


@route_errors
async def roll_back(request: web.Request) -> web.Response:
    """Publish an earlier published version again (default: the one before the current)."""
    name = graph_name(request)
    body = await json_object(request)
    asked = integer(body, "version", minimum=1, maximum=MAX_SQL_INT)
    store = store_of(request)
    previous = next((info.version for info in await store.versions(name)
                     if info.status == "published"), None)
    version = await store.roll_back(name, asked, default_prompts_dir(routes_config(request)))
    return web.json_response({"name": name, "version": version, "status": "published",
                              "previous": previous})
