"""`manage.py direct_line_escalate [--now ISO]`: move every open direct-line request past its response-time
target to the next unit up. The scheduler runs it every few minutes; `--now` runs it on another clock (tests)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from content.community.services import direct_requests_escalate


class Command(BaseCommand):
    help = "Escalate direct-line requests past their response-time target to the next unit up."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="The moment to judge at (ISO 8601 with an offset); default: now.")

    def handle(self, *args, now=None, **options):
        moment = None
        if now:
            moment = parse_datetime(now)
            if moment is None or moment.tzinfo is None:
                raise CommandError("--now is an ISO 8601 date-time with an offset")
        moved = direct_requests_escalate(now=moment)
        self.stdout.write(f"escalated: {moved}")
