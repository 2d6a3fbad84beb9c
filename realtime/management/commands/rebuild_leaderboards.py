"""Recompute leaderboards from the points ledger into the leaderboard store."""

from realtime.management.contests import ContestsCommand
from realtime.services.boards import board_rebuild


class Command(ContestsCommand):
    help = "Recompute contest leaderboards from the points ledger (the source of truth) into the store."

    def handle(self, *args, contest=None, **options):
        contests = self.contests(contest)
        for item in contests:
            version = board_rebuild(contest=item)
            self.stdout.write(f"{item.slug}: rebuilt, version {version}")
