#!/usr/bin/env bash
# Regenerate every app's zh_Hans and en catalogues and compile them. English msgids are the source;
# zh_Hans must translate every one; en copies msgid to msgstr so the English catalogue is complete too.
set -euo pipefail
cd "$(dirname "$0")/.."
ADMIN=$PWD/.venv/bin/django-admin
for app in core/people core/activity core/home core/cockpit content/learning content/certification content/qa content/ideas content/community content/volunteering content/livestreams content/fieldwork recommender realtime; do
  [ -d "$app" ] || continue
  mkdir -p "$app/locale"
  (cd "$app" && "$ADMIN" makemessages -l zh_Hans -l en --no-obsolete -i 'migrations/*' -i 'tests/*' >/dev/null)
done
# Project-level strings (core/api.py, core/settings.py, core/errors.py) live in core/locale.
(cd core && "$ADMIN" makemessages -l zh_Hans -l en --no-obsolete -i 'people/*' -i 'activity/*' -i 'home/*' -i 'cockpit/*' -i 'migrations/*' >/dev/null)
.venv/bin/python platform/fill_en_catalogue.py
for dir in $(find . -path ./.venv -prune -o -type d -name locale -print); do
  (cd "$(dirname "$dir")" && "$ADMIN" compilemessages -v0)
done
.venv/bin/python platform/fill_en_catalogue.py --check
