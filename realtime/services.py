"""Writes of the contests domain: scoring statements into the ledger, keeping the leaderboard store in step,
versioning rules, recomputing on purpose, freezing final standings, weekly leagues.

Scoring runs inside the statement's transaction (a statement handler): entries and the person-day counters are
written with the statement or not at all. The leaderboard store is updated after commit, then `scores_changed`
is sent.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.activity.durations import duration_seconds
from core.activity.models import Statement
from core.activity.vocabulary import ActivityType, Verb
from core.errors import ApplicationError, PermissionDenied
from core.people.models import BranchMembership, OrgUnit, PartyBranch, RoleAssignment, User

from .models import (
    Award,
    Contest,
    FinalStanding,
    Index,
    League,
    LeagueMember,
    PersonDay,
    PointsEntry,
    Rule,
    RuleSetVersion,
)
from .signals import scores_changed
from .store import leaderboard_store

log = logging.getLogger(__name__)
CENT = Decimal("0.01")
# The activity type of contest badges (Open Badges' word), recorded when a winner receives one.
BADGE_TYPE = "https://w3id.org/xapi/xianfeng/activity-types/badge"
ZERO = Decimal("0.00")


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start of `first`, start of the day after `last`) in local time."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


# --- scoring: pure parts, shared by the live handler and by recomputation ----------------------------------


def rule_points(rule: Rule, statement: Statement) -> Decimal:
    """What `statement` is worth under `rule` before caps: points × bonus multiplier × dimension weight,
    or 0 when the statement does not qualify (too short a dwell time)."""
    if rule.min_dwell_seconds:
        seconds = duration_seconds(((statement.full or {}).get("result") or {}).get("duration"))
        if seconds is None or seconds < rule.min_dwell_seconds:
            return ZERO
    multiplier = Decimal(1)
    for window in rule.bonus_windows.all():
        if window.starts_at <= statement.timestamp < window.ends_at and window.multiplier > multiplier:
            multiplier = window.multiplier
    return (rule.points * multiplier * rule.dimension.weight).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class DayState:
    points: Decimal = ZERO
    per_rule: dict = field(default_factory=dict)
    changed: bool = False


def allot(state: DayState, rule: Rule, amount: Decimal) -> Decimal:
    """Take `amount` from the day's allowances (the rule's daily cap, the index's daily limit); return what fits."""
    if amount <= 0:
        return ZERO
    key = str(rule.pk)
    earned_by_rule = Decimal(state.per_rule.get(key, "0"))
    if rule.daily_cap is not None:
        amount = min(amount, rule.daily_cap - earned_by_rule)
    limit = rule.dimension.index.daily_limit
    if limit is not None:
        amount = min(amount, limit - state.points)
    if amount <= 0:
        return ZERO
    state.points += amount
    state.per_rule[key] = str(earned_by_rule + amount)
    state.changed = True
    return amount


def _matching_rules(statements: list[Statement]) -> list[Rule]:
    """The active rules any of these statements may match (one query, and one for their bonus windows)."""
    return list(
        Rule.objects.filter(active=True, verb__in={s.verb_id for s in statements})
        .filter(Q(activity_type="") | Q(activity_type__in={s.activity_type for s in statements}))
        .select_related("dimension__index")
        .prefetch_related("bonus_windows")
        .order_by("dimension__index_id", "pk")
    )


def _scorable(statement: Statement) -> bool:
    return (
        statement.trusted
        and statement.actor_user_id is not None
        and not statement.voided
        and statement.verb_id != Verb.VOIDED
    )


# --- the statement handler ------------------------------------------------------------------------------

_scoring_paused = contextvars.ContextVar("realtime_scoring_paused", default=False)


@contextlib.contextmanager
def scoring_paused():
    """Record statements without scoring them one by one (a bulk import, the demo's history); score them
    afterwards with `ledger_rescore`, which gives the same ledger."""
    token = _scoring_paused.set(True)
    try:
        yield
    finally:
        _scoring_paused.reset(token)


def statement_score(statement: Statement) -> list[PointsEntry]:
    """Score one newly stored statement (see `statements_score`)."""
    return statements_score([statement])


