"""Writes of the cockpit: the statement batch handler that keeps the indicator summaries, and the rebuild.

`statements_tally` costs a fixed number of queries per batch whatever its size: the units the statements
name, the actors' units, the units above them, then the writer's lock (tried, never waited for) and one upsert of
the summary rows they move, or one insert of pending rows when another batch is writing them. After commit it
tells the listeners (the cockpit page's live room) which units moved.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from core.activity.models import Statement
from core.people.models import OrgUnit, User

from .indicators import UNIT_EXTENSION, indicators
from .models import IndicatorTally, PendingTally
from .selectors import snapshot_version_key

ChangeListener = Callable[[set[int]], None]
_listeners: list[ChangeListener] = []


def cockpit_changed_register(listener: ChangeListener) -> None:
    """`listener(unit_ids)` runs after commit with the units whose summaries a batch moved (the page that owns
    the cockpit pushes to its live rooms; the spine imports no app)."""
    if listener not in _listeners:
        _listeners.append(listener)


def _statement_unit_code(statement: Statement) -> str | None:
    extensions = ((statement.full or {}).get("context") or {}).get("extensions") or {}
    code = extensions.get(UNIT_EXTENSION)
    return code if isinstance(code, str) and code else None


def _counted(statements: Iterable[Statement]) -> list[tuple[Statement, str, int, int]]:
    registered = indicators()
    found = []
    for statement in statements:
        if statement.voided:
            continue
        for indicator in registered:
            counted = indicator.count(statement)
            if counted and (counted[0] or counted[1]):
                found.append((statement, indicator.key, counted[0], counted[1]))
    return found


def _units_of(statements: list[Statement]) -> dict[object, str]:
    """statement id -> the path of the unit it counts for (named in its context, else the actor's unit)."""
    codes = {code for code in (_statement_unit_code(s) for s in statements) if code}
    by_code = dict(OrgUnit.objects.filter(code__in=codes).values_list("code", "path")) if codes else {}
    actors = {s.actor_user_id for s in statements if s.actor_user_id and not _statement_unit_code(s)}
    by_actor = (
        dict(User.objects.filter(pk__in=actors, org_unit__isnull=False).values_list("pk", "org_unit__path"))
        if actors
        else {}
    )
    paths = {}
    for statement in statements:
        code = _statement_unit_code(statement)
        path = by_code.get(code) if code else by_actor.get(statement.actor_user_id)
        if path:
            paths[statement.pk] = path
    return paths


def _deltas(statements: list[Statement]) -> dict[tuple[str, int, date], list[int]]:
    counted = _counted(statements)
    if not counted:
        return {}
    paths = _units_of([statement for statement, *_ in counted])
    step = OrgUnit.steplen
    prefixes = {path[:end] for path in set(paths.values()) for end in range(step, len(path) + 1, step)}
    unit_ids = dict(OrgUnit.objects.filter(path__in=prefixes).values_list("path", "pk"))
    deltas: dict[tuple[str, int, date], list[int]] = defaultdict(lambda: [0, 0])
    for statement, key, numerator, denominator in counted:
        path = paths.get(statement.pk)
        if not path:
            continue
        day = timezone.localdate(statement.timestamp)
        for end in range(step, len(path) + 1, step):
            unit_id = unit_ids.get(path[:end])
            if unit_id is not None:
                delta = deltas[(key, unit_id, day)]
                delta[0] += numerator
                delta[1] += denominator
    return {key: value for key, value in deltas.items() if value[0] or value[1]}


# The PostgreSQL advisory lock of the summaries' writer: one transaction at a time writes IndicatorTally.
SUMMARY_WRITER_LOCK = 0x636B7074  # "ckpt"


def _apply(deltas: dict[tuple[str, int, date], list[int]]) -> None:
    """Add a batch's deltas to the summaries without waiting on another batch.

    Every batch of visits moves the same rows (the city's and its ancestors' for today), and a row written in a
    transaction stays locked until it commits, after the other statement handlers: batches queued on those locks,
    each holding its pooled connection (platform/BENCHMARKS.md, the city cockpit). So one transaction at a time
    writes the summary rows, the one that gets the writer's lock without waiting; it folds in the deltas other
    batches left pending and its own, in one statement. A batch that finds the lock taken inserts its deltas as
    pending rows, which lock nothing shared. The readers add the pending rows, so the figures are exact either way.
    """
    if not deltas:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SUMMARY_WRITER_LOCK])
            (writer,) = cursor.fetchone()
        if not writer:
            PendingTally.objects.bulk_create(
                [
                    PendingTally(indicator=k, unit_id=u, day=d, numerator=n, denominator=m)
                    for (k, u, d), (n, m) in deltas.items()
                ]
            )
            return
    _fold(deltas)


