"""Reads of the cockpit: who may see which unit, and a unit's figures from the summaries (never the statements).

`cockpit_figures` costs a fixed number of queries whatever the unit's size: the unit's children, the shops and
the people per child (when an indicator needs them), one grouped read of the summaries of the unit and its
children, one of the unit's last days, plus what each indicator's own `responsible`/`warnings` read.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import defaultdict

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.errors import NotFound, PermissionDenied
from core.people.models import OrgUnit, Role, Shop, User

from .indicators import BASE_PEOPLE, BASE_SHOPS, COLOURS, MONTH, Indicator, indicators
from .models import IndicatorTally, PendingTally

SERIES_DAYS = 30
# A kept snapshot's longest life: even with no statement arriving, the pace and "today" move with the clock.
SNAPSHOT_SECONDS = 30
# How long one process may compute a snapshot before the others stop waiting for it and compute their own.
COMPUTE_SECONDS = 5
# How long a snapshot stays kept (to answer readers while the next one is computed).
KEEP_SECONDS = 600
WARN_COLOURS = ("yellow", "orange", "red")
MAX_WARNINGS = 50


def _roles(user) -> set[str]:
    """The user's role codes, read once per user object (the permission checks below ask several times)."""
    if not hasattr(user, "_cockpit_roles"):
        user._cockpit_roles = user.role_codes()
    return user._cockpit_roles


def may_see_cockpit(user) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or bool(_roles(user) & {Role.STAFF, Role.EDITOR})


def _sees_every_unit(user) -> bool:
    return user.is_superuser or Role.EDITOR in _roles(user)


def cockpit_units_allowed(user):
    """All units for editors and administrators, their own subtree for staff."""
    if _sees_every_unit(user):
        return OrgUnit.objects.all()
    if user.org_unit_id is None:
        return OrgUnit.objects.none()
    return user.org_unit.subtree()


def cockpit_may_watch(user, unit_id: int) -> bool:
    return may_see_cockpit(user) and cockpit_units_allowed(user).filter(pk=unit_id).exists()


def cockpit_unit(*, user, unit_id: int | None) -> OrgUnit:
    """The unit `user` asked for (their own by default), after the permission checks."""
    if not may_see_cockpit(user):
        raise PermissionDenied(_("Only staff and editors may see the cockpit."))
    allowed = cockpit_units_allowed(user)
    if unit_id is None:
        unit = user.org_unit if user.org_unit_id else allowed.filter(depth=1).order_by("path").first()
        if unit is None:
            raise NotFound(_("No organisation unit to show."))
        return unit
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(_("No such organisation unit."))
    if not _sees_every_unit(user) and not allowed.filter(pk=unit.pk).exists():
        raise PermissionDenied(_("You may only see the units you work in."))
    return unit


def cockpit_ancestors(*, user, unit: OrgUnit) -> list[OrgUnit]:
    above = [ancestor.pk for ancestor in unit.get_ancestors()]
    return list(cockpit_units_allowed(user).filter(pk__in=above).order_by("depth"))


def _bases(unit: OrgUnit, children: list[dict], needed: set[str]) -> dict[str, dict[int, int]]:
    """Shops and people under the unit and under each child: one grouped query each."""
    out: dict[str, dict[int, int]] = {}
    by_path = {child["path"]: child["id"] for child in children}
    length = (unit.depth + 1) * OrgUnit.steplen
    sources = {
        BASE_SHOPS: (Shop.objects.filter(grid__path__startswith=unit.path), "grid__path"),
        BASE_PEOPLE: (User.objects.filter(org_unit__path__startswith=unit.path, is_active=True), "org_unit__path"),
    }
    for base in needed:
        queryset, field = sources[base]
        rows = queryset.values_list(Substr(field, 1, length)).annotate(n=Count("pk")).order_by()
        counts = {by_path[prefix]: n for prefix, n in rows if prefix in by_path}
        counts[unit.pk] = sum(n for _prefix, n in rows)
        out[base] = counts
    return out


def _summaries(query) -> list[dict]:
    """`query(model)` over the summaries and the deltas pending beside them (`models.PendingTally`), in one
    statement: a batch folding pending rows into the summaries commits between two statements, never inside one."""
    return list(query(IndicatorTally).union(query(PendingTally), all=True))


