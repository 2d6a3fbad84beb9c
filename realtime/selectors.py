"""Reads of the contests domain: the leaderboard messages of DESIGN.md (one serialisation for every viewer),
a viewer's own standing with their neighbours, who takes part and who may watch, boards computed from the ledger,
a person's index breakdown, leagues.

Reads only read: nothing here writes to the database or fills the leaderboard store. A board the store does not
hold (a fresh process, a flushed Redis) is computed from the ledger for the read; a contest that ended and is not
frozen yet shows what the ledger says. Freezing, awards and rebuilding boards are the scheduler's (the
`freeze_contests` and `rebuild_leaderboards` commands, through `realtime.services`). Services import these reads;
these never import services.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from core.home.i18n import localized
from core.people.models import BranchMembership, PartyBranch, Role, RoleAssignment, User

from .days import day_bounds, week_of
from .models import Contest, Dimension, Index, League, LeagueMember, PointsEntry
from .store import BoardCopy, leaderboard_store

ZERO = Decimal("0.00")
AROUND = 3


# --- who takes part ----------------------------------------------------------------------------------------


@dataclass
class Participant:
    """What decides whether a person (and which of their branches) takes part in a contest."""

    user_id: int
    unit_path: str | None
    roles: set[str]
    branches: dict[int, str]  # branch id -> its unit's path


def participants_load(user_ids: Iterable[int]) -> dict[int, Participant]:
    users = User.objects.filter(pk__in=set(user_ids)).select_related("org_unit").only("pk", "org_unit__path")
    found = {user.pk: Participant(user.pk, user.org_unit.path if user.org_unit else None, set(), {}) for user in users}
    for user_id, role in RoleAssignment.objects.filter(user_id__in=found).values_list("user_id", "role"):
        found[user_id].roles.add(role)
    for user_id, branch_id, path in BranchMembership.objects.filter(user_id__in=found).values_list(
        "user_id", "branch_id", "branch__org_unit__path"
    ):
        found[user_id].branches[branch_id] = path
    return found


@dataclass
class ContestScope:
    """A contest's participation rules, loaded once."""

    contest: Contest
    unit_path: str | None
    branch_ids: set[int]

    @classmethod
    def of(cls, contest: Contest) -> ContestScope:
        return cls(
            contest,
            contest.org_unit.path if contest.org_unit_id else None,
            {branch.pk for branch in contest.branches.all()},
        )

    def in_unit(self, path: str | None) -> bool:
        return self.unit_path is None or (path is not None and path.startswith(self.unit_path))

    def person_takes_part(self, person: Participant) -> bool:
        contest = self.contest
        if contest.role and contest.role not in person.roles:
            return False
        if self.branch_ids and not (self.branch_ids & person.branches.keys()):
            return False
        return self.in_unit(person.unit_path)

    def branch_takes_part(self, branch_id: int, path: str | None) -> bool:
        return (not self.branch_ids or branch_id in self.branch_ids) and self.in_unit(path)

    def members_for(self, change, person: Participant | None) -> list[str]:
        """The board members a ledger change (`realtime.services.boards.Change`) moves in this contest."""
        contest = self.contest
        if person is None or not (contest.starts_at <= change.occurred_at < contest.ends_at):
            return []
        index = contest.index
        if not contest.is_team:
            if change.index_id == index.pk and self.person_takes_part(person):
                return [f"u{person.user_id}"]
            return []
        if change.index_id == index.pk and change.branch_id is not None:
            path = person.branches.get(change.branch_id)
            if path is None:
                path = PartyBranch.objects.filter(pk=change.branch_id).values_list("org_unit__path", flat=True).first()
            return [f"b{change.branch_id}"] if self.branch_takes_part(change.branch_id, path) else []
        member_index_id = index.pk if index.scope == Index.Scope.PERSON else index.member_index_id
        if change.index_id != member_index_id or change.branch_id is not None:
            return []
        if contest.role and contest.role not in person.roles:
            return []
        return [f"b{bid}" for bid, path in sorted(person.branches.items()) if self.branch_takes_part(bid, path)]


