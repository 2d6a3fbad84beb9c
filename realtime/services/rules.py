"""Scoring rules over time: each change of an index's rules is a new version, and the ledger is recomputed only when
an editor asks (`contest_recompute`) or a bulk import scores its statements at once (`ledger_rescore`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.activity.models import Statement
from core.errors import ApplicationError, PermissionDenied
from core.people.models import BranchMembership, RoleAssignment

from ..days import day_bounds, local_day
from ..models import Contest, Index, PersonDay, PointsEntry, Rule, RuleSetVersion
from ..rules_cache import rules_changed
from ..selectors import contests_touching
from .boards import board_rebuild
from .scoring import DayState, allot, rule_points


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
        # An update of the one column: save() would re-index the index's unchanged name in Wagtail's search.
        Index.objects.filter(pk=index.pk).update(rules_version=number)
        index.rules_version = number
        rules_changed()  # entries name the version they were scored with: no process may score with the old one
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
            Statement.objects.trusted()
            .filter(timestamp__gte=start, timestamp__lt=end, verb_id__in=list(by_verb), voided=False)
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
