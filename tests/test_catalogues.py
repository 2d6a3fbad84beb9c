"""Chinese first, English complete: every catalogue translates every message, and the compiled .mo files
that ship match their .po sources."""

import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "platform"))
from fill_en_catalogue import catalogues, missing_entries  # noqa: E402

APPS_WITH_STRINGS = ["core", "core/home", "core/people", "core/activity", "content/learning", "realtime", "recommender"]


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
