"""Route graph editor API: graphs, versions, validation, simulation, publish, rollback, YAML.

Admins only: a route graph decides where every call goes. Reads are here; the
writes are in ``routes_edit``, the simulation in ``routes_simulate``, and the
graph parsing and error answers they share in ``routes_common``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ccengine.routes.document import dump_graph
from ccengine.routes.store import StoredGraph, VersionInfo
from ccengine.users.models import Role
from ccengine.web.endpoints import Endpoint, path_param, ref
from ccengine.web.params import MAX_SQL_INT
from ccengine.web.routes_common import graph_name, route_errors, store_of, version_number
from ccengine.web.routes_edit import publish, roll_back, save_draft, validate
from ccengine.web.routes_simulate import simulate_call

ADMINS = frozenset({Role.ADMIN})


def info_json(info: VersionInfo) -> dict[str, Any]:
    return {"version": info.version, "status": info.status.value,
            "created_at": info.created_at.isoformat(),
            "published_at": info.published_at.isoformat() if info.published_at else None,
            "author": info.author, "comment": info.comment}


def graph_summary(name: str, versions: list[VersionInfo]) -> dict[str, Any]:
    published = next((info.version for info in versions if info.status == "published"), None)
    return {"name": name, "published": published, "latest": versions[-1].version,
            "versions": [info_json(info) for info in versions]}


def stored_json(stored: StoredGraph) -> dict[str, Any]:
    return {"name": stored.name, "version": stored.version, "status": stored.status.value,
            "published_at": stored.published_at.isoformat() if stored.published_at else None,
            # Every field, defaults included: the editor's forms show them all.
            "graph": stored.graph.model_dump(mode="json", by_alias=True)}


@route_errors
async def list_graphs(request: web.Request) -> web.Response:
    store = store_of(request)
    graphs = [graph_summary(name, await store.versions(name)) for name in await store.names()]
    return web.json_response({"graphs": graphs})


@route_errors
async def show_graph(request: web.Request) -> web.Response:
    name = graph_name(request)
    return web.json_response(graph_summary(name, await store_of(request).versions(name)))


@route_errors
async def show_version(request: web.Request) -> web.Response:
    stored = await store_of(request).get(graph_name(request),
                                         version_number(request.match_info["version"]))
    return web.json_response(stored_json(stored))


@route_errors
async def export_version(request: web.Request) -> web.Response:
    """The version as YAML, as `routes export` writes it (inside JSON, like every answer)."""
    stored = await store_of(request).get(graph_name(request),
                                         version_number(request.match_info["version"]))
    return web.json_response({"name": stored.name, "version": stored.version,
                              "filename": f"{stored.name}-v{stored.version}.yaml",
                              "yaml": dump_graph(stored.graph)})


NAME = path_param("name", "the graph's name, e.g. ecommerce")
VERSION = path_param("version", "a version number, from 1",
                     {"type": "integer", "minimum": 1, "maximum": MAX_SQL_INT})
BASE = "/api/v1/routes"
ONE = f"{BASE}/{{name}}"
VERSION_PATH = f"{ONE}/versions/{{version}}"

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", BASE, list_graphs, ADMINS, result="RouteGraphList",
             summary="Route graphs with their versions and which one is published"),
    Endpoint("POST", BASE, save_draft, ADMINS, body="RouteGraphInput", result="RouteDraft",
             summary="Save a graph (JSON or YAML) as a new draft version of its name"),
    Endpoint("POST", f"{BASE}/validate", validate, ADMINS, body="RouteGraphInput",
             result="RouteValidation",
             summary="Check a graph; each issue names the node and the field"),
    Endpoint("POST", f"{BASE}/simulate", simulate_call, ADMINS, body="RouteSimulation",
             result="RouteEvaluation",
             summary="The path one call would take, with the reason of every step"),
    Endpoint("GET", ONE, show_graph, ADMINS, parameters=[NAME], result="RouteGraphSummary",
             summary="One graph's versions"),
    Endpoint("POST", f"{ONE}/rollback", roll_back, ADMINS, parameters=[NAME],
             body="RouteRollback", result="RoutePublished",
             summary="Publish an earlier published version again (default: the previous)"),
    Endpoint("GET", VERSION_PATH, show_version, ADMINS, parameters=[NAME, VERSION],
             result="RouteVersion", summary="One version of a graph as JSON"),
    Endpoint("GET", f"{VERSION_PATH}/yaml", export_version, ADMINS,
             parameters=[NAME, VERSION], result="RouteYaml",
             summary="One version of a graph as YAML (export)"),
    Endpoint("POST", f"{VERSION_PATH}/publish", publish, ADMINS, parameters=[NAME, VERSION],
             result="RoutePublished",
             summary="Make this version the live one; refused (409) while it has issues"),
)

_STRING = {"type": "string"}
_INT = {"type": "integer"}
_ISSUES = {"type": "array", "items": ref("RouteIssue")}
_VERSION_INFO = {"type": "object", "properties": {
    "version": _INT, "status": {"type": "string", "enum": ["draft", "published", "retired"]},
    "created_at": {"type": "string", "format": "date-time"},
    "published_at": {"type": "string", "format": "date-time", "nullable": True},
    "author": {"type": "string", "nullable": True},
    "comment": {"type": "string", "nullable": True}}}

SCHEMAS: dict[str, dict[str, Any]] = {
    "RouteIssue": {"type": "object", "required": ["node", "field", "message"], "properties": {
        "node": {"type": "string", "nullable": True,
                 "description": "the node concerned; null: the graph itself"},
        "field": _STRING, "message": _STRING}},
    "RouteGraphSummary": {"type": "object", "required": ["name", "versions"], "properties": {
        "name": _STRING, "published": {"type": "integer", "nullable": True},
        "latest": _INT, "versions": {"type": "array", "items": _VERSION_INFO}}},
    "RouteGraphList": {"type": "object", "required": ["graphs"], "properties": {
        "graphs": {"type": "array", "items": ref("RouteGraphSummary")}}},
    "RouteVersion": {"type": "object", "required": ["name", "version", "graph"], "properties": {
        "name": _STRING, "version": _INT, "status": _STRING,
        "published_at": {"type": "string", "nullable": True},
        "graph": {"type": "object", "description": "the graph, every field (as stored)"}}},
    "RouteYaml": {"type": "object", "required": ["yaml"], "properties": {
        "name": _STRING, "version": _INT, "filename": _STRING, "yaml": _STRING}},
    "RouteGraphInput": {"type": "object", "description": "one of graph (JSON) or yaml (text)",
                        "properties": {
                            "graph": {"type": "object"}, "yaml": _STRING,
                            "comment": _STRING}},
    "RouteValidation": {"type": "object", "required": ["valid", "issues"], "properties": {
        "valid": {"type": "boolean"}, "issues": _ISSUES}},
    "RouteDraft": {"type": "object", "required": ["name", "version", "issues"], "properties": {
        "name": _STRING, "version": _INT, "status": _STRING, "issues": _ISSUES}},
    "RoutePublished": {"type": "object", "required": ["name", "version"], "properties": {
        "name": _STRING, "version": _INT, "status": _STRING,
        "previous": {"type": "integer", "nullable": True}}},
    "RouteRollback": {"type": "object", "properties": {
        "version": {"type": "integer", "minimum": 1,
                    "description": "an earlier published version; default: the previous"}}},
    "RouteSimulation": {"type": "object", "required": ["did", "at"], "properties": {
        "graph": {"type": "object"}, "yaml": _STRING,
        "name": _STRING, "version": {"type": "integer", "minimum": 1},
        "at": {"type": "string", "description": "ISO time; without a zone, the graph's"},
        "did": _STRING, "caller": {"type": "string", "description": "omit: anonymous"},
        "digits": {"type": "string", "pattern": "^[0-9*#]*$"},
        "vip": {"type": "boolean"},
        "queue": {"type": "string", "enum": ["answered", "timeout", "full", "empty",
                                             "abandoned", "agent_hung_up"]},
        "dial": {"type": "string", "enum": ["ANSWER", "BUSY", "NOANSWER", "CONGESTION",
                                            "CHANUNAVAIL"]}}},
    "RouteEvaluation": {"type": "object", "required": ["path", "actions", "outcome"],
                        "properties": {
                            "graph": _STRING, "version": {"type": "integer", "nullable": True},
                            "path": {"type": "array", "items": {"type": "object", "properties": {
                                "node": _STRING, "kind": _STRING, "branch": _STRING,
                                "reason": _STRING}}},
                            "actions": {"type": "array", "items": _STRING},
                            "outcome": {"type": "object"}}},
}
