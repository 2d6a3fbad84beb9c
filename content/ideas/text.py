"""User text of the ideas app: the proposal's rich text, sanitised with nh3 (the project's sanitiser), and the
Chinese search of the problem index and the talent pool, through the learning catalogue's public helpers."""

from __future__ import annotations

import nh3

# What a proposal may hold: paragraphs, emphasis, lists, headings, quotes, links. No scripts, no styles, no
# event handlers, no images (attachments carry pictures), no iframes.
ALLOWED_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote", "a", "code"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_SCHEMES = {"http", "https", "mailto"}


def sanitise_html(html: str) -> str:
    """`html` with everything but the allowed tags removed; links get rel="noopener noreferrer nofollow"."""
    return nh3.clean(
        html or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    ).strip()


def plain_text(html: str) -> str:
    """The words of sanitised HTML, for search and summaries."""
    return nh3.clean(html or "", tags=set()).strip()


def search_rank(query: str, rows: list[tuple[object, list[tuple[str, float]]]]) -> list:
    """`rows` ((item, [(text, weight), ...])) that match `query`, best first, ranked as the course search
    ranks pages (content/learning/text.py: jieba words, single characters, traditional folded to simplified)."""
    from content.learning.text import best_first, characters_matched, parse_query, rank, word_matches

    parsed = parse_query(query)
    if parsed is None:
        return [item for item, _fields in rows]
    scored = []
    for item, fields in rows:
        texts = [text for text, _weight in fields]
        scored.append(
            (rank(parsed, fields), word_matches(parsed, texts), characters_matched(parsed, texts), texts[0], item)
        )
    return best_first(parsed, scored)
