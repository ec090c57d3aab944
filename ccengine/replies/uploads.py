"""Reading a reply's multipart form: text fields and files, each bounded while it
streams in (a too-large file is refused before it is all read)."""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field

from aiohttp import BodyPartReader, web

from ccengine.mail.composing import Attachment
from ccengine.web.body import InvalidBody
from ccengine.web.errors import ApiError

MAX_FIELD = 200_000  # the editor's HTML
MAX_FILES = 20
CHUNK = 64 * 1024
FIELDS = frozenset({"to", "cc", "subject", "html", "template_id", "after_status"})


class TooLarge(ApiError):
    status = 413

    def __init__(self, error_id: str, message: str) -> None:
        super().__init__(message)
        self.error_id, self.field = error_id, "files"


@dataclass
class Form:
    fields: dict[str, str] = field(default_factory=dict)
    files: list[Attachment] = field(default_factory=list)


async def read_form(request: web.Request, max_file: int, max_total: int) -> Form:
    if request.content_type == "application/x-www-form-urlencoded":  # no files
        return await _urlencoded(request)
    if request.content_type != "multipart/form-data":
        raise InvalidBody("", "expected multipart/form-data")
    form, total = Form(), 0
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise InvalidBody("", "nested multipart is not accepted")
            if part.filename is not None and part.name == "files":
                data = await _bounded(part, min(max_file, max_total - total) + 1)
                if len(data) > max_file:
                    raise TooLarge("attachment-too-large",
                                   f"{part.filename[:100]!r}: over {max_file} bytes")
                total += len(data)
                if total > max_total or len(form.files) >= MAX_FILES:
                    raise TooLarge("attachments-too-large",
                                   f"the files together: over {max_total} bytes or "
                                   f"{MAX_FILES} files")
                form.files.append(_attachment(part.filename, data))
            elif part.name in FIELDS:
                form.fields[part.name] = await _text(part)
            else:
                raise InvalidBody(part.name or "", "unknown field")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidBody("", f"a broken form: {type(exc).__name__}") from None
    return form


async def _urlencoded(request: web.Request) -> Form:
    try:
        posted = await request.post()
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidBody("", f"a broken form: {type(exc).__name__}") from None
    form = Form()
    for name, value in posted.items():
        if name not in FIELDS or not isinstance(value, str):
            raise InvalidBody(name, "unknown field")
        if len(value) > MAX_FIELD or "\x00" in value:
            raise InvalidBody(name, f"at most {MAX_FIELD} characters, no NUL")
        form.fields[name] = value
    return form


async def _bounded(part: BodyPartReader, limit: int) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk(CHUNK):
        data += chunk
        if len(data) >= limit:
            break
    return bytes(data)


async def _text(part: BodyPartReader) -> str:
    data = await _bounded(part, MAX_FIELD + 1)
    if len(data) > MAX_FIELD:
        raise InvalidBody(part.name or "", f"at most {MAX_FIELD} bytes")
    text = data.decode("utf-8")
    if "\x00" in text:
        raise InvalidBody(part.name or "", "must not contain NUL characters")
    return text


def _attachment(filename: str, data: bytes) -> Attachment:
    """A safe file name (no path, no control characters) and its type by its name
    (the sender's word for it is not trusted)."""
    name = re.sub(r"[\x00-\x1f\x7f/\\]+", "_", filename.rsplit("/", 1)[-1]).strip() or "file"
    guessed = mimetypes.guess_type(name)[0]
    return Attachment(name[:255], guessed or "application/octet-stream", data)
