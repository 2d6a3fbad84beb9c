"""Readable slugs for Chinese titles: 卷烟陈列技巧 -> juan-yan-chen-lie-ji-qiao, not %E5%8D%B7....

Wagtail fills a page's slug from its title in the browser; with Unicode slugs allowed that slug is the
Chinese title itself, which every link then carries percent-encoded. The admin's slug field (every
WagtailAdminModelForm's, pages and snippets alike) turns any slug that is not plain ASCII into pinyin
on the server, so whatever the browser sent, the saved slug reads.
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.utils.text import slugify

MAX_SLUG = 80


def pinyin_slug(text: str, *, max_length: int = MAX_SLUG) -> str:
    """`text` as a lower-case ASCII slug: Chinese characters as toneless pinyin syllables, one per hyphen;
    letters and digits kept; traditional characters read like simplified ones. "" when nothing is left."""
    from pypinyin import Style, lazy_pinyin

    text = unicodedata.normalize("NFKC", text or "")
    syllables = lazy_pinyin(text.replace("-", " "), style=Style.NORMAL, errors="default", v_to_u=False)
    slug = slugify(" ".join(syllables).replace("·", " "))
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug


class PinyinSlugField(forms.SlugField):
    """A slug form field that reads a non-ASCII slug (the browser's copy of a Chinese title) as pinyin."""

    def to_python(self, value):
        value = super().to_python(value)
        if value and not value.isascii():
            value = pinyin_slug(value, max_length=self.max_length or MAX_SLUG) or value
        return value
