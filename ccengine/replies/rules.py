"""The pure rules of replies: cleaning the editor's HTML, its text alternative,
signatures appended, the placeholders' values for a ticket, a template checked."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import nh3

from ccengine.mail.templates import unknown_placeholders

__all__ = ["ReplyError", "TemplateInvalid", "clean_html", "placeholder_values", "text_of",
           "with_signatures"]

TAGS = {"p", "br", "div", "span", "b", "strong", "i", "em", "u", "ul", "ol", "li", "a",
        "blockquote"}
ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
MAX_NAME, MAX_SUBJECT, MAX_HTML = 100, 300, 100_000
SEPARATOR = "<p>-- </p>"


class ReplyError(Exception):
    """A refused reply or template; ``field`` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class TemplateInvalid(ReplyError):
    pass


class SignatureInvalid(ReplyError):
    pass


class TemplateNotFound(ReplyError):
    pass


class TemplateNameTaken(ReplyError):
    pass


class NoMailbox(ReplyError):
    pass


class NoRecipient(ReplyError):
    pass


class InvalidAddress(ReplyError):
    pass


class AttachmentTooLarge(ReplyError):
    pass


def clean_html(raw: str) -> str:
    """Only simple formatting and links survive: no scripts, styles or handlers."""
    return nh3.clean(raw, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer").strip()


BREAKS = frozenset({"p", "div", "blockquote", "ul", "ol"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in BREAKS:
            self.parts.append("\n")
        if tag == "a":
            self.links.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in BREAKS:
            self.parts.append("\n")
        elif tag == "a" and self.links:
            href = self.links.pop()
            if href and not href.startswith("mailto:"):
                self.parts.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.parts.append(re.sub(r"\s+", " ", data))


def text_of(html: str) -> str:
    """The plain-text alternative: paragraphs and list items on their own lines."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    # "-- " (with its space) is the signature separator mail clients know.
    lines = [line.strip() if line.strip() != "--" else "-- "
             for line in "".join(parser.parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def with_signatures(html: str, agent: str | None, queue: str | None) -> str:
    """The reply, then "-- " and the agent's and the queue's signatures (those set)."""
    signatures = [part for part in (agent, queue) if part and part.strip()]
    if not signatures:
        return html
    return "".join([html, SEPARATOR, *(f"<div>{part}</div>" for part in signatures)])


@dataclass(frozen=True, slots=True)
class Context:
    """What a reply's placeholders may say about its ticket."""

    number: str
    title: str
    queue: str | None
    sla_due: datetime | None
    customer_name: str | None
    customer_email: str | None
    agent_name: str
    agent_email: str
    mailbox_name: str


def placeholder_values(context: Context, timezone: str) -> Mapping[str, str]:
    due = "" if context.sla_due is None else (
        context.sla_due.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M"))
    return {"ticket.number": context.number, "ticket.title": context.title,
            "ticket.queue": context.queue or "", "ticket.sla_due": due,
            "customer.name": context.customer_name or "",
            "customer.email": context.customer_email or "",
            "agent.name": context.agent_name, "agent.email": context.agent_email,
            "mailbox.name": context.mailbox_name}


def check_template(name: str, subject: str, body_html: str) -> tuple[str, str, str]:
    """The template's fields, trimmed and cleaned; ``TemplateInvalid`` naming the field
    (and an unknown placeholder)."""
    name, subject = name.strip(), subject.strip()
    if not name or len(name) > MAX_NAME:
        raise TemplateInvalid("name", f"a name of 1 to {MAX_NAME} characters")
    if len(subject) > MAX_SUBJECT:
        raise TemplateInvalid("subject", f"at most {MAX_SUBJECT} characters")
    if len(body_html) > MAX_HTML:
        raise TemplateInvalid("body_html", f"at most {MAX_HTML} characters")
    for field_name, text in (("subject", subject), ("body_html", body_html)):
        unknown = unknown_placeholders(text)
        if unknown:
            raise TemplateInvalid(field_name, f"unknown placeholder {{{{ {unknown[0]} }}}}")
    return name, subject, clean_html(body_html)
