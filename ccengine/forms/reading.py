"""Reading a public post's fields: url-encoded, multipart (no files) or JSON, at most
``MAX_BODY`` bytes, every value a string. Each refusal is a ``PostRefused`` with its
status, stable id and field."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from aiohttp import BodyPartReader, web

from ccengine.web.json_limits import JsonRefused, decode

MAX_BODY = 64 * 1024
MAX_FIELDS = 100
URLENCODED = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
JSON = "application/json"


class PostRefused(Exception):
    def __init__(self, status: int, error: str, message: str, field: str = "") -> None:
        super().__init__(message)
        self.status, self.error, self.field = status, error, field


def _too_large() -> PostRefused:
    return PostRefused(413, "form-too-large", f"a form post is at most {MAX_BODY} bytes")


async def post_values(request: web.Request) -> dict[str, str]:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise _too_large()
    kind = request.content_type
    if kind == MULTIPART:
        return await _multipart(request)
    raw = await _bounded(request)
    if kind == URLENCODED:
        return _urlencoded(raw)
    if kind == JSON:
        return _json(raw)
    raise PostRefused(415, "unsupported-form-encoding",
                      f"send {URLENCODED}, {MULTIPART} or {JSON}")


async def _bounded(request: web.Request) -> bytes:
    chunks, size = [], 0
    while chunk := await request.content.read(16 * 1024):
        size += len(chunk)
        if size > MAX_BODY:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _urlencoded(raw: bytes) -> dict[str, str]:
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True,
                          max_num_fields=MAX_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise PostRefused(400, "invalid-form-post", "not UTF-8 url-encoded fields") from None
    return _first_of_each(pairs)


def _json(raw: bytes) -> dict[str, str]:
    try:
        body: Any = decode(raw) if raw else {}
    except JsonRefused as exc:
        raise PostRefused(400, "invalid-form-post", str(exc)) from None
    if not isinstance(body, dict) or len(body) > MAX_FIELDS:
        raise PostRefused(400, "invalid-form-post",
                          f"expected a JSON object of at most {MAX_FIELDS} fields")
    values: dict[str, str] = {}
    for name, value in body.items():
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise PostRefused(400, "invalid-form-value", "each field is a string", name)
        values[name] = str(value)
    return values


async def _multipart(request: web.Request) -> dict[str, str]:
    try:
        reader = await request.multipart()
        pairs: list[tuple[str, str]] = []
        size = 0
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.filename is not None:
                raise PostRefused(400, "form-files-refused", "a form post carries no files",
                                  (getattr(part, "name", None) or ""))
            data = await _part(part, MAX_BODY - size)
            size += len(data)
            pairs.append((part.name or "", data.decode("utf-8")))
            if len(pairs) > MAX_FIELDS:
                raise PostRefused(400, "invalid-form-post", f"at most {MAX_FIELDS} fields")
    except (UnicodeDecodeError, ValueError, AssertionError, RuntimeError):
        raise PostRefused(400, "invalid-form-post", "a malformed multipart body") from None
    return _first_of_each(pairs)


async def _part(part: BodyPartReader, room: int) -> bytes:
    chunks, size = [], 0
    while chunk := await part.read_chunk(8 * 1024):
        size += len(chunk)
        if size > room:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _first_of_each(pairs: list[tuple[str, str]]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in pairs:
        values.setdefault(name, value)
    return values
