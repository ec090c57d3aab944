"""Agent console API: queue login, pauses, wrap-up, callbacks (under /api/v1/agent)."""

from __future__ import annotations

from typing import Any

from ccengine.web.endpoints import Endpoint

ENDPOINTS: tuple[Endpoint, ...] = ()
SCHEMAS: dict[str, dict[str, Any]] = {}
