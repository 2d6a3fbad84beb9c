"""`manage.py welcome --url URL`: where to open the platform and the demo logins, in Chinese and English."""

from __future__ import annotations

import unicodedata

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

from core.people.demo import DEMO_LOGINS, DEMO_PASSWORD
from core.people.models import User


def _width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    line = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    out = [line, "| " + " | ".join(_pad(h, w) for h, w in zip(header, widths, strict=True)) + " |", line]
    out += ["| " + " | ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)) + " |" for row in rows]
    out.append(line)
    return out


class Command(BaseCommand):
    help = "Print where to open the platform (home, admin, API docs) and the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="The address the platform answers at.")

    def handle(self, *args, url: str, **options):
        base = url.rstrip("/")
        places = [("/", "Home"), ("/admin/", "Admin"), ("/api/docs", "API docs")]
        existing = set(
            User.objects.filter(username__in=[u for u, _label in DEMO_LOGINS]).values_list("username", flat=True)
        )
        lines = []
        for language in ("zh-hans", "en"):
            with translation.override(language):
                lines.append("")
                lines.append(_("The platform is running. Open it at:"))
                labels = {"Home": _("Home page"), "Admin": _("Admin (Wagtail)"), "API docs": _("API docs")}
                width = max(_width(str(label)) for label in labels.values())
                for path, key in places:
                    lines.append(f"  {_pad(str(labels[key]), width)}  {base}{path}")
                lines.append("")
                lines.append(_("Demo logins (all with the same password):"))
                rows = [
                    [username, DEMO_PASSWORD, str(label)] for username, label in DEMO_LOGINS if username in existing
                ]
                if rows:
                    lines.extend(_table([_("Username"), _("Password"), _("Role")], rows))
                else:
                    lines.append("  " + _("None yet: run manage.py seed_demo first."))
        self.stdout.write("\n".join(lines))