def _value(indicator: Indicator, numerator: int, denominator: int, base: int | None) -> float:
    numerator = numerator / indicator.scale if indicator.scale != 1 else numerator
    if indicator.base is not None:
        return round(numerator / base, 4) if base else 0.0
    if denominator:
        return round(numerator / denominator, 4)
    return float(numerator) if indicator.display != "share" else 0.0


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def cockpit_figures(*, unit: OrgUnit, user=None, at: dt.datetime | None = None) -> dict:
    """Every registered indicator of `unit` (its whole subtree): this period's figure, the figure a period ago,
    its colour, a daily series, the figure of each unit directly below, and the warning list."""
    at = at or timezone.now()
    today = timezone.localdate(at)
    month_start = _month_start(today)
    previous_start = _month_start(month_start - dt.timedelta(days=1))
    series_start = today - dt.timedelta(days=SERIES_DAYS - 1)
    registered = indicators()
    next_month = _month_start(month_start + dt.timedelta(days=32))
    elapsed = ((today - month_start).days + 1) / (next_month - month_start).days
    children = list(unit.get_children().order_by("path").values("id", "name", "path", "kind"))
    ids = [unit.pk, *[child["id"] for child in children]]
    bases = _bases(unit, children, {indicator.base for indicator in registered if indicator.base})

    keys = [indicator.key for indicator in registered]
    totals: dict[tuple[str, int], dict] = {}
    for row in _summaries(
        lambda model: (
            model.objects.filter(unit_id__in=ids, indicator__in=keys, day__lte=today)
            .values("indicator", "unit_id")
            .annotate(
                all_n=Sum("numerator"),
                all_d=Sum("denominator"),
                month_n=Sum("numerator", filter=Q(day__gte=month_start)),
                month_d=Sum("denominator", filter=Q(day__gte=month_start)),
                prev_n=Sum("numerator", filter=Q(day__gte=previous_start, day__lt=month_start)),
                prev_d=Sum("denominator", filter=Q(day__gte=previous_start, day__lt=month_start)),
            )
            .order_by()
        )
    ):
        kept = totals.setdefault((row["indicator"], row["unit_id"]), row)
        if kept is not row:  # the same unit's pending deltas
            for name in ("all_n", "all_d", "month_n", "month_d", "prev_n", "prev_d"):
                kept[name] = (kept[name] or 0) + (row[name] or 0)
    daily: dict[str, dict[dt.date, tuple[int, int]]] = defaultdict(dict)
    for row in _summaries(
        lambda model: (
            model.objects.filter(
                unit_id=unit.pk, indicator__in=keys, day__gte=_month_start(series_start), day__lte=today
            )
            .values("indicator", "day")
            .annotate(n=Sum("numerator"), d=Sum("denominator"))
            .order_by()
        )
    ):
        n, d = daily[row["indicator"]].get(row["day"], (0, 0))
        daily[row["indicator"]][row["day"]] = (n + row["n"], d + row["d"])

    out = []
    warnings: list[dict] = []
    for indicator in registered:
        base_counts = bases.get(indicator.base, {}) if indicator.base else {}

        def figure(unit_id: int, *, previous: bool = False, indicator=indicator, base_counts=base_counts):
            row = totals.get((indicator.key, unit_id)) or {}
            if indicator.period == MONTH:
                n, d = (row.get("prev_n"), row.get("prev_d")) if previous else (row.get("month_n"), row.get("month_d"))
            else:
                n, d = row.get("all_n"), row.get("all_d")
            return _value(indicator, n or 0, d or 0, base_counts.get(unit_id))

        value = figure(unit.pk)
        series = _series(
            indicator,
            totals.get((indicator.key, unit.pk)) or {},
            daily[indicator.key],
            series_start,
            today,
            base_counts.get(unit.pk),
        )
        previous = figure(unit.pk, previous=True) if indicator.period == MONTH else series[0]["value"]
        pace = elapsed if indicator.period == MONTH else 1.0
        colour = indicator.colour(value, unit_kind=unit.kind, elapsed=pace)
        child_rows = []
        for child in children:
            child_value = figure(child["id"])
            child_rows.append(
                {
                    "id": child["id"],
                    "name": child["name"],
                    "kind": child["kind"],
                    "value": child_value,
                    "colour": indicator.colour(child_value, unit_kind=child["kind"], elapsed=pace),
                }
            )
        flagged = [row for row in child_rows if row["colour"] in WARN_COLOURS]
        if not children and colour in WARN_COLOURS:
            flagged = [{"id": unit.pk, "name": unit.name, "kind": unit.kind, "value": value, "colour": colour}]
        people = indicator.responsible([row["id"] for row in flagged]) if indicator.responsible and flagged else {}
        for row in flagged:
            warnings.append(
                {
                    "indicator": indicator.key,
                    "label": str(indicator.label),
                    "colour": row["colour"],
                    "unit": row["name"],
                    "unit_id": row["id"],
                    "person": people.get(row["id"], ""),
                    "text": "",
                    "url": "",
                    "value": row["value"],
                }
            )
        if indicator.warnings is not None:
            for item in indicator.warnings(unit, user):
                warnings.append({"indicator": indicator.key, "label": str(indicator.label), "value": None, **item})
        out.append(
            {
                "key": indicator.key,
                "label": str(indicator.label),
                "owner": indicator.owner,
                "help": str(indicator.help_text),
                "display": indicator.display,
                "better": indicator.better,
                "period": indicator.period,
                "thresholds": list(indicator.thresholds_for(unit.kind)),
                "value": value,
                "previous": previous,
                "trend": round(value - previous, 4),
                "colour": colour,
                "paced": indicator.paced,
                "elapsed": round(pace, 4),
                "series": series,
                "children": child_rows,
            }
        )
    severity = {colour: n for n, colour in enumerate(COLOURS)}
    warnings.sort(key=lambda w: (-severity.get(w.get("colour", "yellow"), 2), w["label"], w.get("unit", "")))
    return {
        "unit": {"id": unit.pk, "name": unit.name, "kind": unit.kind, "path": unit.path_names},
        "children": [{"id": c["id"], "name": c["name"], "kind": c["kind"]} for c in children],
        "indicators": out,
        "warnings": warnings[:MAX_WARNINGS],
        "colours": list(COLOURS),
        "at": at.isoformat(timespec="seconds"),
    }