def contest_participants(contest: Contest):
    """The people who take part in an individual contest, as a queryset."""
    scope = ContestScope.of(contest)
    users = User.objects.filter(is_active=True)
    if contest.role:
        users = users.filter(roles__role=contest.role)
    if scope.branch_ids:
        users = users.filter(memberships__branch_id__in=scope.branch_ids)
    if scope.unit_path is not None:
        users = users.filter(org_unit__path__startswith=scope.unit_path)
    return users.distinct()


def contests_touching(index_ids: set[int], first: dt.datetime, last: dt.datetime):
    """The open (not frozen) contests on these indices whose period meets [first, last]."""
    return (
        Contest.objects.filter(frozen_at=None, starts_at__lte=last, ends_at__gt=first)
        .filter(Q(index_id__in=index_ids) | Q(index__member_index_id__in=index_ids))
        .select_related("index", "org_unit")
        .prefetch_related("branches")
        .order_by("pk")
    )


# --- boards from the ledger -----------------------------------------------------------------------------


def ranked(scores: dict[str, Decimal]) -> list[tuple[int, str, Decimal]]:
    """(rank, member, score), best first; ties share a rank (1, 2, 2, 4) and are listed by id."""
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0][0], int(item[0][1:])))
    result = []
    previous = None
    rank = 0
    for position, (member, score) in enumerate(ordered, start=1):
        if score != previous:
            rank, previous = position, score
        result.append((rank, member, score))
    return result


def member_names(members: Iterable[str]) -> dict[str, str]:
    """Display names of board members ("u12" a person, "b3" a branch): at most one query for each kind."""
    members = list(members)
    user_ids = [int(m[1:]) for m in members if m[0] == "u"]
    branch_ids = [int(m[1:]) for m in members if m[0] == "b"]
    names = {}
    if user_ids:
        for user in User.objects.filter(pk__in=user_ids).only(
            "pk", "display_name", "first_name", "last_name", "username"
        ):
            names[f"u{user.pk}"] = str(user)
    if branch_ids:
        for pk, name in PartyBranch.objects.filter(pk__in=branch_ids).values_list("pk", "name"):
            names[f"b{pk}"] = name
    return names


def board_scores(*, contest: Contest) -> dict[str, Decimal]:
    """A contest's board computed from the ledger (or from its final standings once frozen)."""
    if contest.frozen_at is not None:
        return {row.member: row.score for row in contest.standings.all()}
    scope = ContestScope.of(contest)
    index = contest.index
    period = {"occurred_at__gte": contest.starts_at, "occurred_at__lt": contest.ends_at}
    users = User.objects.all()
    if contest.role:
        users = users.filter(roles__role=contest.role)
    if not contest.is_team:
        if scope.branch_ids:
            users = users.filter(memberships__branch_id__in=scope.branch_ids)
        if scope.unit_path is not None:
            users = users.filter(org_unit__path__startswith=scope.unit_path)
        rows = (
            PointsEntry.objects.filter(index=index, user__in=users.values("pk"), **period)
            .values("user_id")
            .annotate(total=Sum("points"))
        )
        return {f"u{row['user_id']}": row["total"] for row in rows if row["total"]}
    branches = PartyBranch.objects.all()
    if scope.branch_ids:
        branches = branches.filter(pk__in=scope.branch_ids)
    if scope.unit_path is not None:
        branches = branches.filter(org_unit__path__startswith=scope.unit_path)
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    member_index_id = index.pk if index.scope == Index.Scope.PERSON else index.member_index_id
    if member_index_id:
        per_user = dict(
            PointsEntry.objects.filter(index_id=member_index_id, branch=None, user__in=users.values("pk"), **period)
            .values("user_id")
            .annotate(total=Sum("points"))
            .values_list("user_id", "total")
        )
        for user_id, branch_id in BranchMembership.objects.filter(
            user_id__in=per_user, branch__in=branches.values("pk")
        ).values_list("user_id", "branch_id"):
            totals[f"b{branch_id}"] += per_user[user_id]
    if index.scope == Index.Scope.BRANCH:
        for row in (
            PointsEntry.objects.filter(index=index, branch__in=branches.values("pk"), **period)
            .values("branch_id")
            .annotate(total=Sum("points"))
        ):
            totals[f"b{row['branch_id']}"] += row["total"]
    return {member: total for member, total in totals.items() if total}


