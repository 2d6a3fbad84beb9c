"""Chinese word segmentation for search, done the same way when indexing and when querying.

Neither SQLite's full-text tokenizer nor PostgreSQL's `simple` configuration knows where Chinese
words end: a title such as 卷烟陈列技巧 is one token to them, so a query for 陈列 would find nothing.
We index a copy of the text cut into words by jieba (search mode, which also emits the shorter
words inside long ones) and cut the query the same way. jieba loads its dictionary lazily, on the
first call, with its log quietened.
"""

from __future__ import annotations

import logging
import re
import threading

_lock = threading.Lock()
_jieba = None
_CJK = re.compile(r"[\u3400-\u9fff]")


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


def words(text: str) -> list[str]:
    """The words of `text`: jieba's search-mode cut for Chinese, plain words otherwise."""
    text = (text or "").strip()
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


def segment_for_index(text: str) -> str:
    """`text` as space-separated words, for a search field."""
    seen: dict[str, None] = {}
    for word in words(text):
        seen.setdefault(word.lower(), None)
    return " ".join(seen)


def segment_query(query: str) -> str:
    """A query cut into the same words as the index, joined by spaces."""
    return " ".join(dict.fromkeys(w.lower() for w in words(query)))