def snapshot_version_key(unit_id: int) -> str:
    """The cache key of a unit's summary version: a new token each time a statement batch moves its summaries."""
    return f"cockpit:version:{unit_id}"


def cockpit_snapshot(*, unit: OrgUnit) -> dict:
    """`cockpit_figures` of `unit` as every viewer gets it (the page and the live room), computed once for all of
    them (`cockpit_snapshot_json`), of the unit's current summary version: a room pushing a change pushes it."""
    return json.loads(cockpit_snapshot_json(unit=unit, current=True))


def cockpit_snapshot_json(*, unit: OrgUnit, current: bool = False) -> str:
    """The unit's figures as JSON (the REST snapshot sends this text as it is), computed once and kept in the cache
    until a statement batch moves the unit's summaries or SNAPSHOT_SECONDS pass: a city's 50 viewers cost one
    computation per change, not one each.

    One process computes a new version while the others wait for it, or with `current=False` (the REST readers)
    answer the version kept before it at once: while statements arrive ten batches a second, a reader's figures are
    at most one computation old, and the next reader after the last batch gets the last figures. With the cache
    down it computes every time."""
    version_key, kept_key = snapshot_version_key(unit.pk), f"cockpit:figures:{unit.pk}:{get_language()}"
    computing_key = f"{kept_key}:computing"
    found = cache.get_many([version_key, kept_key])
    version = found.get(version_key, "0")
    kept = found.get(kept_key)
    if kept is not None and kept[0] == version and time.time() - kept[1] < SNAPSHOT_SECONDS:
        return kept[2]
    computing = cache.add(computing_key, 1, COMPUTE_SECONDS)
    if not computing:
        if kept is not None and not current:
            return kept[2]
        # Another process is computing this version: wait for it, no longer than a computation may take.
        deadline = time.monotonic() + COMPUTE_SECONDS
        while time.monotonic() < deadline and cache.get(computing_key) is not None:
            time.sleep(0.02)
            found = cache.get_many([version_key, kept_key])
            kept = found.get(kept_key)
            if kept is not None and kept[0] == found.get(version_key, "0"):
                return kept[2]
    try:
        figures = cockpit_figures(unit=unit)
        text = json.dumps(figures, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
        cache.set(kept_key, (version, time.time(), text), KEEP_SECONDS)
    finally:
        if computing:
            cache.delete(computing_key)
    return text


def _series(indicator, total_row, days: dict, start: dt.date, today: dt.date, base: int | None) -> list[dict]:
    """The figure as it stood at the end of each of the last days: month-to-date for monthly figures (it starts
    again on the 1st; `days` reaches back to the first window day's 1st), everything so far for running ones."""
    if indicator.period == MONTH:
        n = d = 0
        day = _month_start(start)
    else:
        window = [v for day, v in days.items() if day >= start]
        n = (total_row.get("all_n") or 0) - sum(v[0] for v in window)
        d = (total_row.get("all_d") or 0) - sum(v[1] for v in window)
        day = start
    series = []
    while day <= today:
        if indicator.period == MONTH and day.day == 1:
            n = d = 0
        add = days.get(day, (0, 0))
        n, d = n + add[0], d + add[1]
        if day >= start:
            series.append({"day": day.isoformat(), "value": _value(indicator, n, d, base)})
        day += dt.timedelta(days=1)
    return series
