"""Reads of the ideas app: boards, ideas, the live rooms' snapshots, the problem index, the talent pool and the
staff counts. Reads only read."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import NotFound, PermissionDenied
from core.people.models import OrgUnit, Role

from .models import (
    Challenge,
    Claim,
    Comment,
    Idea,
    IdeaBoardPage,
    IdeasIndexPage,
    Milestone,
    ModerationLog,
    TalentProfile,
)
from .services import board_room_key, may_moderate, may_review, may_see
from .text import plain_text, search_rank

COMMENTS_IN_SNAPSHOT = 50


def boards_live(*, index: IdeasIndexPage | None = None) -> list[IdeaBoardPage]:
    boards = IdeaBoardPage.objects.live().select_related("scope").order_by("-opens_at", "pk")
    if index is not None:
        boards = boards.child_of(index)
    return list(boards)


def board_ideas(*, board: IdeaBoardPage, user=None, status: str | None = None, tag: str | None = None) -> list[Idea]:
    """The board's public ideas (and hidden ones to moderators), most supported first."""
    ideas = Idea.objects.filter(board=board).exclude(status=Idea.Status.DRAFT).select_related("author")
    if not (user is not None and (may_moderate(user) or may_review(user))):
        ideas = ideas.filter(hidden=False)
    if status:
        ideas = ideas.filter(status=status)
    if tag:
        ideas = ideas.filter(tags__icontains=tag)
    return list(ideas.order_by("-support_count", "-submitted_at", "-pk"))


def my_ideas(*, user, board: IdeaBoardPage | None = None) -> list[Idea]:
    if not user.is_authenticated:
        return []
    ideas = Idea.objects.filter(Q(author=user) | Q(coauthors=user)).distinct().select_related("board")
    if board is not None:
        ideas = ideas.filter(board=board)
    return list(ideas.order_by("-updated_at"))


def idea_for(*, pk: int, user, board: IdeaBoardPage | None = None) -> Idea:
    """The idea `user` may see, or NotFound (drafts and hidden ideas are not revealed to others)."""
    ideas = Idea.objects.select_related("board", "author", "reviewer", "merged_into")
    if board is not None:
        ideas = ideas.filter(board=board)
    idea = ideas.filter(pk=pk).first()
    if idea is None or not may_see(user, idea):
        raise NotFound(_("No such idea."))
    return idea


def idea_comments(*, idea: Idea, user=None) -> list[Comment]:
    comments = Comment.objects.filter(idea=idea).select_related("author")
    if not (user is not None and may_moderate(user)):
        comments = comments.filter(hidden=False)
    return list(comments.order_by("created_at", "pk"))


def comment_tree(comments: list[Comment]) -> list[tuple[Comment, list[Comment]]]:
    replies: dict[int, list[Comment]] = defaultdict(list)
    tops = []
    for comment in comments:
        if comment.parent_id is None:
            tops.append(comment)
        else:
            replies[comment.parent_id].append(comment)
    return [(comment, replies.get(comment.pk, [])) for comment in tops]


def supported(*, user, ideas: list[Idea]) -> set[int]:
    if not user.is_authenticated or not ideas:
        return set()
    from .models import Support

    return set(Support.objects.filter(user=user, idea__in=ideas).values_list("idea_id", flat=True))


# --- live rooms --------------------------------------------------------------------------------------


