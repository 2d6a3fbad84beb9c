"""Contests in the /api/: the archive, a board (the same entries as the stream), one's own standing, one's own
index and the branch board. Thin: the reads live in `selectors`, `reports` and `broadcast`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from ninja.errors import HttpError

from core.errors import errors
from core.people.auth import request_person, signed_in

from . import broadcast, reports
from .models import Contest, Index
from .selectors import board_stats, contest_visible_to, score_json, viewer_standing

router = Router(tags=["contests"])

# A contest's slug as its model allows it: anything else (a NUL, a slash) is refused with 422 before a query.
ContestSlug = Annotated[str, Path(pattern=r"^[-\w]+$", max_length=50)]


class RealtimeContestOut(Schema):
    slug: str
    name: str
    description: str
    starts_at: datetime
    ends_at: datetime
    status: str
    ranking: str
    index: str
    is_public: bool
    anonymised: bool
    names: str
    winner: str


class RealtimeContestFilterIn(Schema):
    status: str | None = None


class RealtimeEntryOut(Schema):
    rank: int
    user: int | str
    name: str
    score: float


class RealtimeLeaderboardOut(Schema):
    type: str
    contest: str
    version: int
    entries: list[RealtimeEntryOut]
    sent_at: datetime


class RealtimeStatsOut(Schema):
    contest: str
    participants: int
    total: float


class RealtimeNeighbourOut(RealtimeEntryOut):
    you: bool = False


class RealtimeStandingOut(Schema):
    type: str
    contest: str
    version: int
    rank: int | None
    user: int | None = None
    name: str = ""
    score: float
    neighbours: list[RealtimeNeighbourOut]


class RealtimeDimensionOut(Schema):
    code: str
    name: str
    weight: float
    points: float


class RealtimeWeekOut(Schema):
    week_start: date
    points: float


class RealtimeIndexOut(Schema):
    index: str
    index_slug: str
    total: float
    dimensions: list[RealtimeDimensionOut]
    weeks: list[RealtimeWeekOut]


class RealtimeIndexIn(Schema):
    index: str | None = None


class RealtimeBranchBoardOut(Schema):
    index: str
    contest: str
    version: int
    entries: list[RealtimeEntryOut]
    you: RealtimeStandingOut | None = None


def _contest(request, slug: str) -> Contest:
    contest = get_object_or_404(Contest.objects.select_related("index"), slug=slug)
    if not contest_visible_to(contest, request_person(request)):
        raise HttpError(403, _("This board is for the contest's participants only."))
    return contest


@router.get("/contests", response={200: list[RealtimeContestOut], **errors(422)}, url_name="realtime_contests")
def contests_list(request, filters: Query[RealtimeContestFilterIn]):
    """The contests you may watch, running first, then upcoming, then the archive of ended ones."""
    groups = reports.contest_archive(user=request_person(request))
    order = [filters.status] if filters.status in groups else ["running", "upcoming", "ended"]
    return [
        {
            "slug": c.slug,
            "name": c.name,
            "description": c.description,
            "starts_at": c.starts_at,
            "ends_at": c.ends_at,
            "status": c.status,
            "ranking": c.ranking,
            "index": c.index.name,
            "is_public": c.is_public,
            "anonymised": c.masks_names,
            "names": c.names,
            "winner": c.winner,
        }
        for status in order
        for c in groups[status]
    ]


@router.get(
    "/contests/{slug}/leaderboard",
    response={200: RealtimeLeaderboardOut, **errors(403, 404, 422)},
    url_name="realtime_contest_leaderboard",
)
def contest_leaderboard(request, slug: ContestSlug):
    """The board as the stream sends it (same entries, same version); from the ledger when Redis is down."""
    return broadcast.snapshot(_contest(request, slug))


@router.get(
    "/contests/{slug}/stats",
    response={200: RealtimeStatsOut, **errors(403, 404, 422, 503)},
    url_name="realtime_contest_stats",
)
def contest_stats(request, slug: ContestSlug):
    """What the big screen shows beside the board: how many are on it and their points together. The screen asks
    again whenever the stream brings a new board."""
    contest = _contest(request, slug)
    try:
        stats = board_stats(contest=contest)
    except Exception as exc:  # noqa: BLE001 - the store (Redis) is down: say so, do not fail with a 500
        raise HttpError(503, _("The totals are not available right now; the board still is.")) from exc
    return {"contest": contest.slug, "participants": stats["participants"], "total": score_json(stats["total"])}


@router.get(
    "/contests/{slug}/me",
    response={200: RealtimeStandingOut, **errors(401, 403, 404, 422, 503)},
    auth=signed_in,
    url_name="realtime_contest_me",
)
def contest_me(request, slug: ContestSlug):
    """Your rank and score on this board, with the three people above and below you."""
    contest = _contest(request, slug)
    try:
        standing = viewer_standing(contest=contest, user=request_person(request))
    except Exception as exc:  # noqa: BLE001 - the store (Redis) is down: say so, do not fail with a 500
        raise HttpError(503, _("Your standing is not available right now; the board still is.")) from exc
    if standing is None:
        raise HttpError(404, _("You are not on this board yet."))
    return standing


@router.get(
    "/me/index",
    response={200: RealtimeIndexOut, **errors(401, 404, 422)},
    auth=signed_in,
    url_name="realtime_my_index",
)
def my_index(request, filters: Query[RealtimeIndexIn]):
    """Your pioneer index: the weighted total, the points of each dimension, and the points of each week."""
    index = None
    if filters.index:
        index = get_object_or_404(Index, slug=filters.index, scope=Index.Scope.PERSON)
    report = reports.index_report(user=request_person(request), index=index)
    if report is None:
        raise HttpError(404, _("No index is set up yet."))
    return report


@router.get("/branches/board", response={200: RealtimeBranchBoardOut, **errors(404)}, url_name="realtime_branch_board")
def branch_board(request):
    """The fortress index of the party branches: the board of the running branch contest, with your own branch and
    the branches just above and below it (`you`) when you belong to one."""
    contest = reports.branch_board_contest(user=request_person(request))
    if contest is None:
        raise HttpError(404, _("No branch contest yet."))
    board = broadcast.snapshot(contest)
    you = None
    person = request_person(request)
    if person is not None and person.is_authenticated:
        try:
            you = viewer_standing(contest=contest, user=person)
        except Exception:  # noqa: BLE001 - the store (Redis) is down: the board still is there
            you = None
    return {
        "index": contest.index.name,
        "contest": contest.slug,
        "version": board["version"],
        "entries": board["entries"],
        "you": you,
    }