def board_differences(*, contest: Contest) -> dict[str, tuple[Decimal, Decimal]]:
    """Members whose score differs between the ledger and the store: member -> (ledger, store)."""
    ledger = board_scores(contest=contest)
    stored = {member: score for member, score in leaderboard_store().scores(contest.pk).items() if score}
    return {
        member: (ledger.get(member, ZERO), stored.get(member, ZERO))
        for member in sorted(set(ledger) | set(stored))
        if ledger.get(member, ZERO) != stored.get(member, ZERO)
    }


def period_scores(
    *, contest: Contest, user_ids: Iterable[int], start: dt.datetime, end: dt.datetime
) -> dict[int, Decimal]:
    """Each person's points on the contest's index in [start, end), clipped to the contest's period."""
    start, end = max(start, contest.starts_at), min(end, contest.ends_at)
    if start >= end:
        return {}
    return dict(
        PointsEntry.objects.filter(
            index=contest.index, user_id__in=list(user_ids), occurred_at__gte=start, occurred_at__lt=end
        )
        .values("user_id")
        .annotate(total=Sum("points"))
        .values_list("user_id", "total")
    )


# --- the leaderboard messages ------------------------------------------------------------------------------


def board_name(contest: Contest, name: str, *, own: bool = False) -> str:
    """The one rule for names on a contest's boards (REST, sockets, pages, final standings, archive, leagues): the
    contest's `names` setting decides, the same while it runs and after it is frozen; a person always sees their own
    name, and branch names are never masked."""
    return initials(name) if contest.masks_names and not own else name


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
        name = board_name(contest, names.get(member, ""), own=member == reveal)
        entries.append({"rank": rank, "user": member_id(member), "name": name, "score": score_json(score)})
    return entries


def _board(contest: Contest):
    """Where a board is read: the store, which mirrors the ledger; when the store does not hold it (a fresh process,
    a flushed Redis), the ledger's board computed for this read alone (`BoardCopy`, version 0). Never fills the
    store: the scheduler's `rebuild_leaderboards` and the next scored statement do."""
    store = leaderboard_store()
    if store.exists(contest.pk):
        return store
    return BoardCopy(contest.pk, board_scores(contest=contest))


def leaderboard_snapshot(*, contest: Contest, limit: int = 20) -> dict:
    """The leaderboard message of DESIGN.md: {"type": "leaderboard", "contest", "version", "entries", "sent_at"}.

    Entries are the top `limit` places: {"rank", "user" (a person's id, or a branch's on a team board), "name"
    (initials on an anonymised board), "score"}. Ties share a rank (1, 2, 2, 4) and are listed by id.
    Two store reads (does it hold the board, its top), one query for names."""
    version, pairs = _board(contest).top(contest.pk, limit)
    names = member_names(member for member, _score in pairs)
    return {
        "type": "leaderboard",
        "contest": contest.slug,
        "version": version,
        "entries": _entries(contest, pairs, 0, 1, names),
        "sent_at": timezone.now().isoformat(),
    }


def viewer_standing(*, contest: Contest, user) -> dict | None:
    """The viewer's own message: {"type": "you", "contest", "version", "rank", "user", "name", "score",
    "neighbours"}, where neighbours are the three places above and the three below (the viewer's own entry not
    included). On a team board the viewer stands with their branch: `user` and `name` are the branch's. None for a
    viewer who is not on the board and does not take part."""
    if user is None or not user.is_authenticated:
        return None
    store = _board(contest)
    member = _viewer_member(contest, user)
    if member is None:
        return None
    found = store.standing(contest.pk, member, AROUND)
    if found is None:
        if not _takes_part(contest, user):
            return None
        # Not on the board yet: last place with no points, the bottom of the board as neighbours.
        version, size, tail = store.tail(contest.pk, AROUND)
        names = member_names([*(m for m, _s in tail), member])
        start = size - len(tail)
        first_rank = store.count_above(contest.pk, tail[0][1]) + 1 if tail else 1
        return {
            "type": "you",
            "contest": contest.slug,
            "version": version,
            "rank": store.count_above(contest.pk, Decimal(0)) + 1,
            "user": member_id(member),
            "name": names.get(member, ""),
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
        "user": mine["user"],
        "name": mine["name"],
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


def board_stats(*, contest: Contest) -> dict:
    """What the big screen shows beside the board: how many are on it and their points together."""
    scores = _board(contest).scores(contest.pk)
    return {"participants": len(scores), "total": sum(scores.values(), Decimal(0))}


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
            "name": board_name(contest, row.name),
            "score": score_json(row.score),
        }
        for row in rows
    ]


