"""The pages: one HTML shell at ``/`` and its static scripts and styles.

Every response carries a strict Content-Security-Policy: scripts and styles
only from this origin, no inline code. Together with the scripts building the
DOM with ``textContent``, a caller name like ``<script>`` stays text.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

STATIC_DIR = Path(__file__).parent / "static"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "media-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "form-action 'self'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    if not response.prepared:  # a websocket or stream has sent its headers already
        for name, value in SECURITY_HEADERS.items():  # a stricter one of its own stays
            response.headers.setdefault(name, value)
        if request.path == "/" or request.path.startswith("/static/"):
            # Pages change with every deploy; a stale script against a new API breaks.
            response.headers["Cache-Control"] = "no-cache"
    return response


async def index(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html")


def setup_pages(app: web.Application) -> None:
    app.middlewares.append(security_headers)
    app.router.add_get("/", index)
    app.router.add_static("/static/", STATIC_DIR, follow_symlinks=False)
