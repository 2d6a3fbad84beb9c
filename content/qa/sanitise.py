"""Turning what a person typed into HTML that is safe to show: plain text is escaped, rich text is cleaned by nh3
(the house's sanitiser) down to a few inline and list tags, links get rel="nofollow noopener noreferrer ugc"."""

from __future__ import annotations

import html
import re

import nh3

FORMATS = ("text", "html")
TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "code", "pre", "blockquote", "a"}
ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}
_BLANK_LINES = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"\s+")


def body_html(raw: str, fmt: str = "text") -> str:
    """The safe HTML of ``raw``: ``fmt`` "text" (paragraphs at blank lines, line breaks kept) or "html"."""
    if fmt == "html":
        return nh3.clean(
            raw,
            tags=TAGS,
            attributes=ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel="nofollow noopener noreferrer ugc",
            strip_comments=True,
        ).strip()
    paragraphs = [p.strip() for p in _BLANK_LINES.split(raw.replace("\r\n", "\n").strip()) if p.strip()]
    return "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def plain_text(safe_html: str) -> str:
    """The words of sanitised HTML, with runs of white space made one (for length checks and statement names)."""
    text = nh3.clean(re.sub(r"<(br|/p|/li)\s*/?>", " ", safe_html), tags=set())
    return _SPACES.sub(" ", html.unescape(text)).strip()
