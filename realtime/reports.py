"""Reads behind the pages and the /api/ of the live boards: the contest archive, a person's own index (by
dimension, by week) and the branch board. Leaderboards themselves come from `selectors`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from core.home.i18n import localized

from .models import Contest, FinalStanding, Index, PointsEntry
from .selectors import board_name, contest_visible_to, contests_visible, person_index

ZERO = Decimal("0.00")
TREND_WEEKS = 12


def contest_status(contest: Contest, now=None) -> str:
    now = now or timezone.now()
    if contest.starts_at > now:
        return "upcoming"
    if contest.ends_at <= now or contest.frozen_at is not None:
        return "ended"
    return "running"


def contest_archive(*, user) -> dict[str, list[Contest]]:
    """The contests this person may watch, split into running, upcoming and ended (with the winner's name)."""
    now = timezone.now()
    contests = sorted(contests_visible(user=user), key=lambda c: (-c.starts_at.timestamp(), c.pk))
    winners = dict(
        FinalStanding.objects.filter(contest__in=[c.pk for c in contests], position=1).values_list("contest_id", "name")
    )
    groups: dict[str, list[Contest]] = {"running": [], "upcoming": [], "ended": []}
    for contest in contests:
        contest.status = contest_status(contest, now)
        contest.winner = board_name(contest, winners.get(contest.pk, "")) if contest.pk in winners else ""
        groups[contest.status].append(contest)
    groups["upcoming"].reverse()  # soonest first
    return groups


def _chart(weeks: list[dict], width: int = 320, height: int = 120, pad: int = 8) -> dict:
    """Coordinates of an inline SVG line chart (no library, no CDN)."""
    values = [float(week["points"]) for week in weeks]
    top = max(values) if values and max(values) > 0 else 1.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points = []
    for i, (week, value) in enumerate(zip(weeks, values, strict=True)):
        x = round(pad + i * step, 1)
        y = round(height - pad - (value / top) * (height - 2 * pad), 1)
        points.append({"x": x, "y": y, "value": week["points"], "label": week["week_start"].strftime("%m-%d")})
    line = " ".join(f"{p['x']},{p['y']}" for p in points)
    area = f"{pad},{height - pad} {line} {points[-1]['x'] if points else pad},{height - pad}"
    return {"width": width, "height": height, "points": points, "line": line, "area": area}


def person_indices() -> list[Index]:
    return list(Index.objects.filter(scope=Index.Scope.PERSON).order_by("pk"))


def index_report(*, user, index: Index | None = None, weeks: int = TREND_WEEKS) -> dict | None:
    """A person's index (`selectors.person_index`: total, points by dimension, points by week) with what the page
    draws: each dimension's share of the largest, and the trend chart's coordinates. Ledger entries already carry
    the dimension's weight, so the sums are the index as ranked."""
    if index is None:
        used = (
            PointsEntry.objects.filter(user=user, index__scope=Index.Scope.PERSON)
            .order_by("index_id")
            .values_list("index_id", flat=True)
            .first()
        )
        index = Index.objects.filter(pk=used).first() if used else None
        index = index or Index.objects.filter(scope=Index.Scope.PERSON).order_by("pk").first()
    if index is None:
        return None
    data = person_index(user=user, index=index, weeks=weeks)
    dimensions = [
        {"code": d["code"], "name": d["name"], "weight": d["weight"], "points": Decimal(str(d["score"]))}
        for d in data["dimensions"]
    ]
    top = max((d["points"] for d in dimensions), default=ZERO)
    for d in dimensions:
        d["share"] = int(d["points"] / top * 100) if top > 0 else 0
    trend = [{"week_start": date.fromisoformat(w["week"]), "points": Decimal(str(w["score"]))} for w in data["weeks"]]
    return {
        "index": localized(index, "name"),
        "index_slug": index.slug,
        "total": Decimal(str(data["total"])),
        "dimensions": dimensions,
        "weeks": trend,
        "chart": _chart(trend),
    }


def branch_board_contest(*, user) -> Contest | None:
    """The branch board is the board of the running team contest (else the latest one) this person may watch."""
    now = timezone.now()
    team = [
        c
        for c in Contest.objects.filter(ranking=Contest.Ranking.TEAM).select_related("index").order_by("-starts_at")
        if contest_visible_to(c, user)
    ]
    running = [c for c in team if c.starts_at <= now < c.ends_at]
    return (running or team or [None])[0]
