"""QA review API: calls with filters, the call view, scores, the flagged queue."""

from __future__ import annotations

from typing import Any

from ccengine.web.endpoints import Endpoint

ENDPOINTS: tuple[Endpoint, ...] = ()
SCHEMAS: dict[str, dict[str, Any]] = {}
