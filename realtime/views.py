"""Pages of the live boards: thin, the reads live in `reports`, `selectors` and `broadcast`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from core.home.i18n import localized

from . import broadcast, reports
from .days import week_of
from .models import Contest, Index, LeagueMember
from .selectors import board_stats, contest_visible_to, league_board, leagues_of, viewer_standing
from .store import leaderboard_store


def _visible_contest(request, slug: str) -> Contest:
    contest = get_object_or_404(Contest.objects.select_related("index"), slug=slug)
    if not contest_visible_to(contest, request.user):
        if not request.user.is_authenticated:
            raise _LoginFirst
        raise PermissionDenied
    return contest


class _LoginFirst(Exception):
    pass


def _standing(request, contest: Contest) -> dict | None:
    if not request.user.is_authenticated:
        return None
    try:
        return viewer_standing(contest=contest, user=request.user)
    except Exception:  # noqa: BLE001 - the store may be down; the page still shows the board
        return None


def _board_context(request, contest: Contest) -> dict:
    board = broadcast.snapshot(contest)
    you = _standing(request, contest)
    # Paused only when the store is out of reach; a board the store does not hold yet (version 0, read from the
    # ledger after a restart of the embedded default) still goes live with the first change.
    return {"contest": contest, "board": board, "you": you, "live_paused": not leaderboard_store().available()}


def contest_live(request, slug: str):
    try:
        contest = _visible_contest(request, slug)
    except _LoginFirst:
        return redirect_to_login(request.get_full_path())
    return render(request, "realtime/contest_live.html", _board_context(request, contest))


def contest_screen(request, slug: str):
    try:
        contest = _visible_contest(request, slug)
    except _LoginFirst:
        return redirect_to_login(request.get_full_path())
    context = _board_context(request, contest)
    try:
        context["stats"] = board_stats(contest=contest)
    except Exception:  # noqa: BLE001 - the store is down: count what the board shows
        scores = [Decimal(str(e["score"])) for e in context["board"]["entries"]]
        context["stats"] = {"participants": len(scores), "total": sum(scores, Decimal(0))}
    return render(request, "realtime/contest_screen.html", context)


def contest_list(request):
    context = reports.contest_archive(user=request.user)
    context["leagues"] = leagues_of(user=request.user)
    return render(request, "realtime/contest_list.html", context)


@login_required
def contest_league(request, slug: str):
    """The viewer's weekly league in a contest: this week's table with its zones and the time left, and last week's
    result. Reads the leagues the scheduler formed and settled (`league_rollover`); never forms one."""
    try:
        contest = _visible_contest(request, slug)
    except _LoginFirst:
        return redirect_to_login(request.get_full_path())
    this_week = week_of(timezone.localdate())
    current = league_board(contest=contest, user=request.user, week_start=this_week)
    last = league_board(contest=contest, user=request.user, week_start=this_week - dt.timedelta(days=7))
    return render(
        request,
        "realtime/contest_league.html",
        {
            "contest": contest,
            "league": current,
            "last": last,
            "has_leagues": contest.league_size > 0 and not contest.is_team,
            "outcomes": dict(LeagueMember.Outcome.choices),
        },
    )


@login_required
def my_index(request):
    index = None
    if request.GET.get("index"):
        index = get_object_or_404(Index, slug=request.GET["index"], scope=Index.Scope.PERSON)
    return render(request, "realtime/my_index.html", {"report": reports.index_report(user=request.user, index=index)})


def branch_board(request):
    """The top branches, and the viewer's own branch with its neighbours wherever it stands (as on a person's board)."""
    contest = reports.branch_board_contest(user=request.user)
    board = None
    if contest is not None:
        board = {
            "index": localized(contest.index, "name"),
            "contest": contest,
            "entries": broadcast.snapshot(contest)["entries"],
            "you": _standing(request, contest),
        }
    return render(request, "realtime/branch_board.html", {"board": board})
