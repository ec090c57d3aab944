"""The advanced search's query parameters of ``GET /api/v1/tickets``: parsing
(bad input is a 400 naming the parameter) and their OpenAPI declarations."""

from __future__ import annotations

from aiohttp import web

from ccengine.tickets.search_query import TicketSearch
from ccengine.tickets.search_words import MAX_WORDS, too_many
from ccengine.web.endpoints import query
from ccengine.web.errors import InvalidParameter
from ccengine.web.params import REGION, moment_param, text_param

MAX_TEXT = 200  # characters of q and customer
MAX_NUMBER = 64  # tickets.number's width


def search_of(request: web.Request) -> TicketSearch | None:
    """The search asked for, or None when the request asks for none of it."""
    words = _bounded(request, "q", MAX_TEXT)
    if words is not None and too_many(words):
        raise InvalidParameter("q", f"at most {MAX_WORDS} words")
    search = TicketSearch(
        words=words, number=_bounded(request, "number", MAX_NUMBER),
        customer=_bounded(request, "customer", MAX_TEXT),
        created_from=moment_param(request, "created_from"),
        created_to=moment_param(request, "created_to"), region=request.app[REGION])
    if search.created_from and search.created_to and search.created_to <= search.created_from:
        raise InvalidParameter("created_to", "must be later than created_from")
    return None if search == TicketSearch(region=search.region) else search


def _bounded(request: web.Request, name: str, limit: int) -> str | None:
    value = text_param(request, name)
    if value is not None and len(value) > limit:
        raise InvalidParameter(name, f"at most {limit} characters")
    return value.strip() or None if value is not None else None


SEARCH_PARAMETERS = [
    query("q", {"type": "string", "maxLength": MAX_TEXT},
          f"words (at most {MAX_WORDS}), each found as a word or a form of it in the "
          "title, notes or masked transcripts; case and Polish diacritics are ignored "
          "(\"zolc\" finds \"Żółć\", \"faktury\" finds \"faktura\")"),
    query("number", {"type": "string", "maxLength": MAX_NUMBER},
          "the ticket's number exactly, e.g. TK-2026-000001 (case ignored)"),
    query("customer", {"type": "string", "maxLength": MAX_TEXT},
          "the customer's name or company (folded words), phone in any form or e-mail"),
    query("created_from", {"type": "string", "format": "date-time"},
          "created at or after this ISO 8601 moment (no offset: UTC)"),
    query("created_to", {"type": "string", "format": "date-time"},
          "created before this ISO 8601 moment (no offset: UTC)"),
]
