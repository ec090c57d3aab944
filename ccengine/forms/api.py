"""Web forms over HTTP: admins define them (``/api/v1/web-forms``); the public posts
them and fetches their embed snippet (``/api/v1/forms/{key}``, see ``submit_api``)."""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from ccengine.forms import rules, service, submit_api
from ccengine.forms.schemas import SCHEMAS
from ccengine.users.models import Role
from ccengine.web import body as bodies
from ccengine.web.endpoints import Endpoint, path_param, query
from ccengine.web.errors import Refusal
from ccengine.web.params import DATABASE

__all__ = ["ENDPOINTS", "SCHEMAS", "setup"]

ADMINS = frozenset({Role.ADMIN})
ADMIN_PATH = "/api/v1/web-forms"
PUBLIC_PATH = "/api/v1/forms/{key}"

_REFUSALS: dict[type[rules.FormError], tuple[int, str]] = {
    rules.InvalidForm: (400, "invalid-form"),
    rules.FormExists: (409, "form-exists"),
    rules.FormNotFound: (404, "form-not-found"),
}


class FormRefused(Refusal):
    TABLE = _REFUSALS
    DEFAULT = (400, "invalid-form")


def setup(app: web.Application) -> None:
    submit_api.setup(app)


def _now() -> datetime:
    return datetime.now(UTC)


def _key(request: web.Request) -> str:
    try:
        return rules.key_of(request.match_info["key"])
    except rules.FormError:
        raise FormRefused(rules.FormNotFound("key", "no such form")) from None


async def list_all(request: web.Request) -> web.Response:
    return web.json_response({"items": await service.list_forms(request.app[DATABASE])})


async def show(request: web.Request) -> web.Response:
    try:
        return web.json_response(await service.get(request.app[DATABASE], _key(request)))
    except rules.FormError as exc:
        raise FormRefused(exc) from None


async def create(request: web.Request) -> web.Response:
    body = await bodies.json_object(request)
    try:
        made = await service.create(request.app[DATABASE], rules.parse_form(body), _now())
    except rules.FormError as exc:
        raise FormRefused(exc) from None
    return web.json_response(made, status=201)


async def replace(request: web.Request) -> web.Response:
    key = _key(request)
    body = await bodies.json_object(request)
    body.pop("key", None)  # the key is the address: it never changes
    try:
        changed = await service.replace(request.app[DATABASE], rules.parse_form(body, key=key),
                                        _now())
    except rules.FormError as exc:
        raise FormRefused(exc) from None
    return web.json_response(changed)


async def remove(request: web.Request) -> web.Response:
    try:
        await service.delete(request.app[DATABASE], _key(request))
    except rules.FormError as exc:
        raise FormRefused(exc) from None
    return web.json_response({"deleted": True})


_KEY = path_param("key", "the form's key (in its public URL)")
_LANG = query("lang", {"type": "string", "enum": ["pl", "en"]}, "labels' language (pl)")

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", ADMIN_PATH, list_all, ADMINS,
             "Web forms, with how many honeypot posts each got", result="WebFormList"),
    Endpoint("POST", ADMIN_PATH, create, ADMINS,
             "Define a web form (400 invalid-form names the field, e.g. fields[1].kind; "
             "409 form-exists)", body="WebFormInput", result="WebForm"),
    Endpoint("GET", ADMIN_PATH + "/{key}", show, ADMINS, "One web form",
             parameters=[_KEY], result="WebForm"),
    Endpoint("PUT", ADMIN_PATH + "/{key}", replace, ADMINS,
             "Replace a web form's definition (its key stays)", parameters=[_KEY],
             body="WebFormInput", result="WebForm"),
    Endpoint("DELETE", ADMIN_PATH + "/{key}", remove, ADMINS, "Delete a web form",
             parameters=[_KEY], result="Deleted"),
    Endpoint("POST", PUBLIC_PATH, submit_api.submit, frozenset(), public=True,
             summary="Post a form (url-encoded, multipart without files, or JSON; at most "
                     "64 KiB): opens a ticket in its queue. JSON {ticket} when asked for "
                     "JSON, else 303 to the form's thank-you URL or a thank-you page; 429 "
                     "too-many-posts with Retry-After; 413 form-too-large; 400 "
                     "form-field-required / form-field-too-long / invalid-form-value name "
                     "the field", parameters=[_KEY], body="WebFormPost",
             result="WebFormAccepted"),
    Endpoint("OPTIONS", PUBLIC_PATH, submit_api.preflight, frozenset(), public=True,
             summary="CORS preflight: 204 for an origin the form allows, else 403 "
                     "origin-not-allowed", parameters=[_KEY], result="Ok"),
    Endpoint("GET", PUBLIC_PATH + "/embed", submit_api.embed, frozenset(), public=True,
             summary="The HTML to paste into a page (text/html; JSON {html} when asked "
                     "for JSON): a plain form with a hidden honeypot and a small optional "
                     "script", parameters=[_KEY, _LANG], result="WebFormEmbed"),
)