def statements_score(statements: list[Statement]) -> list[PointsEntry]:
    """The statement handler: write the points these newly stored statements earn under the current rules, in
    order, inside their transaction; a batch (an xAPI POST of many statements) costs the same fixed number of
    queries as one statement.

    Only statements the server recorded or a trusted client sent earn points; a statement is scored once (the
    handler runs only for newly stored statements, and entries are unique per statement and rule). Daily caps and
    the daily limit hold under concurrency: the people's day rows are locked before they are read. A voiding
    statement takes its target's points away at its place in the order.
    """
    if _scoring_paused.get():
        return []
    entries: list[PointsEntry] = []
    run: list[Statement] = []
    for statement in statements:
        if statement.verb_id == Verb.VOIDED:
            entries += _score_run(run)
            run = []
            _statement_unscore(statement)
        elif _scorable(statement):
            run.append(statement)
    entries += _score_run(run)
    return entries


def _score_run(statements: list[Statement]) -> list[PointsEntry]:
    """Score scorable statements, in order: rules, roles and branches read once for all of them, the day rows
    they touch created and locked together, the entries written in one insert, one board update after commit."""
    if not statements:
        return []
    rules = _matching_rules(statements)
    if not rules:
        return []
    user_ids = {s.actor_user_id for s in statements}
    needed_roles = {rule.dimension.index.eligible_role for rule in rules} - {""}
    held: set[tuple[int, str]] = set()
    if needed_roles:
        held = set(
            RoleAssignment.objects.filter(user_id__in=user_ids, role__in=needed_roles).values_list("user_id", "role")
        )
    worth: list[tuple[Statement, list[tuple[Rule, Decimal]]]] = []
    for statement in statements:
        amounts = [
            (rule, rule_points(rule, statement))
            for rule in rules
            if rule.verb == statement.verb_id
            and rule.activity_type in ("", statement.activity_type)
            and (
                not rule.dimension.index.eligible_role
                or (statement.actor_user_id, rule.dimension.index.eligible_role) in held
            )
        ]
        amounts = [(rule, amount) for rule, amount in amounts if amount > 0]
        if amounts:
            worth.append((statement, amounts))
    if not worth:
        return []
    first_branch: dict[int, int] = {}
    branch_users = {
        statement.actor_user_id
        for statement, amounts in worth
        if any(rule.dimension.index.scope == Index.Scope.BRANCH for rule, _amount in amounts)
    }
    if branch_users:
        for user_id, branch_id in (
            BranchMembership.objects.filter(user_id__in=branch_users)
            .order_by("branch_id")
            .values_list("user_id", "branch_id")
        ):
            first_branch.setdefault(user_id, branch_id)
    keys = {
        (statement.actor_user_id, rule.dimension.index_id, local_day(statement.timestamp))
        for statement, amounts in worth
        for rule, _amount in amounts
    }
    days = _lock_person_days(keys)
    entries: list[PointsEntry] = []
    for statement, amounts in worth:
        user_id = statement.actor_user_id
        branch_id = first_branch.get(user_id)
        day = local_day(statement.timestamp)
        for rule, amount in amounts:
            index = rule.dimension.index
            if index.scope == Index.Scope.BRANCH and branch_id is None:
                continue
            granted = allot(days[(user_id, index.pk, day)], rule, amount)
            if granted <= 0:
                continue
            entries.append(
                PointsEntry(
                    statement=statement,
                    rule=rule,
                    index_id=index.pk,
                    dimension_id=rule.dimension_id,
                    user_id=user_id,
                    branch_id=branch_id if index.scope == Index.Scope.BRANCH else None,
                    occurred_at=statement.timestamp,
                    day=day,
                    points=granted,
                    rules_version=index.rules_version,
                )
            )
    if not entries:
        return []
    PointsEntry.objects.bulk_create(entries)
    # The new totals of the day rows locked above, in one statement: an upsert of rows that all exist compiles to
    # a plain VALUES list, where bulk_update builds a CASE per row and field.
    PersonDay.objects.bulk_create(
        [
            PersonDay(user_id=row.user_id, index_id=row.index_id, day=row.day, points=row.points, per_rule=row.per_rule)
            for row in days.values()
            if row.changed
        ],
        update_conflicts=True,
        unique_fields=["user", "index", "day"],
        update_fields=["points", "per_rule"],
    )
    changes = [_change(entry) for entry in entries]
    transaction.on_commit(lambda: boards_apply(changes))
    return entries


