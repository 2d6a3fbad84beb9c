"""The leaderboard store kept in step with the ledger: after commit, the boards of the open contests a ledger change
belongs to move by its points; a board the store lacks is rebuilt from the ledger. `rebuild_leaderboards` (the
scheduler, every ten minutes when `check_leaderboards` finds a difference or a missing board) rebuilds them all."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from ..models import Contest, PointsEntry
from ..selectors import ZERO, ContestScope, board_scores, contests_touching, participants_load
from ..signals import scores_changed
from ..store import leaderboard_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """One ledger entry's points, added (or, when voided, taken away) on the boards it belongs to."""

    user_id: int
    branch_id: int | None
    index_id: int
    occurred_at: dt.datetime
    points: Decimal


def ledger_change(entry: PointsEntry, *, sign: int = 1) -> Change:
    return Change(entry.user_id, entry.branch_id, entry.index_id, entry.occurred_at, entry.points * sign)


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


def board_rebuild(*, contest: Contest, notify: bool = True) -> int:
    """Recompute a contest's board from the ledger into the store; returns the new version."""
    version = leaderboard_store().replace(contest.pk, board_scores(contest=contest))
    if notify:
        transaction.on_commit(lambda: scores_changed.send(sender=PointsEntry, contest_ids=[contest.pk], user_ids=[]))
    return version