def idea_room_snapshot(key: str, user=None) -> dict:
    """The live state of an idea ("12") or of a board ("board-3"): support and comment counts (and the latest
    visible comments of an idea). Everyone who may watch sees the same snapshot."""
    if key.startswith("board-"):
        board_id = int(key.removeprefix("board-"))
        rows = (
            Idea.objects.filter(board_id=board_id, hidden=False)
            .exclude(status=Idea.Status.DRAFT)
            .order_by("pk")
            .values_list("pk", "support_count", "comment_count", "status")
        )
        return {
            "board": board_id,
            "ideas": [{"id": pk, "supports": s, "comments": c, "status": st} for pk, s, c, st in rows],
        }
    idea = Idea.objects.filter(pk=int(key)).values("pk", "support_count", "comment_count", "status", "hidden").first()
    if idea is None:
        return {"idea": int(key), "gone": True}
    comments = (
        Comment.objects.filter(idea_id=idea["pk"], hidden=False)
        .select_related("author")
        .order_by("-created_at", "-pk")[:COMMENTS_IN_SNAPSHOT]
    )
    return {
        "idea": idea["pk"],
        "supports": idea["support_count"],
        "comments": idea["comment_count"],
        "status": idea["status"],
        "latest_comments": [
            {
                "id": c.pk,
                "parent": c.parent_id,
                "author": str(c.author),
                "body": c.body,
                "created_at": c.created_at.isoformat(),
            }
            for c in reversed(list(comments))
        ],
    }


def idea_room_may_watch(key: str, user=None) -> bool:
    """A board's room: a live board. An idea's room: whoever may see the idea (anonymous people too when public)."""
    try:
        if key.startswith("board-"):
            return IdeaBoardPage.objects.live().filter(pk=int(key.removeprefix("board-"))).exists()
        idea = Idea.objects.filter(pk=int(key)).first()
    except ValueError:
        return False
    return idea is not None and may_see(user, idea)


def board_room(board: IdeaBoardPage) -> str:
    return board_room_key(board.pk)


# --- moderation --------------------------------------------------------------------------------------


def moderation_queue(*, user) -> dict:
    if not may_moderate(user):
        raise PermissionDenied(_("Only moderators may see this."))
    hidden_ideas = list(
        Idea.objects.filter(hidden=True).select_related("board", "author").order_by("-updated_at")[:100]
    )
    hidden_comments = list(Comment.objects.filter(hidden=True).select_related("idea", "author").order_by("-pk")[:100])
    log = list(
        ModerationLog.objects.select_related("moderator", "idea", "comment", "person").order_by("-created_at", "-pk")[
            :200
        ]
    )
    return {"ideas": hidden_ideas, "comments": hidden_comments, "log": log}


def moderation_log(*, user, limit: int = 200) -> list[ModerationLog]:
    """Staff and moderators read the log."""
    if not (may_moderate(user) or (user.is_authenticated and user.has_role(Role.STAFF))):
        raise PermissionDenied(_("Only staff may read the moderator log."))
    return list(
        ModerationLog.objects.select_related("moderator", "idea", "comment", "person").order_by("-created_at", "-pk")[
            :limit
        ]
    )


# --- challenges --------------------------------------------------------------------------------------


def challenges_list(
    *,
    status: str | None = None,
    unit: int | None = None,
    skill: str | None = None,
    due_before=None,
    min_points: int | None = None,
    q: str | None = None,
):
    """The problem index: challenges filtered by status, owner unit (and below), skill, deadline, reward; a query
    ranks them in Chinese as the course search does."""
    challenges = Challenge.objects.select_related("owner_unit", "posted_by").annotate(
        teams=Count("claims", filter=Q(claims__status__in=["working", "delivered", "returned", "accepted"]))
    )
    if status:
        challenges = challenges.filter(status=status)
    if unit:
        owner = OrgUnit.objects.filter(pk=unit).first()
        if owner is None:
            return []
        challenges = challenges.filter(owner_unit__path__startswith=owner.path)
    if skill:
        challenges = challenges.filter(skills__icontains=skill)
    if due_before:
        challenges = challenges.filter(deadline__lte=due_before)
    if min_points:
        challenges = challenges.filter(reward_points__gte=min_points)
    challenges = list(challenges.order_by("deadline", "pk"))
    if q:
        challenges = search_rank(
            q,
            [
                (c, [(c.title, 10.0), (c.skills, 4.0), (c.owner_unit.name, 4.0), (c.reward, 1.0), (c.problem, 1.0)])
                for c in challenges
            ],
        )
    return challenges