def _lock_person_days(keys: set[tuple[int, int, dt.date]]) -> dict[tuple[int, int, dt.date], PersonDay]:
    """Create (if missing) and lock the day rows of these (person, index, day) keys, all in one order (person,
    index, day), so concurrent writes never wait on each other in a circle."""
    ordered = sorted(keys)
    PersonDay.objects.bulk_create(
        [PersonDay(user_id=user_id, index_id=index_id, day=day) for user_id, index_id, day in ordered],
        ignore_conflicts=True,
    )
    # People × indices × days covers the keys (exactly, in the usual batch of one day and one index).
    people, indices, dates = ({key[i] for key in keys} for i in range(3))
    rows = (
        PersonDay.objects.select_for_update()
        .filter(user_id__in=people, index_id__in=indices, day__in=dates)
        .order_by("user_id", "index_id", "day")
    )
    days = {(row.user_id, row.index_id, row.day): row for row in rows}
    for row in days.values():
        row.changed = False  # set by `allot`
    return days


def _statement_unscore(voiding: Statement) -> None:
    """A voided statement loses its points: its entries leave the ledger and the boards."""
    entries = list(PointsEntry.objects.filter(statement_id=voiding.voids).select_related("rule"))
    if not entries:
        return
    by_day: dict[tuple[int, int, dt.date], list[PointsEntry]] = defaultdict(list)
    for entry in entries:
        by_day[(entry.user_id, entry.index_id, entry.day)].append(entry)
    for (user_id, index_id, day), group in sorted(by_day.items()):
        row = PersonDay.objects.select_for_update().filter(user_id=user_id, index_id=index_id, day=day).first()
        if row is None:
            continue
        for entry in group:
            key = str(entry.rule_id)
            row.points -= entry.points
            row.per_rule[key] = str(Decimal(row.per_rule.get(key, "0")) - entry.points)
        row.save(update_fields=["points", "per_rule"])
    PointsEntry.objects.filter(pk__in=[entry.pk for entry in entries]).delete()
    changes = [_change(entry, sign=-1) for entry in entries]
    transaction.on_commit(lambda: boards_apply(changes))


# --- after commit: the leaderboard store --------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    user_id: int
    branch_id: int | None
    index_id: int
    occurred_at: dt.datetime
    points: Decimal


def _change(entry: PointsEntry, sign: int = 1) -> Change:
    return Change(entry.user_id, entry.branch_id, entry.index_id, entry.occurred_at, entry.points * sign)


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

    def members_for(self, change: Change, person: Participant | None) -> list[str]:
        """The board members a ledger change moves in this contest."""
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


def contests_touching(index_ids: set[int], first: dt.datetime, last: dt.datetime):
    return (
        Contest.objects.filter(frozen_at=None, starts_at__lte=last, ends_at__gt=first)
        .filter(Q(index_id__in=index_ids) | Q(index__member_index_id__in=index_ids))
        .select_related("index", "org_unit")
        .prefetch_related("branches")
        .order_by("pk")
    )


def boards_apply(changes: list[Change]) -> list[int]:
    """Move the boards of every open contest these ledger changes belong to; rebuild a board the store lacks.
    Sends `scores_changed`. Runs after commit; a store failure is logged (the ledger is right, and
    `check_leaderboards`/`rebuild_leaderboards` repair the board)."""
    if not changes:
        return []
    contests = list(
        contests_touching(
            {c.index_id for c in changes}, min(c.occurred_at for c in changes), max(c.occurred_at for c in changes)
        )
    )
    if not contests:
        return []
    people = participants_load(c.user_id for c in changes)
    deltas: dict[int, dict[str, Decimal]] = {}
    by_id = {}
    for contest in contests:
        scope = ContestScope.of(contest)
        by_id[contest.pk] = contest
        for change in changes:
            for member in scope.members_for(change, people.get(change.user_id)):
                board = deltas.setdefault(contest.pk, {})
                board[member] = board.get(member, ZERO) + change.points
    if not deltas:
        return []
    try:
        versions = leaderboard_store().apply(deltas)
        for contest_id, version in versions.items():
            if version is None:
                board_rebuild(contest=by_id[contest_id], notify=False)
    except Exception:  # noqa: BLE001 - the ledger is committed; the board is repaired from it later
        log.exception("leaderboard store update failed for contests %s", sorted(deltas))
        return []
    contest_ids = sorted(deltas)
    scores_changed.send(sender=PointsEntry, contest_ids=contest_ids, user_ids=sorted({c.user_id for c in changes}))
    return contest_ids


