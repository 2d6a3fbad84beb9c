"""Pages of the live boards: thin, the reads live in `reports`, `selectors` and `broadcast`."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render

from core.home.i18n import localized

from . import broadcast, reports
from .models import Contest, Index
from .selectors import board_stats, contest_visible_to, viewer_standing
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


def _board_context(request, contest: Contest) -> dict:
    board = broadcast.snapshot(contest)
    you = None
    if request.user.is_authenticated:
        try:
            you = viewer_standing(contest=contest, user=request.user)
        except Exception:  # noqa: BLE001 - the store may be down; the page still shows the board
            you = None
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
    return render(request, "realtime/contest_list.html", reports.contest_archive(user=request.user))


@login_required
def my_index(request):
    index = None
    if request.GET.get("index"):
        index = get_object_or_404(Index, slug=request.GET["index"], scope=Index.Scope.PERSON)
    return render(request, "realtime/my_index.html", {"report": reports.index_report(user=request.user, index=index)})


def branch_board(request):
    contest = reports.branch_board_contest(user=request.user)
    board = None
    if contest is not None:
        board = {
            "index": localized(contest.index, "name"),
            "contest": contest,
            "entries": broadcast.snapshot(contest)["entries"],
        }
    return render(request, "realtime/branch_board.html", {"board": board})
