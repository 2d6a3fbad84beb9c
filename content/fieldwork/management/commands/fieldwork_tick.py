"""`manage.py fieldwork_tick [--now ISO]`: escalate overdue problems and mark missed work list items late.
Run it every few minutes from the scheduler; `--now` moves the clock (tests, replays)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from content.fieldwork.services import problems_escalate, tasks_mark_late


class Command(BaseCommand):
    help = "Escalate overdue problems and mark missed work list items late (run it from the scheduler)."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="The time to act at (ISO 8601); default: now.")

    def handle(self, *args, now=None, **options):
        when = timezone.now()
        if now:
            try:
                when = dt.datetime.fromisoformat(now)
            except ValueError as exc:
                raise CommandError(f"Not an ISO time: {now}") from exc
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
        steps = problems_escalate(now=when)
        late = tasks_mark_late(now=when)
        self.stdout.write(f"{steps} escalation steps, {late} items marked late.")