# --- boards from the ledger -----------------------------------------------------------------------------


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


def board_rebuild(*, contest: Contest, notify: bool = True) -> int:
    """Recompute a contest's board from the ledger into the store; returns the new version."""
    version = leaderboard_store().replace(contest.pk, board_scores(contest=contest))
    if notify:
        transaction.on_commit(lambda: scores_changed.send(sender=PointsEntry, contest_ids=[contest.pk], user_ids=[]))
    return version


def board_ensure(contest: Contest) -> None:
    """Make sure the store holds the contest's board (a fresh process, a flushed Redis)."""
    store = leaderboard_store()
    if not store.exists(contest.pk):
        board_rebuild(contest=contest, notify=False)


def board_differences(*, contest: Contest) -> dict[str, tuple[Decimal, Decimal]]:
    """Members whose score differs between the ledger and the store: member -> (ledger, store)."""
    ledger = board_scores(contest=contest)
    stored = {member: score for member, score in leaderboard_store().scores(contest.pk).items() if score}
    return {
        member: (ledger.get(member, ZERO), stored.get(member, ZERO))
        for member in sorted(set(ledger) | set(stored))
        if ledger.get(member, ZERO) != stored.get(member, ZERO)
    }


# --- rules: versions and recomputation ---------------------------------------------------------------------


def _can_edit_rules(user) -> bool:
    return bool(user and (user.is_superuser or user.has_perm("realtime.change_rule")))


def _rules_snapshot(index: Index) -> list[dict]:
    rules = Rule.objects.filter(dimension__index=index).select_related("dimension").prefetch_related("bonus_windows")
    return [
        {
            "id": rule.pk,
            "name": rule.name,
            "dimension": rule.dimension.code,
            "weight": str(rule.dimension.weight),
            "verb": rule.verb,
            "activity_type": rule.activity_type,
            "points": str(rule.points),
            "daily_cap": None if rule.daily_cap is None else str(rule.daily_cap),
            "min_dwell_seconds": rule.min_dwell_seconds,
            "active": rule.active,
            "bonus_windows": [
                [w.starts_at.isoformat(), w.ends_at.isoformat(), str(w.multiplier)] for w in rule.bonus_windows.all()
            ],
        }
        for rule in rules.order_by("pk")
    ]


def ruleset_version_create(*, index: Index, by=None) -> RuleSetVersion:
    """Record that the rules of `index` changed: a new version. Entries scored earlier keep their points and
    the version they were scored with; nothing is recomputed until an editor asks (`contest_recompute`)."""
    with transaction.atomic():
        index = Index.objects.select_for_update().get(pk=index.pk)
        number = index.rules_version + 1
        index.rules_version = number
        index.save(update_fields=["rules_version"])
        return RuleSetVersion.objects.create(index=index, number=number, rules=_rules_snapshot(index), created_by=by)


