"""One declaration per API operation: its route, who may call it, and its OpenAPI entry.

Feature modules (see ``features``) list their operations as ``Endpoint``
values; ``register`` adds the routes, the permission table is built from the
same values, and so is the OpenAPI document. A route therefore cannot exist
without a role check and a description.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from ccengine.users.models import Role
from ccengine.web.params import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE

Schema = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str  # as registered with aiohttp, e.g. /api/v1/tickets/{number}
    handler: Handler
    roles: frozenset[Role]
    summary: str
    parameters: list[Schema] = field(default_factory=list)
    body: str | None = None  # name of a component schema, or None
    result: str = "Ok"  # name of the 200 response's component schema
    public: bool = False  # no authentication at all (roles are then ignored)

    @property
    def key(self) -> tuple[str, str]:
        return self.method, self.path


def register(app: web.Application, endpoints: Iterable[Endpoint]) -> None:
    for endpoint in endpoints:
        app.router.add_route(endpoint.method, endpoint.path, endpoint.handler)


def query(name: str, schema: Schema, description: str, required: bool = False) -> Schema:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


def path_param(name: str, description: str, schema: Schema | None = None) -> Schema:
    return {"name": name, "in": "path", "required": True,
            "schema": schema or {"type": "string"}, "description": description}


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(kind: str, **extra: Any) -> Schema:
    return {"type": kind, "nullable": True, **extra}


def page_of(item: str) -> Schema:
    """A page of ``item`` component schemas, as ``paging`` and a count answer it."""
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array", "items": ref(item)},
            "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "total": {"type": "integer", "minimum": 0},
        },
    }


PAGING = [
    query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
          "page number, from 1"),
    query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                       "default": DEFAULT_PER_PAGE}, "items per page"),
]
