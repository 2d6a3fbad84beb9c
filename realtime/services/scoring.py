"""Scoring statements into the points ledger: the rules' pure arithmetic, shared with recomputation (`rules`), and
the statement handler.

Scoring runs inside the statement's transaction (a batch statement handler): entries and the person-day counters
are written with the statements or not at all. The boards move after commit (`boards.boards_apply`), which then
sends `scores_changed`.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from core.activity.durations import duration_seconds
from core.activity.models import Statement
from core.activity.vocabulary import Verb
from core.people.models import BranchMembership, RoleAssignment

from ..days import local_day
from ..models import Index, PersonDay, PointsEntry, Rule
from ..rules_cache import active_rules_by_verb
from .boards import boards_apply, ledger_change

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


# --- pure parts, shared by the live handler and by recomputation ---------------------------------------------


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
    """The active rules any of these statements may match, ordered by (index, pk): from this process's copy of the
    rules (`rules_cache`), so a statement no rule scores costs no query at all."""
    by_verb = active_rules_by_verb()
    types = {s.activity_type for s in statements}
    found = [
        rule
        for verb in {s.verb_id for s in statements}
        for rule in by_verb.get(verb, ())
        if rule.activity_type == "" or rule.activity_type in types
    ]
    return sorted(found, key=lambda rule: (rule.dimension.index_id, rule.pk))


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
    afterwards with `rules.ledger_rescore`, which gives the same ledger."""
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
    changes = [ledger_change(entry) for entry in entries]
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
    changes = [ledger_change(entry, sign=-1) for entry in entries]
    transaction.on_commit(lambda: boards_apply(changes))
