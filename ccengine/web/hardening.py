"""What every HTTP answer and the access log must (not) show.

* API answers carry ``Cache-Control: no-store``: most of them hold callers'
  names, numbers and notes, which no browser or proxy cache should keep.
* The ``Server`` header names no versions (aiohttp's default names Python's
  and its own, which helps an attacker pick exploits).
* The access log masks query values with the transcript masking (a PESEL or a
  card number typed into a search box would otherwise sit in the log).

* A path and query over 8 KiB is a 414 JSON answer. aiohttp's own parser limit
  (8 KiB) answered plain text quoting the line; ``handler_args()`` raise that
  limit to 64 KiB so such requests reach ``refuse_long_targets``. Beyond the
  parser's limits (request line 64 KiB, one header 16 KiB, 128 headers),
  ``ccengine.web.malformed`` answers in JSON too.

``create_app`` gives ``handler_args()`` to the application, so every runner
(``serve``, ``demo``, tests) installs the access logger, the limits and an
error logger that does not quote malformed requests.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Handler

from ccengine.transcribe.masking import mask_text
from ccengine.web.errors import error_response

API_PREFIX = "/api/"
SERVER_NAME = "ccengine"
MAX_LOGGED_VALUE = 200  # characters of one query value kept in the log
MAX_TARGET = 8 * 1024  # the longest path + query we answer
MAX_REQUEST_LINE = 64 * 1024  # aiohttp's request-line limit (414 beyond, web.malformed)
# A header's name and value; differs from MAX_REQUEST_LINE, which is how a
# too-long line is told from a too-large header (web.malformed).
MAX_HEADER_FIELD = 16 * 1024
MAX_HEADERS = 128  # aiohttp's default, stated here so the README and errors can say it


def setup_hardening(app: web.Application) -> None:
    app.on_response_prepare.append(_secure_headers)
    app.middlewares.append(refuse_long_targets)


@web.middleware
async def refuse_long_targets(request: web.Request, handler: Handler) -> web.StreamResponse:
    if len(request.raw_path) > MAX_TARGET:
        return error_response(414, "request-line-too-long",
                              f"the path and query are longer than {MAX_TARGET} bytes")
    return await handler(request)


async def _secure_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers["Server"] = SERVER_NAME
    if request.path.startswith(API_PREFIX):
        response.headers["Cache-Control"] = "no-store"


def logged_target(request: web.BaseRequest) -> str:
    """The request's path and query as the access log shows them, all masked.

    The path too: a number typed into /customers/{number} is as personal as one in ?q=.
    """
    # Masking reads words; a segment is a word (the masker does not split on "/").
    path = "/".join(quote(_masked(segment), safe="[]") for segment in request.path.split("/"))
    if not request.query:
        return path
    pairs = [f"{quote(_masked(key))}={quote(_masked(value))}"
             for key, value in request.query.items()]
    return path + "?" + "&".join(pairs)


def _masked(value: str) -> str:
    return mask_text(value).text[:MAX_LOGGED_VALUE]


class MaskingAccessLogger(AbstractAccessLogger):
    """One line per request: client, method, masked target, status, size, seconds."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse,
            time: float) -> None:
        self.logger.info('%s "%s %s" %s %s %.3fs', request.remote, request.method,
                         logged_target(request), response.status, response.body_length, time)


class NoRequestEcho(logging.Filter):
    """aiohttp logs a malformed request with its exception, which quotes the start
    of the offending line (a query with a PESEL, say): keep only the exception's type."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], HttpProcessingError):
            record.msg = f"{record.msg} ({type(record.exc_info[1]).__name__})"
            record.exc_info = None
            record.exc_text = None
        return True


def _server_logger() -> logging.Logger:
    logger = logging.getLogger("ccengine.web.http")
    if not any(isinstance(f, NoRequestEcho) for f in logger.filters):
        logger.addFilter(NoRequestEcho())
    return logger


def handler_args() -> dict[str, Any]:
    """The application's ``handler_args``: access logger, parser limits, error logger."""
    return {"access_log_class": MaskingAccessLogger, "logger": _server_logger(),
            "max_line_size": MAX_REQUEST_LINE, "max_field_size": MAX_HEADER_FIELD,
            "max_headers": MAX_HEADERS}
