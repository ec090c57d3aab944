"""The HTML of a received message: cleaned with nh3 to an allow-list (no scripts,
styles, forms, event attributes or remote images: only ``cid:`` and inline data
images), cut where the quoted history begins, and read as plain text; pure."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

__all__ = ["clean_html", "html_to_text", "split_html_quote"]

TAGS = frozenset({
    "a", "abbr", "b", "big", "blockquote", "br", "caption", "center", "code", "dd", "div",
    "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li",
    "ol", "p", "pre", "s", "small", "span", "strike", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_DROPPED_WITH_CONTENT = {"script", "style", "title", "head", "textarea", "select",
                         "noscript", "template", "iframe", "object", "svg", "math"}
_IMAGE_DATA = re.compile(r"data:image/(png|jpeg|gif|webp)[;,]", re.IGNORECASE)
_LINK = re.compile(r"(https?:|mailto:)", re.IGNORECASE)
# Where mail programs start the quoted history in HTML. Bounded, and never across a
# "<": hostile HTML cannot make the search quadratic.
_IN_TAG = r"[^<>]{0,2000}"
_QUOTE_START = re.compile(
    rf"<div{_IN_TAG}class=[\"']?(gmail_quote|moz-cite-prefix)"
    rf"|<blockquote{_IN_TAG}type=[\"']?cite"
    rf"|<div{_IN_TAG}id=[\"']?(divRplyFwdMsg|appendonsend"
    r"|mail-editor-reference-message-container)"
    rf"|<hr{_IN_TAG}id=[\"']?stopSpelling"
    rf"|<div{_IN_TAG}style=[\"'][^\"'<>]{{0,2000}}border-top:\s*solid\s+#(E1E1E1|B5C4DF)",
    re.IGNORECASE)


def _attribute(tag: str, name: str, value: str) -> str | None:
    if tag == "img" and name == "src":
        keep = value.lower().startswith("cid:") or _IMAGE_DATA.match(value)
        return value if keep else None
    if tag == "a" and name == "href":
        return value if _LINK.match(value.strip()) else None
    return value


def clean_html(html: str) -> str:
    """The allow-listed HTML; links get rel="noopener noreferrer" and open apart."""
    return nh3.clean(html, tags=set(TAGS), attributes=ATTRIBUTES,
                     clean_content_tags=_DROPPED_WITH_CONTENT, attribute_filter=_attribute,
                     url_schemes={"http", "https", "mailto", "cid", "data"},
                     set_tag_attribute_values={"a": {"target": "_blank"}},
                     strip_comments=True)


def split_html_quote(html: str) -> tuple[str, str | None]:
    """The raw HTML before a mail program's quoted-history marker, and from it on."""
    found = _QUOTE_START.search(html)
    if found is None or not html_to_text(html[: found.start()]).strip():
        return html, None
    return html[: found.start()], html[found.start():]


_BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6",
                     "blockquote", "hr", "table", "ul", "ol", "pre", "dt", "dd"})
_SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript"})


class _TextReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n" if tag == "br" else "\n\n")
        elif tag == "td":
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCKS and tag != "br":
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Paragraphs, line breaks and the words (a link's words too) of the HTML.

    Read after cleaning: html.parser is quadratic on unclosed tags ("<div class=…"
    repeated), while nh3's output is well formed."""
    reader = _TextReader()
    try:
        reader.feed(clean_html(html))
        reader.close()
    except (AssertionError, ValueError):  # html.parser's rare give-ups on garbage
        pass
    lines = [line.strip() for line in "".join(reader.parts).replace("\xa0", " ").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
