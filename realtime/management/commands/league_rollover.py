"""Weekly leagues: settle last week (promotion, relegation) and form this week's leagues."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from realtime.models import Contest
from realtime.services.leagues import league_rollover


class Command(BaseCommand):
    help = "Settle last week's leagues (promote, relegate) and form this week's, for contests with leagues."

    def add_arguments(self, parser):
        parser.add_argument("--contest", help="The contest's slug; every running contest with leagues when omitted.")
        parser.add_argument("--today", type=dt.date.fromisoformat, help="Pretend today is this date (YYYY-MM-DD).")

    def handle(self, *args, contest=None, today=None, **options):
        now = timezone.now()
        contests = Contest.objects.filter(league_size__gt=0, ranking=Contest.Ranking.INDIVIDUAL).order_by("pk")
        if contest:
            contests = contests.filter(slug=contest)
            if not contests.exists():
                raise CommandError(f"No contest with weekly leagues has the slug {contest!r}.")
        else:
            contests = contests.filter(starts_at__lte=now, ends_at__gt=now)
        for item in contests.select_related("index", "org_unit"):
            settled, leagues = league_rollover(contest=item, today=today)
            self.stdout.write(f"{item.slug}: settled {settled} member(s), {len(leagues)} league(s) this week")
