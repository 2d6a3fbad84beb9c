"""`manage.py cockpit_rebuild [--indicator KEY ...]`: recount the cockpit's summaries from the statements."""

from django.core.management.base import BaseCommand, CommandError

from core.cockpit.indicators import indicator_get
from core.cockpit.services import cockpit_rebuild


class Command(BaseCommand):
    help = "Recount the cockpit's indicator summaries from the trusted statements (after a new indicator registers)."

    def add_arguments(self, parser):
        parser.add_argument("--indicator", action="append", metavar="KEY", help="Only this indicator (repeatable).")

    def handle(self, *args, indicator=None, **options):
        for key in indicator or []:
            if indicator_get(key) is None:
                raise CommandError(f"No indicator registered as {key}")
        counted = cockpit_rebuild(keys=indicator)
        self.stdout.write(f"Recounted {counted} statements.")
