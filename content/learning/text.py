"""Chinese text for search: normalising, cutting into words, and ranking a page against a query.

Neither SQLite's full-text tokenizer nor PostgreSQL's `simple` configuration knows where Chinese
words end: a title such as 卷烟陈列技巧 is one token to them, so a query for 陈列 would find nothing.
We index a copy of the text cut into words by jieba (search mode, which also emits the shorter
words inside long ones) plus every Chinese character on its own, so that a one-character query
(证, 陈) finds 许可证 and 陈老师 too. Queries are cut the same way. Traditional characters are
converted to simplified ones (OpenCC's t2s tables) on both sides, and full-width letters and digits
to plain ones, so 證書 and 证书, ＡＰＰ and app are the same words.

The full-text index only finds candidates; `rank` orders them the same way on every database: a
match in the title counts most, then tags, instructor and category, then summary and body; the
whole query or a whole word counts more than single characters of it.

jieba and OpenCC load their dictionaries lazily, on the first call, with jieba's log quietened.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

_lock = threading.Lock()
_jieba = None
_opencc = None
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _tokenizer():
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


def _converter():
    global _opencc
    if _opencc is None:
        with _lock:
            if _opencc is None:
                from opencc import OpenCC

                _opencc = OpenCC("t2s")
    return _opencc


def normalise(text: str) -> str:
    """`text` in simplified characters, full-width forms folded (NFKC), lower case, trimmed."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if _CJK.search(text):
        text = _converter().convert(text)
    return text.lower()


def words(text: str) -> list[str]:
    """The words of `text`: jieba's search-mode cut for Chinese, plain words otherwise."""
    text = normalise(text)
    if not text:
        return []
    if not _CJK.search(text):
        return [w for w in re.split(r"\W+", text) if w]
    out = []
    for word in _tokenizer().cut_for_search(text):
        word = word.strip()
        if word and re.search(r"\w", word):
            out.append(word)
    return out


def characters(text: str) -> list[str]:
    """The distinct Chinese characters of `text`, simplified, in order."""
    return list(dict.fromkeys(_CJK.findall(normalise(text))))


def segment_for_index(text: str) -> str:
    """`text` as space-separated words, for a search field."""
    seen: dict[str, None] = {}
    for word in words(text):
        seen.setdefault(word.lower(), None)
    return " ".join(seen)


def index_text(text: str) -> str:
    """What a search field holds: the words of `text`, then each of its Chinese characters on its own."""
    tokens = dict.fromkeys(segment_for_index(text).split())
    tokens.update(dict.fromkeys(characters(text)))
    return " ".join(tokens)


def segment_query(query: str) -> str:
    """A query cut into the same words as the index, joined by spaces."""
    return " ".join(dict.fromkeys(w.lower() for w in words(query)))


@dataclass(frozen=True)
class Query:
    """A query as the ranking sees it: the whole of it (spaces removed), its words and its characters."""

    text: str
    phrase: str
    words: tuple[str, ...]
    chars: tuple[str, ...]

    @property
    def index_terms(self) -> str:
        """The terms to look up in the full-text index: every word and every character (any may match)."""
        return " ".join(dict.fromkeys([*self.words, *self.chars]))


def parse_query(query: str) -> Query | None:
    """The query's phrase, words and characters, or None when it has nothing to search for."""
    found = tuple(dict.fromkeys(words(query)))
    if not found:
        return None
    phrase = re.sub(r"\s+", "", normalise(query))
    return Query(text=query, phrase=phrase, words=found, chars=tuple(characters(query)))


@lru_cache(maxsize=4096)
def _field_words(text: str) -> frozenset[str]:
    return frozenset(words(text))


# How much a match counts, by where it is (weights) and what matched (the scores inside `rank`).
TITLE, LABEL, BODY = 10.0, 4.0, 1.0


def rank(query: Query, fields: list[tuple[str, float]]) -> float:
    """How well a page with these (text, weight) fields answers `query`; 0 when nothing matches.

    Per field: the whole query as it was typed scores 8 (12 when it is the whole field); each query word
    scores its length times 4 when it is a word of the field and times 3 when it is only inside one; each
    query character found scores 1. All times the field's weight; a word match always outranks the
    characters it is made of, and a title match outranks the same match anywhere else.
    """
    total = 0.0
    for raw, weight in fields:
        text = normalise(raw)
        if not text:
            continue
        score = 0.0
        if len(query.phrase) > 1 and query.phrase in text.replace(" ", ""):
            score += 12 if text.replace(" ", "") == query.phrase else 8
        field_words = _field_words(text)
        for word in query.words:
            if word in field_words:
                score += 4 * len(word)
            elif word in text:
                score += 3 * len(word)
        score += sum(1 for char in query.chars if char in text)
        total += score * weight
    return total


def best_first(query: Query, scored: list[tuple[float, int, int, str, object]]) -> list:
    """Items ordered by score, then by where the query starts in the title, then shorter titles first.

    `scored` holds (score, word matches, characters matched, title, item). When some item matches a
    whole word of the query, items that match only characters are left out; otherwise an item must hold
    at least half of the query's characters, so 证书 still finds 许可证 but 张律师 does not list every
    page that says 一张.
    """
    if any(row[1] for row in scored):
        scored = [row for row in scored if row[1]]
    else:
        needed = (len(query.chars) + 1) // 2
        scored = [row for row in scored if row[2] >= needed]

    def position(title: str) -> int:
        title = normalise(title)
        spots = [title.find(w) for w in (query.phrase, *query.words) if w in title]
        if not spots:  # characters only: after every word match
            spots = [len(title) + title.find(c) for c in query.chars if c in title] or [2 * len(title)]
        return min(spots)

    scored = [row for row in scored if row[0] > 0]
    scored.sort(key=lambda row: (-row[0], position(row[3]), len(row[3]), row[3]))
    return [row[4] for row in scored]


def characters_matched(query: Query, texts: list[str]) -> int:
    """How many of the query's distinct characters appear in these texts."""
    joined = " ".join(normalise(t) for t in texts)
    return sum(1 for char in query.chars if char in joined)


def word_matches(query: Query, texts: list[str]) -> int:
    """How many of the query's words appear in these texts. Single Chinese characters count as words
    only when the query is one character: in 毛利率怎么算 the 算 alone is no evidence of a match."""
    joined = " ".join(normalise(t) for t in texts)
    strong = [w for w in query.words if len(w) > 1 or not _CJK.match(w) or len(query.phrase) == 1]
    return sum(1 for word in strong if word in joined)