def league_zone(contest: Contest, tier: int, position: int, size: int) -> str:
    """Where a place in a league of `size` stands while the week is played: "promotion" for the top
    `league_promote` (below the top tier), "relegation" for the bottom `league_relegate` (above the bottom tier),
    else "". Settling promotes only those of the zone who scored (`services.leagues.league_week_settle`)."""
    if tier < contest.league_tiers and position <= contest.league_promote:
        return "promotion"
    if tier > 1 and contest.league_relegate and position > size - contest.league_relegate:
        return "relegation"
    return ""


def league_board(*, contest: Contest, user, week_start: dt.date | None = None) -> dict | None:
    """The viewer's league of the week: its tier, its members ranked by their points that week (names as the
    contest's one rule says), each place's zone (promotion, relegation) and, once settled, each member's outcome;
    when the week ends. None when the viewer plays in no league that week. Four queries."""
    week_start = week_of(week_start or timezone.localdate())
    membership = (
        LeagueMember.objects.filter(contest=contest, week_start=week_start, user=user).select_related("league").first()
    )
    if membership is None:
        return None
    league: League = membership.league
    members = list(league.members.all())
    start, end = day_bounds(week_start, week_start + dt.timedelta(days=6))
    if league.settled_at is not None:
        scores = {m.user_id: m.score for m in members}
    else:
        scores = period_scores(contest=contest, user_ids=[m.user_id for m in members], start=start, end=end)
    standings = ranked({f"u{m.user_id}": scores.get(m.user_id) or Decimal(0) for m in members})
    names = member_names(member for _rank, member, _score in standings)
    outcome = {m.user_id: m.outcome for m in members}
    entries = []
    for position, (rank, member, score) in enumerate(standings, start=1):
        own = member_id(member) == user.pk
        entries.append(
            {
                "rank": rank,
                "user": member_id(member),
                "name": board_name(contest, names.get(member, ""), own=own),
                "score": score_json(score),
                "outcome": outcome.get(member_id(member), ""),
                "zone": league_zone(contest, league.tier, position, len(standings)),
                "you": own,
            }
        )
    mine = next(entry for entry in entries if entry["you"])
    return {
        "contest": contest.slug,
        "week": week_start.isoformat(),
        "ends_at": end,
        "tier": league.tier,
        "tiers": contest.league_tiers,
        "number": league.number,
        "settled": league.settled_at is not None,
        "promote": contest.league_promote if league.tier < contest.league_tiers else 0,
        "relegate": contest.league_relegate if league.tier > 1 else 0,
        "rank": mine["rank"],
        "score": mine["score"],
        "outcome": mine["outcome"],
        "zone": mine["zone"],
        "entries": entries,
    }


def leagues_of(*, user, today: dt.date | None = None) -> list[dict]:
    """The contests in which this person plays a league this week: {"contest", "tier", "rank"...} as
    `league_board` gives them, for the contest list. Reads only the weeks the scheduler formed."""
    if user is None or not user.is_authenticated:
        return []
    week_start = week_of(today or timezone.localdate())
    contests = Contest.objects.filter(
        pk__in=LeagueMember.objects.filter(user=user, week_start=week_start).values("contest_id")
    ).select_related("index")
    found = []
    for contest in contests.order_by("pk"):
        board = league_board(contest=contest, user=user, week_start=week_start)
        if board is not None:
            found.append({"contest_obj": contest, **board})
    return found
