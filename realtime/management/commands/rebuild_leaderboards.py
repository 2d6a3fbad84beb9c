"""Recompute leaderboards from the points ledger into the leaderboard store."""

from django.core.management.base import BaseCommand, CommandError

from realtime.models import Contest
from realtime.services import board_rebuild


class Command(BaseCommand):
    help = "Recompute contest leaderboards from the points ledger (the source of truth) into the store."

    def add_arguments(self, parser):
        parser.add_argument("--contest", help="The contest's slug; all contests when omitted.")

    def handle(self, *args, contest=None, **options):
        contests = Contest.objects.select_related("index", "org_unit").order_by("pk")
        if contest:
            contests = contests.filter(slug=contest)
            if not contests.exists():
                raise CommandError(f"No contest with slug {contest!r}.")
        for item in contests:
            version = board_rebuild(contest=item)
            self.stdout.write(f"{item.slug}: rebuilt, version {version}")
