"""Weekly leagues: the participants of a contest grouped into leagues of comparable people each week, promoted and
relegated by the week's points. The scheduler's work (`league_rollover`, Monday morning)."""

from __future__ import annotations

import datetime as dt
import math

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError

from ..days import day_bounds, week_of
from ..models import Contest, League, LeagueMember
from ..selectors import ZERO, contest_participants, period_scores


def league_week_form(*, contest: Contest, week_start: dt.date) -> list[League]:
    """Group the contest's participants into leagues for the week starting `week_start` (a Monday): each tier
    (moved up or down by last week's results; first week: by points so far) is cut into leagues of about
    `league_size` people who sit close in the organisation tree. Safe to call twice."""
    if contest.league_size <= 0 or contest.is_team:
        raise ApplicationError(_("This contest has no weekly leagues."), extra={"contest": contest.slug})
    week_start = week_of(week_start)
    existing = list(League.objects.filter(contest=contest, week_start=week_start))
    if existing:
        return existing
    people = list(
        contest_participants(contest).select_related("org_unit").order_by("pk").values_list("pk", "org_unit__path")
    )
    paths = dict(people)
    previous = {
        m.user_id: (m.league.tier, m.outcome)
        for m in LeagueMember.objects.filter(
            contest=contest, week_start=week_start - dt.timedelta(days=7)
        ).select_related("league")
    }
    tiers: dict[int, int] = {}
    if previous:
        for user_id in paths:
            tier, outcome = previous.get(user_id, (1, ""))
            step = {LeagueMember.Outcome.PROMOTED: 1, LeagueMember.Outcome.RELEGATED: -1}.get(outcome, 0)
            tiers[user_id] = min(max(tier + step, 1), contest.league_tiers)
    else:
        start, _end = day_bounds(week_start, week_start)
        so_far = period_scores(contest=contest, user_ids=paths, start=contest.starts_at, end=start)
        ordered = sorted(paths, key=lambda uid: (-so_far.get(uid, ZERO), uid))
        per_tier = math.ceil(len(ordered) / contest.league_tiers) if ordered else 1
        for position, user_id in enumerate(ordered):
            tiers[user_id] = contest.league_tiers - position // per_tier
    leagues: list[League] = []
    members: list[LeagueMember] = []
    with transaction.atomic():
        for tier in sorted(set(tiers.values()), reverse=True):
            group = sorted((uid for uid, t in tiers.items() if t == tier), key=lambda uid: (paths[uid] or "", uid))
            count = max(1, round(len(group) / contest.league_size))
            size = math.ceil(len(group) / count)
            for number in range(count):
                chunk = group[number * size : (number + 1) * size]
                if not chunk:
                    continue
                league = League.objects.create(contest=contest, week_start=week_start, tier=tier, number=number + 1)
                leagues.append(league)
                members += [
                    LeagueMember(league=league, contest=contest, week_start=week_start, user_id=uid) for uid in chunk
                ]
        LeagueMember.objects.bulk_create(members)
    return leagues


def league_week_settle(*, contest: Contest, week_start: dt.date) -> int:
    """Close the week: rank each league by the points of that week, promote the top `league_promote` (with
    points) and relegate the bottom `league_relegate`. Returns the number of members settled."""
    week_start = week_of(week_start)
    start, end = day_bounds(week_start, week_start + dt.timedelta(days=6))
    settled = 0
    with transaction.atomic():
        leagues = list(
            League.objects.select_for_update().filter(contest=contest, week_start=week_start, settled_at=None)
        )
        for league in leagues:
            members = list(league.members.all())
            scores = period_scores(contest=contest, user_ids=[m.user_id for m in members], start=start, end=end)
            for member in members:
                member.score = scores.get(member.user_id, ZERO)
            members.sort(key=lambda m: (-m.score, m.user_id))
            rank, previous = 0, None
            for position, member in enumerate(members, start=1):
                if member.score != previous:
                    rank, previous = position, member.score
                member.rank = rank
                member.outcome = LeagueMember.Outcome.STAYED
            if league.tier < contest.league_tiers:
                for member in members[: contest.league_promote]:
                    if member.score > 0:
                        member.outcome = LeagueMember.Outcome.PROMOTED
            if league.tier > 1 and contest.league_relegate:
                for member in members[-contest.league_relegate :]:
                    if member.outcome == LeagueMember.Outcome.STAYED:
                        member.outcome = LeagueMember.Outcome.RELEGATED
            LeagueMember.objects.bulk_update(members, ["score", "rank", "outcome"])
            league.settled_at = timezone.now()
            league.save(update_fields=["settled_at"])
            settled += len(members)
    return settled


def league_rollover(*, contest: Contest, today: dt.date | None = None) -> tuple[int, list[League]]:
    """Settle last week's leagues and form this week's."""
    this_week = week_of(today or timezone.localdate())
    settled = league_week_settle(contest=contest, week_start=this_week - dt.timedelta(days=7))
    return settled, league_week_form(contest=contest, week_start=this_week)
