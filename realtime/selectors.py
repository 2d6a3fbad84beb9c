"""Reads of the contests domain: the leaderboard messages of DESIGN.md (one serialisation for every viewer),
a viewer's own standing with their neighbours, visibility, a person's index breakdown, leagues."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from core.home.i18n import localized
from core.people.models import BranchMembership, Role

from .models import Contest, Dimension, League, LeagueMember, PointsEntry
from .services import (
    ContestScope,
    board_ensure,
    contest_freeze,
    member_names,
    participants_load,
    ranked,
    week_of,
)
from .store import leaderboard_store

AROUND = 3


def initials(name: str) -> str:
    """How a board shows a name when the contest is anonymised: Chinese names keep the surname and mask the
    rest (王建国 -> 王**), as Chinese lists commonly do; other names become initials (Li Chunmei -> L.C.)."""
    name = (name or "").strip()
    if not name:
        return "*"
    if any("\u3400" <= char <= "\u9fff" for char in name):
        return name[0] + "*" * max(len(name) - 1, 1)
    return "".join(part[0].upper() + "." for part in name.replace("_", " ").split() if part)


def score_json(score: Decimal) -> int | float:
    return int(score) if score == score.to_integral_value() else float(score)


def member_id(member: str) -> int:
    return int(member[1:])


def _entries(contest: Contest, pairs, start: int, first_rank: int, names: dict[str, str], reveal: str | None = None):
    """Entries of consecutive board positions from `start` (0-based); `first_rank` is the competition rank of the
    first pair (it may sit inside a tie that began above the window)."""
    entries = []
    rank, previous = first_rank, None
    for offset, (member, score) in enumerate(pairs):
        if previous is not None and score != previous:
            rank = start + offset + 1
        previous = score
        name = names.get(member, "")
        if contest.anonymised and not contest.is_team and member != reveal:
            name = initials(name)
        entries.append({"rank": rank, "user": member_id(member), "name": name, "score": score_json(score)})
    return entries


def _ready(contest: Contest) -> None:
    """Before reading a board: freeze it if it ended, make sure the store holds it."""
    if contest.frozen_at is None and contest.ends_at <= timezone.now():
        contest_freeze(contest=contest)
    board_ensure(contest)


def leaderboard_snapshot(*, contest: Contest, limit: int = 20) -> dict:
    """The leaderboard message of DESIGN.md: {"type": "leaderboard", "contest", "version", "entries", "sent_at"}.

    Entries are the top `limit` places: {"rank", "user" (a person's id, or a branch's on a team board), "name"
    (initials on an anonymised board), "score"}. Ties share a rank (1, 2, 2, 4) and are listed by id.
    One store read, one query for names."""
    _ready(contest)
    version, pairs = leaderboard_store().top(contest.pk, limit)
    names = member_names(member for member, _score in pairs)
    return {
        "type": "leaderboard",
        "contest": contest.slug,
        "version": version,
        "entries": _entries(contest, pairs, 0, 1, names),
        "sent_at": timezone.now().isoformat(),
    }


def viewer_standing(*, contest: Contest, user) -> dict | None:
    """The viewer's own message: {"type": "you", "contest", "version", "rank", "score", "neighbours"}, where
    neighbours are the three places above and the three below (the viewer's own entry not included). On a team
    board the viewer stands with their branch. None for a viewer who is not on the board and does not take part."""
    if user is None or not user.is_authenticated:
        return None
    _ready(contest)
    store = leaderboard_store()
    member = _viewer_member(contest, user)
    if member is None:
        return None
    found = store.standing(contest.pk, member, AROUND)
    if found is None:
        if not _takes_part(contest, user):
            return None
        # Not on the board yet: last place with no points, the bottom of the board as neighbours.
        version, size, tail = store.tail(contest.pk, AROUND)
        names = member_names(m for m, _s in tail)
        start = size - len(tail)
        first_rank = store.count_above(contest.pk, tail[0][1]) + 1 if tail else 1
        return {
            "type": "you",
            "contest": contest.slug,
            "version": version,
            "rank": store.count_above(contest.pk, Decimal(0)) + 1,
            "score": 0,
            "neighbours": _entries(contest, tail, start, first_rank, names),
        }
    version, start, pairs = found
    first_rank = store.count_above(contest.pk, pairs[0][1]) + 1
    names = member_names(m for m, _s in pairs)
    entries = _entries(contest, pairs, start, first_rank, names, reveal=member)
    mine = next(entry for entry, (m, _s) in zip(entries, pairs, strict=True) if m == member)
    return {
        "type": "you",
        "contest": contest.slug,
        "version": version,
        "rank": mine["rank"],
        "score": mine["score"],
        "neighbours": [entry for entry, (m, _s) in zip(entries, pairs, strict=True) if m != member],
    }


def _viewer_member(contest: Contest, user) -> str | None:
    if not contest.is_team:
        return f"u{user.pk}"
    scope = ContestScope.of(contest)
    for branch_id, path in (
        BranchMembership.objects.filter(user=user)
        .order_by("branch_id")
        .values_list("branch_id", "branch__org_unit__path")
    ):
        if scope.branch_takes_part(branch_id, path):
            return f"b{branch_id}"
    return None


def _takes_part(contest: Contest, user) -> bool:
    person = participants_load([user.pk]).get(user.pk)
    return person is not None and ContestScope.of(contest).person_takes_part(person)


def contest_visible_to(contest: Contest, user) -> bool:
    """Anyone sees a public contest; a members-only contest is seen by its participants, staff and editors."""
    if contest.is_public:
        return True
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    person = participants_load([user.pk]).get(user.pk)
    if person is None:
        return False
    if Role.EDITOR in person.roles:
        return True
    scope = ContestScope.of(contest)
    if contest.is_team:
        return any(scope.branch_takes_part(bid, path) for bid, path in person.branches.items())
    return scope.person_takes_part(person)


def contests_visible(*, user, now: dt.datetime | None = None):
    """Contests the user may watch, running first, then the archive."""
    contests = (
        Contest.objects.select_related("index", "org_unit").prefetch_related("branches").order_by("-ends_at", "pk")
    )
    return [contest for contest in contests if contest_visible_to(contest, user)]


def person_index(*, user, index, weeks: int = 12, now: dt.datetime | None = None) -> dict:
    """A person's index: total and breakdown by dimension, and the points of each of the last `weeks` weeks."""
    now = now or timezone.now()
    entries = PointsEntry.objects.filter(user=user, index=index)
    by_dimension = dict(
        entries.values("dimension_id").annotate(total=Sum("points")).values_list("dimension_id", "total")
    )
    dimensions = [
        {
            "code": d.code,
            "name": localized(d, "name"),
            "weight": float(d.weight),
            "score": score_json(by_dimension.get(d.pk, Decimal(0))),
        }
        for d in Dimension.objects.filter(index=index)
    ]
    first_week = week_of(timezone.localtime(now).date()) - dt.timedelta(days=7 * (weeks - 1))
    per_week: dict[dt.date, Decimal] = defaultdict(Decimal)
    for day, total in (
        entries.filter(day__gte=first_week).values("day").annotate(total=Sum("points")).values_list("day", "total")
    ):
        per_week[week_of(day)] += total
    trend = [
        {
            "week": (first_week + dt.timedelta(days=7 * i)).isoformat(),
            "score": score_json(per_week.get(first_week + dt.timedelta(days=7 * i), Decimal(0))),
        }
        for i in range(weeks)
    ]
    return {
        "index": index.slug,
        "total": score_json(sum(by_dimension.values(), Decimal(0))),
        "dimensions": dimensions,
        "weeks": trend,
    }


def contest_final_standings(*, contest: Contest) -> list[dict]:
    rows = contest.standings.all() if contest.frozen_at else []
    return [
        {
            "rank": row.rank,
            "user": member_id(row.member),
            "name": row.name if not (contest.anonymised and not contest.is_team) else initials(row.name),
            "score": score_json(row.score),
        }
        for row in rows
    ]


def league_board(*, contest: Contest, user, week_start: dt.date | None = None) -> dict | None:
    """The viewer's league of the week: tier, members ranked by their points this week, and outcomes once settled."""
    from .services import _period_scores, day_bounds

    week_start = week_of(week_start or timezone.localdate())
    membership = (
        LeagueMember.objects.filter(contest=contest, week_start=week_start, user=user).select_related("league").first()
    )
    if membership is None:
        return None
    league: League = membership.league
    members = list(league.members.all())
    if league.settled_at is not None:
        scores = {m.user_id: m.score for m in members}
    else:
        start, end = day_bounds(week_start, week_start + dt.timedelta(days=6))
        scores = _period_scores(contest, [m.user_id for m in members], start, end)
    standings = ranked({f"u{m.user_id}": scores.get(m.user_id) or Decimal(0) for m in members})
    names = member_names(member for _rank, member, _score in standings)
    outcome = {m.user_id: m.outcome for m in members}
    return {
        "contest": contest.slug,
        "week": week_start.isoformat(),
        "tier": league.tier,
        "number": league.number,
        "settled": league.settled_at is not None,
        "entries": [
            {
                "rank": rank,
                "user": member_id(member),
                "name": initials(names.get(member, ""))
                if contest.anonymised and member_id(member) != user.pk
                else names.get(member, ""),
                "score": score_json(score),
                "outcome": outcome.get(member_id(member), ""),
            }
            for rank, member, score in standings
        ],
    }
