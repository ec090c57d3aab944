"""ORM models of the agent console (callback attempts)."""

from __future__ import annotations
