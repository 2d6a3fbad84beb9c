"""The end of a contest: its final standings frozen from the ledger and its winners awarded, once. The scheduler's
work (`freeze_contests`); until it runs, a read of an ended contest shows what the ledger says and writes nothing."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.activity.vocabulary import ActivityType, Verb
from core.errors import ApplicationError
from core.people.models import User

from ..models import Award, Contest, FinalStanding
from ..selectors import board_scores, member_names, ranked
from .boards import board_rebuild

# The activity type of contest badges (Open Badges' word), recorded when a winner receives one.
BADGE_TYPE = "https://w3id.org/xapi/xianfeng/activity-types/badge"


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
        # An update of the one column: save() would re-index the contest's unchanged name in Wagtail's search.
        Contest.objects.filter(pk=locked.pk).update(frozen_at=now)
        locked.frozen_at = now
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
