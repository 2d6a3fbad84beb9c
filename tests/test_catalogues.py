"""Chinese first, English complete: every catalogue translates every message, and the compiled .mo files
that ship match their .po sources."""

import re
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "platform"))
from fill_en_catalogue import catalogues, missing_entries  # noqa: E402

# Every app (a folder with an apps.py) and the project package itself: a new app cannot be forgotten.
APPS_WITH_STRINGS = ["core"] + sorted(
    path.parent.relative_to(ROOT).as_posix()
    for pattern in ("core/*/apps.py", "content/*/apps.py", "realtime/apps.py", "recommender/apps.py")
    for path in ROOT.glob(pattern)
)


def test_every_message_is_translated_in_both_languages():
    assert missing_entries() == []


@pytest.mark.parametrize("app", APPS_WITH_STRINGS)
def test_each_app_has_both_catalogues(app):
    for language in ("zh_Hans", "en"):
        assert (ROOT / app / "locale" / language / "LC_MESSAGES" / "django.po").exists(), f"{app} lacks {language}"


def _translation(entry) -> str | tuple:
    # A plural message keeps its forms in msgstr_plural, with msgstr empty.
    if entry.msgid_plural:
        return tuple(sorted((int(n), text) for n, text in entry.msgstr_plural.items() if text))
    return entry.msgstr


def test_compiled_catalogues_match_their_sources():
    for language in ("zh_Hans", "en"):
        for po_path in catalogues(language):
            mo_path = po_path.with_suffix(".mo")
            assert mo_path.exists(), f"{mo_path} is missing: run make messages"
            source = {
                (e.msgctxt, e.msgid): _translation(e)
                for e in polib.pofile(str(po_path))
                if not e.obsolete and _translation(e)
            }
            compiled = {(e.msgctxt, e.msgid): _translation(e) for e in polib.mofile(str(mo_path)) if e.msgid}
            assert compiled == source, f"{mo_path} is out of date: run make messages"


def _untranslated_template_text(source: str) -> list[str]:
    """Text a reader would see in a template that no translation tag wraps: Chinese or English words
    outside {% translate %} / {% blocktranslate %}, in the page or in the attributes people read."""
    text = re.sub(r"{%\s*block body_class\s*%}.*?{%\s*endblock\s*%}", "", source, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", "", text, flags=re.S)
    text = re.sub(r"{%\s*blocktrans(late)?\b.*?{%\s*endblocktrans(late)?\s*%}", "", text, flags=re.S)
    text = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "", text, flags=re.S)
    found = re.findall(r'(?:placeholder|aria-label|title|alt)="([^"]*[A-Za-z\u4e00-\u9fff][^"]*)"', text)
    text = re.sub(r"<[^>]+>", "\n", text)
    found += [line.strip() for line in text.splitlines() if re.search(r"[A-Za-z]{2,}|[\u4e00-\u9fff]", line)]
    return found


def test_templates_show_no_text_outside_translation_tags():
    templates = [
        p for top in ("core", "content", "realtime", "recommender") for p in (ROOT / top).glob("**/templates/**/*.html")
    ]
    assert len(templates) > 20
    untranslated = {str(p.relative_to(ROOT)): _untranslated_template_text(p.read_text()) for p in templates}
    assert {path: text for path, text in untranslated.items() if text} == {}


def test_the_template_check_catches_bare_text():
    assert _untranslated_template_text("<p>堡垒指数：{{ name }}</p>") == ["堡垒指数："]
    assert _untranslated_template_text('<input placeholder="Search">') == ["Search"]
    assert _untranslated_template_text("<p>{% translate 'Search' %}</p>") == []


def test_a_message_reads_the_same_in_every_app():
    """Django merges the apps' catalogues into one: a message two apps translate differently would show whichever
    app comes first, wherever it is used. One message, one translation."""
    found: dict[tuple, dict[str, str]] = {}
    for po_path in catalogues("zh_Hans"):
        for entry in polib.pofile(str(po_path)):
            if entry.msgstr and not entry.obsolete and not entry.msgid_plural:
                found.setdefault((entry.msgctxt, entry.msgid), {})[str(po_path)] = entry.msgstr
    differing = {key[1]: sorted(set(texts.values())) for key, texts in found.items() if len(set(texts.values())) > 1}
    assert differing == {}
