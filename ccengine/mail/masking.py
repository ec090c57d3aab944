# TEMPORARY: replaced by wip/parse at merge (a minimal stand-in with the same signature).
"""masked(parsed): the message with PESEL and card numbers masked (issue 6's masking)."""

from __future__ import annotations

from dataclasses import replace

from ccengine.mail.model import ParsedMail
from ccengine.transcribe.masking import mask_text

__all__ = ["masked"]


def masked(parsed: ParsedMail) -> ParsedMail:
    return replace(parsed, subject=mask_text(parsed.subject).text,
                   text=mask_text(parsed.text).text, html=None,
                   quoted_text=None if parsed.quoted_text is None
                   else mask_text(parsed.quoted_text).text)
