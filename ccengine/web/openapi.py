"""The OpenAPI 3.0.3 description of API v1, served at ``GET /api/v1/openapi.json``.

Who may call each operation is read from ``auth.PUBLIC`` and ``auth.PERMISSIONS``
(``security`` and the ``x-roles`` extension), so the document follows the table.
A test checks that every registered /api/v1 route is described and nothing more.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ccengine.calls.model import Outcome
from ccengine.users.models import Role
from ccengine.web.auth import COOKIE, PERMISSIONS, PUBLIC, Permission
from ccengine.web.endpoints import PAGING, nullable, page_of, query, ref
from ccengine.web.features import (
    feature_endpoints,
    feature_permissions,
    feature_public,
    feature_schemas,
)

OPENAPI_PATH = "/api/v1/openapi.json"

JSON = "application/json"
Schema = dict[str, Any]


SCHEMAS: dict[str, Schema] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "description": "stable error id, e.g. ticket-not-found"},
            "message": {"type": "string"},
        },
    },
    "Call": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "pbx": {"type": "string"},
            "linkedid": {"type": "string"},
            "caller_number": nullable("string"),
            "caller_name": nullable("string"),
            "did": nullable("string"),
            "outcome": {"type": "string", "enum": [o.value for o in Outcome]},
            "queue": nullable("string"),
            "agent_name": nullable("string"),
            "started_at": {"type": "string", "format": "date-time"},
            "answered_at": nullable("string", format="date-time"),
            "ended_at": {"type": "string", "format": "date-time"},
            "talk_seconds": nullable("integer"),
            "timeline": {"type": "array", "items": {"type": "object"}},
            "route": nullable("object"),
        },
    },
    "Transcript": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "call_id": nullable("integer"),
            "ticket": nullable("string"),
            "created_at": {"type": "string", "format": "date-time"},
            "language": nullable("string"),
            "needs_qa": {"type": "boolean"},
            "segments": {"type": "array", "items": {"type": "object"}},
        },
    },
    "TranscriptPage": {
        "type": "object",
        "required": ["items", "page", "per_page"],
        "properties": {
            "items": {"type": "array", "items": ref("Transcript")},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
        },
    },
    "CallPage": page_of("Call"),
    "User": {
        "type": "object",
        "properties": {
            "login": {"type": "string"},
            "display_name": {"type": "string"},
            "role": {"type": "string"},
        },
    },
    "Login": {
        "type": "object",
        "required": ["login", "password"],
        "properties": {
            "login": {"type": "string", "minLength": 1},
            "password": {"type": "string"},
        },
    },
    "LoggedIn": {
        "type": "object",
        "required": ["user", "csrf_token"],
        "properties": {"user": ref("User"), "csrf_token": {"type": "string"}},
    },
    "Me": {
        "type": "object",
        "description": "``user`` for a logged-in person, ``token`` for an API token",
        "properties": {
            "user": ref("User"),
            "csrf_token": {"type": "string", "nullable": True,
                           "description": "the session's token for X-CSRF-Token"},
            "token": {"type": "object", "properties": {
                "name": {"type": "string"}, "role": {"type": "string"}}},
        },
    },
    "Health": {
        "type": "object",
        "required": ["status"],
        "properties": {
            "status": {"type": "string"},
            "mail": {"type": "string", "enum": ["degraded"],
                     "description": "only when a mailbox cannot receive"},
            "mail_failing": {"type": "integer", "description": "how many mailboxes"}},
    },
    "LoggedOut": {"type": "object", "properties": {"status": {"type": "string"}}},
    "OpenApi": {"type": "object", "description": "this document"},
    "Ok": {"type": "object", "description": "the operation's result"},
}

SECURITY_SCHEMES: dict[str, Schema] = {
    "bearerAuth": {"type": "http", "scheme": "bearer",
                   "description": "an API token (role integration)"},
    "cookieAuth": {"type": "apiKey", "in": "cookie", "name": COOKIE,
                   "description": "the session cookie set by POST /api/v1/login; unsafe "
                                  "methods also need the X-CSRF-Token header"},
}


# (method, path) → (summary, parameters, request body schema or None, 200 schema)
Operation = tuple[str, list[Schema], str | None, str]
OPERATIONS: dict[Permission, Operation] = {
    ("GET", "/api/v1/calls"): ("List finished calls", [
        query("outcome", {"type": "string", "enum": [o.value for o in Outcome]},
               "only calls with this outcome"),
        query("updated_since", {"type": "string", "format": "date-time"},
              "for sync: only calls written at or after this moment (inclusive; UTC "
              "when no offset is given), oldest write first"),
        *PAGING,
    ], None, "CallPage"),
    ("GET", "/api/v1/transcripts"): ("List masked transcripts, newest first", [
        query("q", {"type": "string"}, "words that must all appear in the transcript"),
        query("needs_qa", {"type": "boolean"}, "only transcripts (not) flagged for QA"),
        *PAGING,
    ], None, "TranscriptPage"),
    ("GET", "/api/v1/health"): ("Liveness and database check", [], None, "Health"),
    ("POST", "/api/v1/login"): ("Log in; sets the session cookie", [], "Login", "LoggedIn"),
    ("POST", "/api/v1/logout"): ("End the session", [], None, "LoggedOut"),
    ("GET", "/api/v1/me"): ("Who is asking", [], None, "Me"),
    ("GET", OPENAPI_PATH): ("This document", [], None, "OpenApi"),
}

ERROR_STATUSES = {
    "400": "invalid parameter or body",
    "401": "not authenticated",
    "403": "role not allowed, or CSRF check failed",
    "404": "not found",
}


def all_operations() -> dict[Permission, Operation]:
    """The core operations above and every feature module's endpoints."""
    operations = dict(OPERATIONS)
    for endpoint in feature_endpoints():
        operations[endpoint.key] = (endpoint.summary, endpoint.parameters, endpoint.body,
                                    endpoint.result)
    return operations


