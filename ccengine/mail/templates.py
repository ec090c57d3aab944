"""Placeholders in the texts admins write (reply templates, acknowledgements,
signatures): ``{{ ticket.number }}``; pure.

Deliberately not a template language: no expressions, no loops, nothing an admin's
text can execute. An unknown placeholder is an error when the text is saved
(``unknown_placeholders``) and left visible if one slips through.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

__all__ = ["PLACEHOLDER", "VARIABLES", "render", "unknown_placeholders"]

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)*)\s*\}\}")
# Every variable a text may use; the renderer's caller gives each a value ("" if none).
VARIABLES = ("ticket.number", "ticket.title", "ticket.queue", "ticket.sla_due",
             "customer.name", "customer.email", "agent.name", "agent.email", "mailbox.name")


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in VARIABLES})


def render(text: str, values: Mapping[str, str], *, as_html: bool = False) -> str:
    """``text`` with each known placeholder replaced (escaped when ``as_html``)."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        return html.escape(values[name]) if as_html else values[name]
    return PLACEHOLDER.sub(value, text)
