"""`manage.py volunteering_close_checkins [--hours 4] [--now ISO]`: close check-ins still open that many hours
after their shift ended (checked out at the shift's end, flagged for the leader). Run it every hour."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from content.volunteering.services import FORGOTTEN_AFTER, hours_close_forgotten


class Command(BaseCommand):
    help = "Close and flag check-ins whose check-out was forgotten."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=FORGOTTEN_AFTER.total_seconds() / 3600)
        parser.add_argument("--now", default=None, help="Pretend it is this time (ISO 8601), for tests.")

    def handle(self, *args, hours: float, now: str | None, **options):
        moment = dt.datetime.fromisoformat(now) if now else None
        closed = hours_close_forgotten(now=moment, after=dt.timedelta(hours=hours))
        self.stdout.write(f"{closed} check-in(s) closed and flagged.")
