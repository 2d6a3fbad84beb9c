"""What the leaderboard commands share: `--contest SLUG`, or every contest."""

from django.core.management.base import BaseCommand, CommandError

from realtime.models import Contest


class ContestsCommand(BaseCommand):
    def add_arguments(self, parser):
        parser.add_argument("--contest", help="The contest's slug; all contests when omitted.")

    def contests(self, slug: str | None):
        """The contest named by `slug`, or all of them, in a stable order; a clear error for an unknown slug."""
        contests = Contest.objects.select_related("index", "org_unit").order_by("pk")
        if slug:
            contests = contests.filter(slug=slug)
            if not contests.exists():
                raise CommandError(f"No contest with slug {slug!r}.")
        return contests