def challenge_for(*, pk: int) -> Challenge:
    challenge = Challenge.objects.select_related("owner_unit", "posted_by", "badge").filter(pk=pk).first()
    if challenge is None:
        raise NotFound(_("No such challenge."))
    return challenge


def challenge_claims(*, challenge: Challenge) -> list[Claim]:
    claims = list(
        Claim.objects.filter(challenge=challenge)
        .select_related("team", "team__leader")
        .prefetch_related("team__members")
    )
    milestones = defaultdict(list)
    for milestone in Milestone.objects.filter(claim__in=claims).order_by("due_on", "pk"):
        milestones[milestone.claim_id].append(milestone)
    today = timezone.localdate()
    for claim in claims:
        claim.milestone_list = milestones.get(claim.pk, [])
        for milestone in claim.milestone_list:
            milestone.colour = milestone.warning(today)
    return claims


# --- talent pool -------------------------------------------------------------------------------------


def talent_pool(*, q: str | None = None, skill: str | None = None, limit: int = 100) -> list[dict]:
    """People with a talent profile: skills, certificates, adopted ideas and delivered challenges; searchable in
    Chinese (name, skills, unit, introduction)."""
    profiles = TalentProfile.objects.select_related("user", "user__org_unit")
    if skill:
        profiles = profiles.filter(skills__icontains=skill)
    profiles = list(profiles.order_by("user__username")[:2000])
    user_ids = [p.user_id for p in profiles]
    adopted = dict(
        Idea.objects.filter(author_id__in=user_ids, status__in=[Idea.Status.ADOPTED, Idea.Status.IMPLEMENTED])
        .values("author_id")
        .annotate(n=Count("pk"))
        .values_list("author_id", "n")
    )
    delivered = dict(
        get_user_model()
        .objects.filter(pk__in=user_ids)
        .annotate(n=Count("idea_teams__claims", filter=Q(idea_teams__claims__status=Claim.Status.ACCEPTED)))
        .values_list("pk", "n")
    )
    certificates = _certificates(user_ids)
    rows = [
        {
            "user_id": p.user_id,
            "name": str(p.user),
            "unit": p.user.org_unit.name if p.user.org_unit_id else "",
            "skills": p.skill_list(),
            "intro": p.intro,
            "certificates": certificates.get(p.user_id, []),
            "adopted_ideas": adopted.get(p.user_id, 0),
            "delivered_challenges": delivered.get(p.user_id, 0),
        }
        for p in profiles
    ]
    # Who has shown results comes first; a search ranks by how well it matches instead.
    rows.sort(key=lambda r: (-(r["adopted_ideas"] + r["delivered_challenges"]), -len(r["certificates"]), r["name"]))
    if q:
        rows = search_rank(
            q,
            [
                (row, [(row["name"], 10.0), (" ".join(row["skills"]), 4.0), (row["unit"], 4.0), (row["intro"], 1.0)])
                for row in rows
            ],
        )
    return rows[:limit]


def _certificates(user_ids: list[int]) -> dict[int, list[str]]:
    """Valid certificates' programme titles per person, read through the statement store's "earned" statements
    would lose revocations: read the certification app's public queryset instead."""
    from content.certification.models import Certificate

    out: dict[int, list[str]] = defaultdict(list)
    rows = Certificate.objects.valid().filter(recipient_id__in=user_ids).values_list("recipient_id", "programme__title")
    for user_id, title in rows:
        if title not in out[user_id]:
            out[user_id].append(title)
    return out


# --- staff counts ------------------------------------------------------------------------------------


def may_see_counts(user) -> bool:
    return bool(
        user.is_authenticated and (user.is_superuser or user.has_role(Role.STAFF) or user.has_role(Role.EDITOR))
    )


