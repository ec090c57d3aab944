"""What an attachment is, from its bytes (never the sender's Content-Type), and a
file name safe to offer for download; pure, no libmagic."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

__all__ = ["IMAGE_TYPES", "OCTET_STREAM", "extension_of", "safe_filename", "sniff"]

OCTET_STREAM = "application/octet-stream"
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
MAX_FILENAME = 150
_SAMPLE = 4096
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_EXTENSIONS = {
    "application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg",
    "image/gif": ".gif", "image/webp": ".webp", "application/zip": ".zip", DOCX: ".docx",
    XLSX: ".xlsx", PPTX: ".pptx", "text/plain": ".txt", "message/rfc822": ".eml",
    OCTET_STREAM: ".bin",
}
_OFFICE = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
# Bytes no plain text holds: C0 controls but tab, line feed, form feed, carriage return.
_BINARY = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
_RESERVED = re.compile(r'[<>:"/\\|?*]')


def sniff(data: bytes) -> str:
    """The content type the bytes show; ``application/octet-stream`` when unsure."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _zip_kind(data)
    if data and not _BINARY.search(data[:_SAMPLE]):
        return "text/plain"
    return OCTET_STREAM


def _zip_kind(data: bytes) -> str:
    """A zip, or the Office document that is one (its parts tell which)."""
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return "application/zip"
    if "[Content_Types].xml" in names:
        for prefix, kind in _OFFICE:
            if any(name.startswith(prefix) for name in names):
                return kind
    return "application/zip"


def extension_of(content_type: str) -> str:
    return _EXTENSIONS.get(content_type, ".bin")


def safe_filename(name: str | None, fallback: str) -> str:
    """The last path segment, without control or format characters and characters
    Windows refuses, capped at ``MAX_FILENAME`` keeping the extension; ``fallback``
    when nothing is left."""
    if not name:
        return fallback
    base = re.split(r"[/\\]", name)[-1]
    kept = "".join(char for char in unicodedata.normalize("NFC", base)
                   if unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    cleaned = _RESERVED.sub("_", kept).strip(" .")
    if not cleaned:
        return fallback
    return _capped(cleaned)


def _capped(name: str) -> str:
    if len(name) <= MAX_FILENAME:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and 0 < len(extension) <= 10:
        return stem[: MAX_FILENAME - len(extension) - 1] + "." + extension
    return name[:MAX_FILENAME]
