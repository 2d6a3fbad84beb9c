"""Compare the leaderboard store with the ledger; exit 1 on any difference or missing board, so the scheduler's
`check_leaderboards || rebuild_leaderboards` puts it right (reads never fill the store)."""

from django.core.management.base import CommandError

from realtime.management.contests import ContestsCommand
from realtime.selectors import board_differences
from realtime.store import leaderboard_store


class Command(ContestsCommand):
    help = (
        "Compare every contest's board in the store with the points ledger; exits non-zero on a difference or a "
        "board missing from the store."
    )

    def handle(self, *args, contest=None, **options):
        contests = self.contests(contest)
        differing = 0
        store = leaderboard_store()
        for item in contests:
            if not store.exists(item.pk):
                differing += 1
                self.stdout.write(f"{item.slug}: not in the store (read from the ledger until rebuilt)")
                continue
            differences = board_differences(contest=item)
            if not differences:
                self.stdout.write(f"{item.slug}: ok")
                continue
            differing += 1
            self.stdout.write(f"{item.slug}: {len(differences)} difference(s)")
            for member, (ledger, stored) in list(differences.items())[:20]:
                self.stdout.write(f"  {member}: ledger {ledger:.2f}, store {stored:.2f}")
        if differing:
            raise CommandError(
                f"{differing} board(s) differ from the ledger or are missing; run `manage.py rebuild_leaderboards`.",
                returncode=1,
            )