def ledger_rescore(*, index_ids: set[int], first_day: dt.date, last_day: dt.date) -> int:
    """Score again, under the current rules, every statement of whole days [first_day, last_day] for these
    indices: the ledger and the person-day counters of those days are replaced. Returns the entries written.

    Used when an editor recomputes on purpose and to score statements recorded before the rules existed."""
    start, end = day_bounds(first_day, last_day)
    rules = list(
        Rule.objects.filter(active=True, dimension__index_id__in=index_ids)
        .select_related("dimension__index")
        .prefetch_related("bonus_windows")
        .order_by("dimension__index_id", "pk")
    )
    by_verb: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules:
        by_verb[rule.verb].append(rule)
    eligible_roles = {rule.dimension.index.eligible_role for rule in rules} - {""}
    holders: dict[str, set[int]] = defaultdict(set)
    for user_id, role in RoleAssignment.objects.filter(role__in=eligible_roles).values_list("user_id", "role"):
        holders[role].add(user_id)
    first_branch: dict[int, int] = {}
    for user_id, branch_id in BranchMembership.objects.order_by("branch_id").values_list("user_id", "branch_id"):
        first_branch.setdefault(user_id, branch_id)
    with transaction.atomic():
        PersonDay.objects.select_for_update().filter(
            index_id__in=index_ids, day__gte=first_day, day__lte=last_day
        ).delete()
        PointsEntry.objects.filter(index_id__in=index_ids, day__gte=first_day, day__lte=last_day).delete()
        states: dict[tuple[int, int, dt.date], DayState] = {}
        entries: list[PointsEntry] = []
        statements = (
            Statement.objects.filter(
                timestamp__gte=start, timestamp__lt=end, verb_id__in=list(by_verb), trusted=True, voided=False
            )
            .exclude(actor_user=None)
            .order_by("timestamp", "stored", "id")
        )
        if rules and all(rule.dimension.index.eligible_role for rule in rules):
            # Only holders of the eligible roles can earn: skip everyone else's statements in the database.
            statements = statements.filter(actor_user__in=set().union(*holders.values()))
        for statement in statements.iterator(chunk_size=2000):
            for rule in by_verb[statement.verb_id]:
                index = rule.dimension.index
                if rule.activity_type and rule.activity_type != statement.activity_type:
                    continue
                if index.eligible_role and statement.actor_user_id not in holders[index.eligible_role]:
                    continue
                branch_id = first_branch.get(statement.actor_user_id) if index.scope == Index.Scope.BRANCH else None
                if index.scope == Index.Scope.BRANCH and branch_id is None:
                    continue
                day = local_day(statement.timestamp)
                state = states.setdefault((statement.actor_user_id, index.pk, day), DayState())
                granted = allot(state, rule, rule_points(rule, statement))
                if granted > 0:
                    entries.append(
                        PointsEntry(
                            statement_id=statement.pk,
                            rule=rule,
                            index_id=index.pk,
                            dimension_id=rule.dimension_id,
                            user_id=statement.actor_user_id,
                            branch_id=branch_id,
                            occurred_at=statement.timestamp,
                            day=day,
                            points=granted,
                            rules_version=index.rules_version,
                        )
                    )
        PointsEntry.objects.bulk_create(entries, batch_size=2000)
        PersonDay.objects.bulk_create(
            [
                PersonDay(user_id=user_id, index_id=index_id, day=day, points=state.points, per_rule=state.per_rule)
                for (user_id, index_id, day), state in states.items()
            ],
            batch_size=2000,
        )
        contests = contests_touching(index_ids, start, end)
        transaction.on_commit(lambda: [board_rebuild(contest=contest) for contest in contests])
    return len(entries)


def contest_recompute(*, contest: Contest, by) -> int:
    """Recompute, on purpose, the ledger of a contest's period under the current rules (an editor's decision
    after a rule change), then its board. Other contests on the same index and days follow."""
    if not _can_edit_rules(by):
        raise PermissionDenied(_("Only editors of scoring rules can recompute a contest."))
    if contest.frozen_at is not None:
        raise ApplicationError(_("The final standings of this contest are frozen."), extra={"contest": contest.slug})
    index_ids = {contest.index_id}
    if contest.index.member_index_id:
        index_ids.add(contest.index.member_index_id)
    last_moment = min(contest.ends_at, timezone.now()) - dt.timedelta(microseconds=1)
    return ledger_rescore(
        index_ids=index_ids,
        first_day=local_day(contest.starts_at),
        last_day=local_day(max(last_moment, contest.starts_at)),
    )


# --- the end of a contest ----------------------------------------------------------------------------------


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


