"""The public side of web forms: no login. A customer's page posts a form here (from
its own origin: CORS for the form's allowed origins), and fetches the snippet to embed.

A post is answered in JSON ``{"ticket": "TK-…"}`` when the client asks for JSON, else
with a 303 to the form's own thank-you URL (never one from the request) or a small
built-in thank-you page. A filled honeypot is answered as accepted and stores nothing
but a count.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlencode, urlsplit, urlunsplit

from aiohttp import web

from ccengine.forms import service
from ccengine.forms.embed import snippet, thank_you_page
from ccengine.forms.limits import FormLimits
from ccengine.forms.model import FormSpec
from ccengine.forms.reading import PostRefused, post_values
from ccengine.forms.rules import FormError, key_of
from ccengine.forms.submission import SubmissionError, checked, is_spam
from ccengine.web.errors import error_response
from ccengine.web.keys import config_of, sla_provider_of
from ccengine.web.params import DATABASE
from ccengine.web.tickets_sla import now_of

log = logging.getLogger(__name__)

LIMITS = web.AppKey("ccengine.form_limits", FormLimits)
ALLOWED_HEADERS = "Content-Type, Accept"


def setup(app: web.Application) -> None:
    if LIMITS not in app:
        app[LIMITS] = FormLimits.of(app[DATABASE])


def _refused(status: int, error: str, message: str, field: str = "") -> PostRefused:
    return PostRefused(status, error, message, field)


async def _form(request: web.Request) -> FormSpec:
    try:
        key = key_of(request.match_info["key"])
    except FormError:
        raise _refused(404, "form-not-found", "no such form") from None
    spec = await service.find_active(request.app[DATABASE], key)
    if spec is None:
        raise _refused(404, "form-not-found", "no such form")
    return spec


def _origin(request: web.Request) -> str | None:
    return request.headers.get("Origin")


def _allowed(spec: FormSpec, origin: str | None) -> bool:
    return origin is not None and origin.lower() in spec.allowed_origins


def _cors(response: web.StreamResponse, spec: FormSpec | None, origin: str | None) -> None:
    response.headers["Vary"] = "Origin"
    if spec is not None and _allowed(spec, origin):
        response.headers["Access-Control-Allow-Origin"] = origin or ""


def _foreign(request: web.Request, spec: FormSpec, origin: str | None) -> bool:
    """A post from a page of an origin the form does not name (its own host aside)."""
    if origin is None or not spec.allowed_origins or _allowed(spec, origin):
        return False
    return urlsplit(origin).netloc != request.host


async def preflight(request: web.Request) -> web.Response:
    origin = _origin(request)
    try:
        spec = await _form(request)
    except PostRefused as refusal:
        return _error(refusal, None, origin)
    if not _allowed(spec, origin):
        return _error(_refused(403, "origin-not-allowed", "this origin may not post the form"),
                      spec, origin)
    response = web.Response(status=204)
    _cors(response, spec, origin)
    response.headers.update({"Access-Control-Allow-Methods": "POST, OPTIONS",
                             "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                             "Access-Control-Max-Age": "600"})
    return response


async def submit(request: web.Request) -> web.StreamResponse:
    origin, spec = _origin(request), None
    try:
        spec = await _form(request)
        return await _submitted(request, spec, origin)
    except PostRefused as refusal:
        return _error(refusal, spec, origin)
    except SubmissionError as exc:
        return _error(_refused(400, _SUBMISSION_IDS.get(type(exc).__name__, "invalid-form-value"),
                               str(exc), exc.field), spec, origin)


_SUBMISSION_IDS = {"FieldRequired": "form-field-required", "FieldTooLong": "form-field-too-long",
                   "InvalidFieldValue": "invalid-form-value"}


async def _submitted(request: web.Request, spec: FormSpec,
                     origin: str | None) -> web.StreamResponse:
    if _foreign(request, spec, origin):
        raise _refused(403, "origin-not-allowed", "this origin may not post the form")
    limits = request.app[LIMITS]
    if not await limits.admit(spec.key, request.remote or "unknown"):
        refusal = _refused(429, "too-many-posts", "too many posts of this form; try later")
        response = _error(refusal, spec, origin)
        response.headers["Retry-After"] = str(limits.retry_after)
        return response
    values = await post_values(request)
    if is_spam(values):
        await service.count_spam(request.app[DATABASE], spec.key)
        return _accepted(request, spec, origin, None)
    config = config_of(request.app)
    # Masking 64 KiB of text takes a good part of a second: not on the event loop.
    post = await asyncio.to_thread(checked, spec, values, config.tickets.default_region)
    number = await service.submit(request.app[DATABASE], spec, post, service.Opening(
        config.tickets, sla_provider_of(request.app), now_of(request)))
    log.info("form %s opened ticket %s", spec.key, number)
    return _accepted(request, spec, origin, number)


def _wants_json(request: web.Request) -> bool:
    return ("application/json" in request.headers.get("Accept", "")
            or request.content_type == "application/json")


def _accepted(request: web.Request, spec: FormSpec, origin: str | None,
              number: str | None) -> web.StreamResponse:
    if _wants_json(request):
        response: web.StreamResponse = web.json_response({"ticket": number})
    elif spec.thank_you_url:
        response = web.Response(status=303, headers={"Location": _thanks(spec.thank_you_url,
                                                                         number)})
    else:
        response = web.Response(text=thank_you_page(number, _language(request)),
                                content_type="text/html")
    _cors(response, spec, origin)
    return response


def _thanks(url: str, number: str | None) -> str:
    if number is None:
        return url
    parts = urlsplit(url)
    query = "&".join(part for part in (parts.query, urlencode({"ticket": number})) if part)
    return urlunsplit(parts._replace(query=query))


def _language(request: web.Request) -> str:
    asked = request.query.get("lang") or request.headers.get("Accept-Language", "pl")[:2]
    return "en" if asked.lower() == "en" else "pl"


def _error(refusal: PostRefused, spec: FormSpec | None, origin: str | None) -> web.Response:
    response = error_response(refusal.status, refusal.error, str(refusal), refusal.field or None)
    _cors(response, spec, origin)
    return response


async def embed(request: web.Request) -> web.Response:
    try:
        spec = await _form(request)
    except PostRefused as refusal:
        return _error(refusal, None, None)
    action = f"{request.url.origin()}/api/v1/forms/{spec.key}"
    html = snippet(spec, action, _language(request))
    if "application/json" in request.headers.get("Accept", ""):
        return web.json_response({"key": spec.key, "action": action, "html": html})
    return web.Response(text=html, content_type="text/html")
