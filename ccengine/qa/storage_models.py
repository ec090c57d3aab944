"""ORM models of QA review (scores of calls)."""

from __future__ import annotations
