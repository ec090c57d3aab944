"""The parts of a parsed message: its text and HTML bodies and its files (inline
images with their Content-ID, attached mails as .eml, files over the size limit
named in a note instead); pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import errors
from email.message import EmailMessage, Message

from ccengine.mail.charsets import decode_text, recover_header
from ccengine.mail.model import ParsedAttachment
from ccengine.mail.sniffing import IMAGE_TYPES, extension_of, safe_filename, sniff

__all__ = ["Parts", "human_size", "lost_content", "read_parts"]

# Defects after which the parser's parts may not hold all the sender's content.
_LOSSY = (errors.StartBoundaryNotFoundDefect, errors.CloseBoundaryNotFoundDefect,
          errors.NoBoundaryInMultipartDefect, errors.MultipartInvariantViolationDefect,
          errors.MissingHeaderBodySeparatorDefect, errors.InvalidBase64PaddingDefect,
          errors.InvalidBase64CharactersDefect, errors.InvalidBase64LengthDefect,
          errors.InvalidMultipartContentTransferEncodingDefect)
_MAX_DEPTH = 30


@dataclass
class Parts:
    max_attachment_bytes: int
    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_file(self, attachment: ParsedAttachment) -> None:
        if len(attachment.data) > self.max_attachment_bytes:
            self.notes.append(f"Attachment “{attachment.filename}” "
                              f"({human_size(len(attachment.data))}) was not kept: over the "
                              f"{human_size(self.max_attachment_bytes)} limit.")
        else:
            self.attachments.append(attachment)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def read_parts(message: EmailMessage, max_attachment_bytes: int) -> Parts:
    parts = Parts(max_attachment_bytes)
    _read(message, parts, 0)
    return parts


def lost_content(message: Message) -> bool:
    """Whether any part has a defect that may have lost some of the sender's content."""
    return any(isinstance(defect, _LOSSY) for part in message.walk() for defect in part.defects)


def _read(part: Message, parts: Parts, depth: int) -> None:
    if part.get_content_type() == "message/rfc822":
        parts.add_file(_attached_mail(part, len(parts.attachments) + 1))
    elif part.is_multipart() and depth < _MAX_DEPTH:
        for child in part.get_payload():
            if isinstance(child, Message):
                _read(child, parts, depth + 1)
    elif part.get_content_maintype() == "multipart" or _is_body(part, "text/plain"):
        # (a multipart whose parts the parser could not find: its text is shown)
        parts.texts.append(_text_of(part))
    elif _is_body(part, "text/html"):
        parts.htmls.append(_text_of(part))
    else:
        parts.add_file(_file(part, len(parts.attachments) + 1))


def _is_body(part: Message, content_type: str) -> bool:
    return (part.get_content_type() == content_type
            and part.get_content_disposition() != "attachment" and not _filename(part))


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, list):  # message/* holding messages: their bytes as sent
        return b"\n".join(bytes(item) for item in raw if isinstance(item, Message))
    return str(raw).encode("utf-8", errors="surrogateescape")


def _text_of(part: Message) -> str:
    return decode_text(_payload(part), part.get_content_charset())


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except (ValueError, LookupError, TypeError, IndexError):
        return None
    return recover_header(str(name)) if name else None


def _content_id(part: Message) -> str | None:
    raw = str(part.get("content-id", "") or "").strip()
    if not raw:
        return None
    return (raw if raw.startswith("<") else f"<{raw.strip('<>')}>")[:500]


def _file(part: Message, position: int) -> ParsedAttachment:
    data = _payload(part)
    kind = sniff(data)
    content_id = _content_id(part)
    fallback = f"attachment-{position}{extension_of(kind)}"
    return ParsedAttachment(
        filename=safe_filename(_filename(part), fallback), content_type=kind, data=data,
        content_id=content_id,
        inline=bool(content_id) and kind in IMAGE_TYPES
        and part.get_content_disposition() != "attachment")


def _attached_mail(part: Message, position: int) -> ParsedAttachment:
    inner = part.get_payload()
    mail = inner[0] if isinstance(inner, list) and inner else None
    data = _mail_bytes(mail) if isinstance(mail, Message) else _payload(part)
    subject = recover_header(str(mail.get("subject", "") or "")) if isinstance(
        mail, Message) else ""
    name = _filename(part) or (f"{subject[:100]}.eml" if subject.strip() else None)
    if name and not name.lower().endswith(".eml"):
        name += ".eml"
    return ParsedAttachment(filename=safe_filename(name, f"message-{position}.eml"),
                            content_type="message/rfc822", data=data)


def _mail_bytes(mail: Message) -> bytes:
    try:
        return mail.as_bytes()
    except (ValueError, LookupError, TypeError, UnicodeError, AttributeError):
        return bytes(str(mail), "utf-8", errors="surrogateescape")
