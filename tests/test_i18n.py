"""The interface's catalogue: every t("...") in the pages has a Polish translation."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from babel.messages.extract import extract_javascript
from babel.messages.pofile import read_po

from ccengine.config import WebConfig
from ccengine.db import Database
from ccengine.users import service
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from ccengine.web.auth import COOKIE
from ccengine.web.i18n import LOCALE_DIR, catalogue
from ccengine.web.pages import STATIC_DIR


def _msgids(script: Path) -> set[str]:
    with script.open("rb") as handle:
        found = extract_javascript(handle, keywords={"t": None}, comment_tags=(), options={})
        return {message for _line, _func, message, _comments in found
                if isinstance(message, str)}


def _all_msgids() -> dict[str, set[str]]:
    return {str(path.relative_to(STATIC_DIR)): _msgids(path)
            for path in sorted(STATIC_DIR.rglob("*.js"))}


def test_extraction_finds_the_shell_strings() -> None:
    found = _all_msgids()
    assert {"Log in", "Wrong login or password."} <= found["views/login.js"]


def test_every_page_string_has_a_polish_translation() -> None:
    polish = catalogue("pl")
    missing = {(script, msgid) for script, msgids in _all_msgids().items()
               for msgid in msgids if msgid not in polish}
    assert missing == set()


def test_english_is_the_source_text() -> None:
    assert catalogue("en") == {}


async def test_i18n_endpoint_and_the_users_choice(database: Database) -> None:
    user = await service.create_user(database, "ola", "Haslo-Ola-42", Role.AGENT)
    new = await service.create_session(database, user)
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False), timezone="Europe/Warsaw")
    async with TestClient(TestServer(app)) as client:
        polish = await (await client.get("/api/v1/i18n")).json()
        english = await (await client.get("/api/v1/i18n?locale=en")).json()
        bad = (await client.get("/api/v1/i18n?locale=xx")).status
        headers = {"X-CSRF-Token": new.csrf_token}
        cookies = {COOKIE: new.token}
        changed = await client.put("/api/v1/me/locale", json={"locale": "en"},
                                   headers=headers, cookies=cookies)
        refused = await client.put("/api/v1/me/locale", json={"locale": "de"},
                                   headers=headers, cookies=cookies)
        refusal = (refused.status, (await refused.json())["error"])
        me = await (await client.get("/api/v1/me", cookies=cookies)).json()
    assert (polish["locale"], polish["timezone"]) == ("pl", "Europe/Warsaw")
    assert polish["messages"]["Log in"] == "Zaloguj"
    assert english["messages"] == {}
    assert bad == 400
    assert changed.status == 200 and me["user"]["locale"] == "en"
    assert refusal == (400, "invalid-body")


def test_no_string_is_translated_two_ways() -> None:
    """Each page's catalogue is its own file; the same English text in two of them must
    read the same in Polish (else which one wins depends on the files' order)."""
    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for po in sorted((LOCALE_DIR / "pl" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            for message in read_po(handle, locale="pl"):
                if not message.id or not isinstance(message.id, str):
                    continue
                earlier = seen.setdefault(message.id, (po.name, str(message.string)))
                if earlier[1] != message.string:
                    clashes.append((message.id, earlier, (po.name, message.string)))
    assert clashes == []
