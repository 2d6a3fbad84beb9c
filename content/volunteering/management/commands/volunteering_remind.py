"""`manage.py volunteering_remind [--hours 24]`: a reminder in each volunteer's notification list for every
confirmed place starting within that many hours (once per place; activities that ask for it also ask the
volunteer to confirm). Run it every hour."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand

from content.volunteering.services import reminders_send


class Command(BaseCommand):
    help = "Remind volunteers of their shifts in the coming hours."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=24)
        parser.add_argument("--now", default=None, help="Pretend it is this time (ISO 8601), for tests.")

    def handle(self, *args, hours: float, now: str | None, **options):
        moment = dt.datetime.fromisoformat(now) if now else None
        sent = reminders_send(now=moment, ahead=dt.timedelta(hours=hours))
        self.stdout.write(f"{sent} reminder(s) sent.")
