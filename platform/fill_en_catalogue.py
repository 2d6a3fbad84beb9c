"""Keep the translation catalogues complete.

Without arguments: in every `locale/en` catalogue, an untranslated entry gets its English msgid as msgstr
(msgids are English), so the English catalogue is complete by construction.
With --check: list every entry that is untranslated or fuzzy in any zh_Hans or en catalogue; exit 1 if any.
"""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "node_modules", ".git"}


def catalogues(language: str):
    for path in sorted(ROOT.rglob(f"locale/{language}/LC_MESSAGES/django.po")):
        if not SKIP.intersection(path.relative_to(ROOT).parts):
            yield path


def fill_english() -> None:
    for path in catalogues("en"):
        po = polib.pofile(str(path))
        changed = False
        for entry in po:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
                entry.msgstr = ""
                entry.msgstr_plural = {key: "" for key in entry.msgstr_plural}
                changed = True
            if entry.msgid_plural:
                if not all(entry.msgstr_plural.values()):
                    entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
                    changed = True
            elif not entry.msgstr:
                entry.msgstr = entry.msgid
                changed = True
        if changed:
            po.save()


def missing_entries() -> list[str]:
    problems = []
    for language in ("zh_Hans", "en"):
        for path in catalogues(language):
            for entry in polib.pofile(str(path)):
                if entry.obsolete:
                    continue
                translated = all(entry.msgstr_plural.values()) if entry.msgid_plural else bool(entry.msgstr)
                if not translated or "fuzzy" in entry.flags:
                    problems.append(f"{path.relative_to(ROOT)}: {entry.msgid!r}")
    return problems


if __name__ == "__main__":
    if "--check" in sys.argv:
        problems = missing_entries()
        for problem in problems:
            print("untranslated:", problem)
        sys.exit(1 if problems else 0)
    fill_english()
