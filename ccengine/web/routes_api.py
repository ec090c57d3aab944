"""Route graph editor API: graphs, versions, validation, simulation, publish, rollback, YAML."""

from __future__ import annotations

from typing import Any

from ccengine.web.endpoints import Endpoint

ENDPOINTS: tuple[Endpoint, ...] = ()
SCHEMAS: dict[str, dict[str, Any]] = {}
