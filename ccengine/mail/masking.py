"""PESELs and card numbers masked out of a received message (the mailbox's
``mask_personal_data``), with the transcripts' recall-first ``mask_text``: subject,
new text, quoted history and HTML. Pure; the unmasked message is never stored."""

from __future__ import annotations

import re
from dataclasses import replace

from ccengine.mail.html_text import clean_html
from ccengine.mail.model import ParsedMail
from ccengine.transcribe.masking import mask_text

__all__ = ["masked", "masked_html"]

_TAG = re.compile(r"<[^<>]*>")


def masked(parsed: ParsedMail) -> ParsedMail:
    return replace(
        parsed, subject=mask_text(parsed.subject).text, text=mask_text(parsed.text).text,
        quoted_text=mask_text(parsed.quoted_text).text if parsed.quoted_text else None,
        html=masked_html(parsed.html) if parsed.html else None)


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
