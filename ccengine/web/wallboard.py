"""Wallboard: live per-queue figures over the websocket and at /api/v1/wallboard."""

from __future__ import annotations

from typing import Any

from ccengine.web.endpoints import Endpoint

ENDPOINTS: tuple[Endpoint, ...] = ()
SCHEMAS: dict[str, dict[str, Any]] = {}