def _fold(deltas: dict[tuple[str, int, date], list[int]]) -> None:
    """Upsert `deltas` plus (on PostgreSQL) every committed pending row into the summaries, in one statement, rows
    in the unique key's order (unit, indicator, day). The caller holds the writer's lock (SQLite has one writer)."""
    tally = connection.ops.quote_name(IndicatorTally._meta.db_table)
    pending = connection.ops.quote_name(PendingTally._meta.db_table)
    columns = "indicator, unit_id, day, numerator, denominator"
    ordered = sorted(deltas.items(), key=lambda item: (item[0][1], item[0][0], item[0][2]))
    update = (
        f" ON CONFLICT (unit_id, indicator, day) DO UPDATE SET numerator = {tally}.numerator + excluded.numerator, "
        f"denominator = {tally}.denominator + excluded.denominator"
    )
    if connection.vendor == "postgresql":
        sql = (
            f"WITH moved AS (DELETE FROM {pending} RETURNING {columns}), "  # noqa: S608 - names from the models
            f"batch AS (SELECT * FROM unnest(%s::varchar[], %s::bigint[], %s::date[], %s::bigint[], %s::bigint[]) "
            f"AS b({columns})) "
            f"INSERT INTO {tally} ({columns}) SELECT indicator, unit_id, day, sum(numerator), sum(denominator) "
            f"FROM (SELECT * FROM moved UNION ALL SELECT * FROM batch) AS deltas "
            f"GROUP BY unit_id, indicator, day ORDER BY unit_id, indicator, day" + update
        )
        params = [list(column) for column in zip(*((k, u, d, n, m) for (k, u, d), (n, m) in ordered), strict=True)]
    else:
        values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(ordered))
        sql = f"INSERT INTO {tally} ({columns}) VALUES {values}" + update  # noqa: S608 - names from the model
        params = [value for (k, u, d), (n, m) in ordered for value in (k, u, d, n, m)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _versions_bump(unit_ids: set[int]) -> None:
    """Retire the kept snapshots of these units (`selectors.cockpit_snapshot`): one cache write."""
    token = uuid.uuid4().hex
    cache.set_many({snapshot_version_key(unit_id): token for unit_id in unit_ids}, None)


def statements_tally(statements: list[Statement]) -> None:
    """The batch handler: add what these trusted statements count to the summaries, then tell the listeners."""
    deltas = _deltas(statements)
    if not deltas:
        return
    _apply(deltas)
    changed = {unit_id for _k, unit_id, _d in deltas}
    # Retired now and again after commit: a snapshot computed from the summaries before this commit may have been
    # kept under the first token, never under the second.
    _versions_bump(changed)

    def committed():
        _versions_bump(changed)
        for listener in list(_listeners):
            listener(changed)

    transaction.on_commit(committed)


def cockpit_rebuild(*, keys: Iterable[str] | None = None, chunk: int = 2000) -> int:
    """Recount the summaries of `keys` (every indicator by default) from the trusted statements: after an app
    registers a new indicator, or to check the running sums. Returns how many statements counted."""
    chosen = {indicator.key for indicator in indicators()} if keys is None else set(keys)
    counted = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":  # the summaries' writer: batches meanwhile leave pending rows
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SUMMARY_WRITER_LOCK])
        IndicatorTally.objects.filter(indicator__in=chosen).delete()
        PendingTally.objects.filter(indicator__in=chosen).delete()
        deltas: dict[tuple[str, int, date], list[int]] = defaultdict(lambda: [0, 0])
        batch: list[Statement] = []

        def flush():
            for key, value in _deltas(batch).items():
                if key[0] in chosen:
                    deltas[key][0] += value[0]
                    deltas[key][1] += value[1]

        for statement in Statement.objects.trusted().filter(voided=False).order_by("stored", "id").iterator(chunk):
            batch.append(statement)
            counted += 1
            if len(batch) >= chunk:
                flush()
                batch = []
        flush()
        IndicatorTally.objects.bulk_create(
            [
                IndicatorTally(indicator=key, unit_id=unit_id, day=day, numerator=value[0], denominator=value[1])
                for (key, unit_id, day), value in deltas.items()
            ],
            batch_size=5000,
        )
    transaction.on_commit(lambda: _versions_bump(set(OrgUnit.objects.values_list("pk", flat=True))))
    return counted