def staff_counts(*, user, unit_id: int | None = None) -> dict:
    """Per unit directly under `unit` (the person's own by default): ideas posted, supported, adopted,
    implemented; challenges open, claimed, delivered, overdue."""
    if not may_see_counts(user):
        raise PermissionDenied(_("Only staff and editors may see these counts."))
    if unit_id is None:
        unit = user.org_unit or OrgUnit.objects.filter(depth=1).order_by("path").first()
    else:
        unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(_("No such organisation unit."))
    if not (user.is_superuser or user.has_role(Role.EDITOR)):
        own = user.org_unit
        if own is None or not unit.path.startswith(own.path):
            raise PermissionDenied(_("You may only see the units you work in."))
    children = list(unit.get_children()) or [unit]
    today = timezone.localdate()
    rows = []
    ideas = Idea.objects.exclude(status=Idea.Status.DRAFT)
    for child in children:
        mine = ideas.filter(author__org_unit__path__startswith=child.path)
        counts = mine.aggregate(
            posted=Count("pk"),
            supported=Count("pk", filter=Q(support_count__gt=0)),
            adopted=Count("pk", filter=Q(status__in=[Idea.Status.ADOPTED, Idea.Status.IMPLEMENTED])),
            implemented=Count("pk", filter=Q(status=Idea.Status.IMPLEMENTED)),
        )
        challenges = Challenge.objects.filter(owner_unit__path__startswith=child.path)
        overdue_milestone = Milestone.objects.filter(
            claim__challenge=OuterRef("pk"), done_at__isnull=True, due_on__lt=today
        )
        counts.update(
            challenges.annotate(late=Exists(overdue_milestone)).aggregate(
                challenges_open=Count("pk", filter=Q(status=Challenge.Status.OPEN)),
                challenges_claimed=Count("pk", filter=Q(status=Challenge.Status.IN_PROGRESS)),
                challenges_delivered=Count("pk", filter=Q(status=Challenge.Status.COMPLETED)),
                challenges_overdue=Count(
                    "pk",
                    filter=Q(status__in=[Challenge.Status.OPEN, Challenge.Status.IN_PROGRESS])
                    & (Q(deadline__lt=today) | Q(late=True)),
                ),
            )
        )
        rows.append({"unit_id": child.pk, "unit": child.name, **counts})
    top = max([1, *[row["posted"] for row in rows]])
    for row in rows:
        row["bar"] = round(100 * row["posted"] / top)
    return {"unit_id": unit.pk, "unit": unit.name, "rows": rows}


def idea_summary(idea: Idea) -> str:
    return plain_text(idea.proposal)[:200]


def recommendable_ideas():
    from core.activity.items import Item

    for idea in (
        Idea.objects.filter(hidden=False, board__live=True)
        .exclude(status__in=[Idea.Status.DRAFT, Idea.Status.MERGED])
        .select_related("board")
        .order_by("pk")
    ):
        yield Item(
            item_id=idea.item_id,
            title=idea.title,
            url=idea.get_url(),
            summary=idea.problem[:300],
            tags=" ".join(idea.tag_list()),
            category="idea",
            audience=(Role.STAFF,),
            first_published_at=idea.submitted_at,
        )


def recommendable_challenges():
    from core.activity.items import Item

    index = IdeasIndexPage.objects.live().first()
    base = index.url if index is not None else "/"
    for challenge in Challenge.objects.filter(
        status__in=[Challenge.Status.OPEN, Challenge.Status.IN_PROGRESS]
    ).order_by("pk"):
        yield Item(
            item_id=challenge.item_id,
            title=challenge.title,
            url=f"{base}challenges/{challenge.pk}/",
            summary=challenge.problem[:300],
            tags=" ".join(challenge.skill_list()),
            category="challenge",
            audience=(Role.STAFF,),
            first_published_at=challenge.created_at,
        )
