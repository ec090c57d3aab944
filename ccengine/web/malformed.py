"""Requests aiohttp's parser cannot read are answered in JSON, never echoed.

aiohttp answers a request it cannot parse (a request line or header over its
limits, too many headers, bytes that are not HTTP) from
``RequestHandler.handle_error`` with plain text that quotes the start of the
offending line, before any middleware runs. ``JsonErrorServer`` makes the
connection handlers answer such requests like every other error instead:
``{"error": id, "message": text}`` naming the limit, not the request.

Every way the app is served goes through ``HardenedAppRunner`` (``ccengine
serve``, ``ccengine demo``, the tests' harness).
"""

from __future__ import annotations

import asyncio
from contextlib import suppress

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError, LineTooLong
from aiohttp.web_protocol import RequestHandler

from ccengine.diagnostics import install_task_dump
from ccengine.web.errors import error_response
from ccengine.web.hardening import MAX_HEADER_FIELD, MAX_HEADERS, MAX_REQUEST_LINE

# aiohttp's parsers (C and Python) say only this when a request has too many headers.
TOO_MANY_HEADERS = "Too many headers"
# How long a refused connection is still read (and the bytes dropped) after the
# answer, so the client's kernel gets the answer rather than a reset.
LINGER_SECONDS = 5.0


def malformed_answer(exc: HttpProcessingError) -> tuple[int, str, str]:
    """Status, error id and message for a request the parser refused."""
    if isinstance(exc, LineTooLong):
        # The limit it hit tells which line was too long: the two limits differ.
        if _limit_of(exc) == MAX_REQUEST_LINE:
            return (414, "request-line-too-long",
                    f"the request line is longer than {MAX_REQUEST_LINE} bytes")
        return (431, "header-too-large",
                f"a header (name and value) is longer than {MAX_HEADER_FIELD} bytes")
    if TOO_MANY_HEADERS in str(exc.message):
        return 431, "too-many-headers", f"a request has at most {MAX_HEADERS} headers"
    return 400, "bad-request", "the request is not valid HTTP/1.1"


def _limit_of(exc: LineTooLong) -> int | None:
    limit = str(exc.args[1]) if len(exc.args) > 1 else ""
    try:
        return int(limit)
    except (TypeError, ValueError):
        return None


class LingeringAnswer(web.Response):
    """An error answer that closes its connection gently.

    Closing a socket that still has unread bytes (the rest of a 1 MiB request
    line) makes the kernel reset the connection and drop the answer not yet
    delivered. So after the answer: half-close, keep reading (the handler drops
    the bytes) until the client closes or LINGER_SECONDS pass, as nginx does."""

    def __init__(self, answer: web.Response, connection: JsonErrorRequestHandler) -> None:
        super().__init__(status=answer.status, body=answer.body,
                         content_type=answer.content_type)
        self._connection = connection

    async def write_eof(self, data: bytes = b"") -> None:
        await super().write_eof(data)
        await self._connection.linger()


class JsonErrorRequestHandler(RequestHandler):
    """One connection's handler whose parse-error answers are our JSON errors."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._closed_by_peer = asyncio.Event()
        super().connection_made(transport)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._closed_by_peer.set()
        super().connection_lost(exc)

    async def linger(self) -> None:
        transport = self.transport
        if transport is None or not transport.can_write_eof():
            return
        transport.write_eof()  # the answer goes out, then our FIN
        with suppress(TimeoutError):
            await asyncio.wait_for(self._closed_by_peer.wait(), LINGER_SECONDS)

    def handle_error(self, request: web.BaseRequest, status: int = 500,
                     exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        if not isinstance(exc, HttpProcessingError):
            return super().handle_error(request, status, exc, message)
        # The exception's text quotes the request: log its type only.
        self.logger.info("Malformed request from %s (%s)", request.remote,
                         type(exc).__name__)
        if request.writer.output_size > 0:
            raise ConnectionError("an answer was already sent on this connection")
        self.close()  # read no more requests: what still comes is dropped
        answer = LingeringAnswer(error_response(*malformed_answer(exc)), self)
        answer.force_close()
        return answer


class JsonErrorServer(web.Server):
    """aiohttp's server, building ``JsonErrorRequestHandler`` per connection."""

    def __call__(self) -> RequestHandler:
        return JsonErrorRequestHandler(self, loop=self._loop, **self._kwargs)


class HardenedAppRunner(web.AppRunner):
    """``web.AppRunner`` whose server answers malformed requests in JSON."""

    async def _make_server(self) -> web.Server:
        # The app's own server carries its handler, request factory and
        # handler_args (limits, access log); only the connection class changes.
        server = await super()._make_server()
        return JsonErrorServer(server.request_handler,
                               request_factory=server.request_factory,
                               handler_cancellation=server.handler_cancellation,
                               loop=server._loop, **server._kwargs)


async def serve_until_stopped(app: web.Application, host: str, port: int) -> None:
    """``ccengine serve``: ``web.run_app`` with our runner (SIGINT/SIGTERM stop it
    with ``web.GracefulExit``, the runner cleans up)."""
    install_task_dump()  # `kill -USR1` shows where a server that will not stop waits
    runner = HardenedAppRunner(app, handle_signals=True)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        print(f"======== Running on http://{host}:{port} ========", flush=True)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
