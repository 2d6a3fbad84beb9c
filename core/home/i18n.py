"""Editor-managed texts in two languages: a Chinese field (the default, always filled) and an optional
English twin named `<field>_en`. `localized` picks the one for the active language, falling back to the
Chinese text when the English one is empty, so a half-translated site never shows a blank."""

from __future__ import annotations

from django.utils.translation import get_language


def localized(obj, field: str):
    """`obj.<field>_en` when English is active and it is filled, otherwise `obj.<field>`."""
    if obj is None:
        return ""
    if (get_language() or "").startswith("en"):
        english = getattr(obj, f"{field}_en", "")
        if english:
            return english
    return getattr(obj, field, "")
