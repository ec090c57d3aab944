"""PESELs and card numbers masked out of a received message (the mailbox's
``mask_personal_data``), with the transcripts' recall-first ``mask_text``: subject,
new text, quoted history, HTML, the sender's name (it becomes the customer's name and
the activity's author), the notes and every attachment's file name. Pure; the
unmasked message is never stored.

A mail kept whole as a file (a forwarded ``message/rfc822``, a broken message kept as
``wiadomosc.eml``) and a text file are served as they are, so their bytes are
replaced by a masked text rendering (``.txt``): what a person reads in them is kept,
the raw bytes (where a number may also hide base64- or QP-encoded) are not. Dropping
them would lose the text; masking the raw MIME in place would miss encoded numbers.
Other files (PDF, images) are kept: their content is not text we can mask."""

from __future__ import annotations

import re
from dataclasses import replace

from ccengine.mail.charsets import decode_text
from ccengine.mail.html_text import clean_html
from ccengine.mail.model import ParsedAttachment, ParsedMail
from ccengine.mail.parsing import parse_message
from ccengine.transcribe.masking import mask_text

__all__ = ["masked", "masked_html"]

_TAG = re.compile(r"<[^<>]*>")


def masked(parsed: ParsedMail) -> ParsedMail:
    return replace(
        parsed, subject=_mask(parsed.subject), text=_mask(parsed.text),
        quoted_text=_mask(parsed.quoted_text) if parsed.quoted_text else None,
        html=masked_html(parsed.html) if parsed.html else None,
        from_name=_mask(parsed.from_name) if parsed.from_name else parsed.from_name,
        notes=tuple(_mask(note) for note in (*parsed.notes, *_rendered(parsed))),
        attachments=tuple(_masked_file(file) for file in parsed.attachments))


def _rendered(parsed: ParsedMail) -> list[str]:
    return [f"“{file.filename}” is kept as text only (.txt): this mailbox masks personal "
            "data." for file in parsed.attachments if _is_mail(file)]


def _is_mail(file: ParsedAttachment) -> bool:
    return file.content_type == "message/rfc822" or file.filename.lower().endswith(".eml")


def _mask(text: str) -> str:
    return mask_text(text).text


def _masked_file(file: ParsedAttachment) -> ParsedAttachment:
    name = _mask(file.filename)
    if _is_mail(file):
        return replace(file, filename=_txt(name), content_type="text/plain",
                       data=_mask(_mail_text(file.data)).encode())
    if file.content_type.startswith("text/"):
        text = decode_text(file.data, None)
        data = masked_html(text) if file.content_type == "text/html" else _mask(text)
        return replace(file, filename=name, data=data.encode())
    return replace(file, filename=name)


def _txt(name: str) -> str:
    return f"{name[:-4] if name.lower().endswith('.eml') else name}.txt"


def _mail_text(data: bytes) -> str:
    """A mail's headers and readable text (its files by name only), unmasked."""
    mail = parse_message(data)
    sender = " ".join(part for part in (mail.from_name, mail.from_address) if part)
    files = [file.filename for file in mail.attachments if file.data != data]
    lines = [f"Od: {sender}", f"Temat: {mail.subject}", "", mail.text]
    if mail.quoted_text:
        lines += ["", mail.quoted_text]
    if files:
        lines += ["", "Załączniki (poza tą kopią): " + ", ".join(files)]
    return "\n".join(lines)


def masked_html(html: str) -> str:
    """The text is read as one, tags blanked out (a number split by markup is still
    one number), a masked number keeps the tags it spanned; each tag's attributes are
    masked on their own; cleaned again."""
    blanked = _TAG.sub(lambda tag: " " * len(tag.group()), html)
    parts: list[str] = []
    position = 0
    for span in mask_text(blanked).spans:  # sorted, apart
        inside = html[span.start:span.end]
        parts += [html[position:span.start], f"[{span.kind.value}]", *_TAG.findall(inside)]
        position = span.end
    text_masked = "".join([*parts, html[position:]])
    tags_masked = _TAG.sub(lambda tag: mask_text(tag.group()).text, text_masked)
    return clean_html(tags_masked)