# The operations that create something answer 201, not 200.
CREATED: frozenset[Permission] = frozenset({("POST", "/api/v1/tickets")})


def all_permissions() -> dict[Permission, frozenset[Role]]:
    return {**PERMISSIONS, **feature_permissions()}


def all_public() -> frozenset[Permission]:
    return PUBLIC | feature_public()


def _operation(key: Permission, entry: Operation, public: frozenset[Permission],
               permissions: dict[Permission, frozenset[Role]]) -> Schema:
    summary, parameters, body, result = entry
    method, path = key
    ok = ("201", "Created") if key in CREATED else ("200", "OK")
    responses: dict[str, Schema] = {
        ok[0]: {"description": ok[1], "content": {JSON: {"schema": ref(result)}}},
    }
    for status, text in ERROR_STATUSES.items():
        responses[status] = {"description": text, "content": {JSON: {"schema": ref("Error")}}}
    if body is not None or method != "GET":
        for status, text in (("409", "conflict with the current state"),
                             ("502", "the PBX refused the action"),
                             ("503", "the PBX or engine is unavailable")):
            responses[status] = {"description": text,
                                 "content": {JSON: {"schema": ref("Error")}}}
    if key == ("POST", "/api/v1/login"):
        responses["429"] = {"description": "too many failed logins",
                            "content": {JSON: {"schema": ref("Error")}}}
    operation: Schema = {
        "operationId": f"{method.lower()}{path.removeprefix('/api/v1').replace('/', '_')}"
                       .replace("{", "").replace("}", "").replace(".", "_"),
        "summary": summary,
        "parameters": parameters,
        "responses": responses,
    }
    if body is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {JSON: {"schema": ref(body)}}}
    if key in public:
        operation["security"] = []
        operation["x-roles"] = []
        operation["description"] = "Public: no authentication."
    else:
        roles = sorted(role.value for role in permissions.get(key, frozenset()))
        operation["security"] = [{"bearerAuth": []}, {"cookieAuth": []}]
        operation["x-roles"] = roles
        operation["description"] = f"Roles allowed: {', '.join(roles) or 'none'}."
    return operation


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.0.3 document of every /api/v1 operation."""
    paths: dict[str, Schema] = {}
    public, permissions = all_public(), all_permissions()
    for key, entry in all_operations().items():
        method, path = key
        paths.setdefault(path, {})[method.lower()] = _operation(key, entry, public, permissions)
    return {
        "openapi": "3.0.3",
        "info": {"title": "ccengine API", "version": "1",
                 "description": "Errors are JSON {\"error\": id, \"message\": text}."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {"schemas": {**SCHEMAS, **feature_schemas()},
                       "securitySchemes": SECURITY_SCHEMES},
    }


async def serve_openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())