def contest_freeze(*, contest: Contest, now: dt.datetime | None = None) -> bool:
    """Freeze the final standings of an ended contest from the ledger and award the winners. Safe to call
    again and from concurrent requests: only the first call freezes. Returns True when this call froze it."""
    now = now or timezone.now()
    if contest.ends_at > now:
        raise ApplicationError(_("The contest has not ended yet."), extra={"contest": contest.slug})
    with transaction.atomic():
        locked = Contest.objects.select_for_update(of=("self",)).select_related("index", "org_unit").get(pk=contest.pk)
        if locked.frozen_at is not None:
            contest.frozen_at = locked.frozen_at
            return False
        scores = board_scores(contest=locked)
        standings = ranked(scores)
        names = member_names(scores)
        FinalStanding.objects.bulk_create(
            [
                FinalStanding(
                    contest=locked,
                    position=position,
                    rank=rank,
                    user_id=int(member[1:]) if member[0] == "u" else None,
                    branch_id=int(member[1:]) if member[0] == "b" else None,
                    member=member,
                    name=names.get(member, member)[:100],
                    score=score,
                )
                for position, (rank, member, score) in enumerate(standings, start=1)
            ]
        )
        winners = [(rank, member) for rank, member, _score in standings if rank <= locked.award_top]
        _award(locked, winners, names)
        locked.frozen_at = now
        locked.save(update_fields=["frozen_at"])
        contest.frozen_at = now
        transaction.on_commit(lambda: board_rebuild(contest=locked))
    return True


def _award(contest: Contest, winners: list[tuple[int, str]], names: dict[str, str]) -> None:
    from core.activity.services import activity_record

    with translation.override(settings.LANGUAGE_CODE):
        kind_label = str(Contest.AwardKind(contest.award_kind).label)
        for rank, member in winners:
            title = _("%(contest)s · place %(rank)d %(kind)s") % {
                "contest": contest.name,
                "rank": rank,
                "kind": kind_label,
            }
            is_user = member[0] == "u"
            Award.objects.create(
                contest=contest,
                user_id=int(member[1:]) if is_user else None,
                branch_id=None if is_user else int(member[1:]),
                rank=rank,
                kind=contest.award_kind,
                title=title[:200],
            )
            if is_user:
                activity_record(
                    actor=User.objects.get(pk=int(member[1:])),
                    verb=Verb.EARNED,
                    object_id=f"{settings.SITE_URL.rstrip('/')}/contests/{contest.slug}/award/{rank}",
                    activity_type=ActivityType.CERTIFICATE
                    if contest.award_kind == Contest.AwardKind.CERTIFICATE
                    else BADGE_TYPE,
                    name=title,
                    natural_key=("contest-award", contest.pk, member),
                )


def contests_freeze_ended(*, now: dt.datetime | None = None) -> list[Contest]:
    now = now or timezone.now()
    frozen = []
    for contest in Contest.objects.filter(frozen_at=None, ends_at__lte=now).order_by("pk"):
        if contest_freeze(contest=contest, now=now):
            frozen.append(contest)
    return frozen


# --- weekly leagues ----------------------------------------------------------------------------------------


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def contest_participants(contest: Contest):
    scope = ContestScope.of(contest)
    users = User.objects.filter(is_active=True)
    if contest.role:
        users = users.filter(roles__role=contest.role)
    if scope.branch_ids:
        users = users.filter(memberships__branch_id__in=scope.branch_ids)
    if scope.unit_path is not None:
        users = users.filter(org_unit__path__startswith=scope.unit_path)
    return users.distinct()


def _period_scores(
    contest: Contest, user_ids: Iterable[int], start: dt.datetime, end: dt.datetime
) -> dict[int, Decimal]:
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
        so_far = _period_scores(contest, paths, contest.starts_at, start)
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
            scores = _period_scores(contest, [m.user_id for m in members], start, end)
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


def unit_department(unit: OrgUnit | None) -> OrgUnit | None:
    if unit is None:
        return None
    if unit.kind == OrgUnit.Kind.DEPARTMENT:
        return unit
    return unit.get_ancestors().filter(kind=OrgUnit.Kind.DEPARTMENT).first()
