"""The interface's language: Polish by default, English per user.

Translations are gettext catalogues read with Babel: one ``.po`` domain per
page under ``locale/<lang>/LC_MESSAGES/``. The page's scripts say everything
in English source text through ``t()``; ``GET /api/v1/i18n`` hands them the
catalogue of the asker's language with the contact center's time zone, so
dates and numbers are formatted in the user's locale and that zone.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from aiohttp import web
from babel.messages.pofile import read_po

from ccengine.users import service
from ccengine.users.models import HUMAN_ROLES
from ccengine.web.auth import principal
from ccengine.web.body import choice, json_object
from ccengine.web.endpoints import Endpoint, query
from ccengine.web.keys import TIMEZONE
from ccengine.web.params import DATABASE, optional

LOCALE_DIR = Path(__file__).parent / "locale"
DEFAULT_LOCALE = "pl"
SOURCE_LOCALE = "en"  # the msgids themselves
LOCALES = ("pl", "en")


def _locale(raw: str) -> str:
    if raw not in LOCALES:
        raise ValueError(raw)
    return raw


@cache
def catalogue(locale: str) -> dict[str, str]:
    """msgid → translation over every domain of ``locale`` (empty for the source)."""
    messages: dict[str, str] = {}
    folder = LOCALE_DIR / locale / "LC_MESSAGES"
    for po in sorted(folder.glob("*.po")) if locale != SOURCE_LOCALE else ():
        with po.open("rb") as handle:
            for message in read_po(handle, locale=locale):
                if message.id and isinstance(message.id, str) and message.string:
                    messages[message.id] = str(message.string)
    return messages


async def get_i18n(request: web.Request) -> web.Response:
    asked = optional(request, "locale", _locale)
    locale = asked or DEFAULT_LOCALE
    return web.json_response({
        "locale": locale,
        "timezone": request.app[TIMEZONE],
        "messages": catalogue(locale),
    })


async def set_my_locale(request: web.Request) -> web.Response:
    body = await json_object(request)
    locale = choice(body, "locale", _locale, required=True)
    who = principal(request)
    if who is None or who.user_id is None or locale is None:
        raise web.HTTPForbidden(reason="only people have a language")
    await service.set_locale(request.app[DATABASE], who.user_id, locale)
    return web.json_response({"locale": locale})


PEOPLE = frozenset(HUMAN_ROLES)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/i18n", get_i18n, frozenset(), public=True,
             summary="The interface's translations and the contact center's time zone",
             parameters=[query("locale", {"type": "string", "enum": list(LOCALES)},
                               "pl (default) or en")],
             result="I18n"),
    Endpoint("PUT", "/api/v1/me/locale", set_my_locale, PEOPLE,
             summary="Set the interface language of the logged-in user",
             body="LocaleChoice", result="LocaleChoice"),
)

SCHEMAS: dict[str, dict[str, Any]] = {
    "I18n": {"type": "object", "required": ["locale", "timezone", "messages"], "properties": {
        "locale": {"type": "string"}, "timezone": {"type": "string"},
        "messages": {"type": "object", "additionalProperties": {"type": "string"}}}},
    "LocaleChoice": {"type": "object", "required": ["locale"], "properties": {
        "locale": {"type": "string", "enum": list(LOCALES)}}},
}

