"""Ticket workspace API: list with filters, ticket view, status, priority, assignee, notes."""

from __future__ import annotations

from typing import Any

from ccengine.web.endpoints import Endpoint

ENDPOINTS: tuple[Endpoint, ...] = ()
SCHEMAS: dict[str, dict[str, Any]] = {}
