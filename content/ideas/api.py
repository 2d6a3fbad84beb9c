"""Ideas API (/api/ideas/): boards, ideas, supports, comments, reports, moderation, review; challenges, claims,
milestones; the problem index, the talent pool and the per-unit counts. The same rules as the pages: the
services check who may act, and a refused write changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema

from core.errors import NotFound, PermissionDenied, errors
from core.people.auth import request_person, signed_in
from core.people.models import OrgUnit

from . import selectors, services
from .models import Challenge, Claim, Comment, Idea, IdeaBoardPage, Team

router = Router(tags=["ideas"])

ID = {"ge": 1, "le": 2**31 - 1}
Pk = Annotated[int, Path(ge=1, le=2**31 - 1)]


# --- schemas -----------------------------------------------------------------------------------------


class IdeasBoardOut(Schema):
    id: int
    title: str
    url: str
    scope: str | None
    opens_at: dt.datetime
    closes_at: dt.datetime | None
    is_open: bool
    report_threshold: int
    support_limit: int | None
    may_post: bool


class IdeasIdeaOut(Schema):
    id: int
    board: int
    title: str
    status: str
    author: str
    support_count: int
    comment_count: int
    tags: list[str]
    url: str
    submitted_at: dt.datetime | None
    hidden: bool


class IdeasIdeaDetailOut(IdeasIdeaOut):
    problem: str
    proposal: str
    coauthors: list[str]
    decision_reason: str
    merged_into: int | None
    outcome: str
    short_url: str
    supported: bool
    may_edit: bool


class IdeasIdeaIn(Schema):
    title: str = Field(..., max_length=120)
    problem: str = Field(..., max_length=4000)
    proposal: str = Field(..., max_length=20000)
    tags: str = Field("", max_length=200)
    coauthors: list[int] = Field(default_factory=list, max_length=5)
    submit: bool = True


class IdeasSupportOut(Schema):
    idea: int
    support_count: int
    supported: bool
    changed: bool


class IdeasCommentOut(Schema):
    id: int
    parent: int | None
    author: str
    body: str
    created_at: dt.datetime


class IdeasCommentIn(Schema):
    body: str = Field(..., min_length=1, max_length=2000)
    parent: int | None = Field(None, **ID)


class IdeasReportIn(Schema):
    reason: str = Field(..., max_length=16)
    note: str = Field("", max_length=300)


class IdeasReportOut(Schema):
    id: int
    hidden: bool


class IdeasModerationIn(Schema):
    action: str = Field(..., pattern="^(hide|restore)$")
    note: str = Field("", max_length=300)


class IdeasReviewIn(Schema):
    action: str = Field(..., pattern="^(assign|adopt|reject|merge|implement)$")
    reason: str = Field("", max_length=2000)
    reviewer: int | None = Field(None, **ID)
    merged_into: int | None = Field(None, **ID)
    outcome: str = Field("", max_length=2000)


class IdeasLogOut(Schema):
    at: dt.datetime
    moderator: str | None
    action: str
    idea: int | None
    comment: int | None
    person: str | None
    note: str


class IdeasRoomOut(Schema):
    room: str
    data: dict


class IdeasChallengeOut(Schema):
    id: int
    title: str
    status: str
    owner_unit: str
    deadline: dt.date
    reward: str
    reward_points: int
    skills: list[str]


class IdeasMilestoneOut(Schema):
    id: int
    title: str
    due_on: dt.date
    deliverable: str
    done: bool
    warning: str


class IdeasClaimOut(Schema):
    id: int
    team: str
    members: list[str]
    plan: str
    status: str
    delivery: str
    owner_comment: str
    milestones: list[IdeasMilestoneOut]


class IdeasChallengeDetailOut(IdeasChallengeOut):
    problem: str
    badge: str | None
    claims: list[IdeasClaimOut]
    is_owner: bool


class IdeasChallengeIn(Schema):
    title: str = Field(..., max_length=120)
    problem: str = Field(..., max_length=8000)
    owner_unit: int = Field(..., **ID)
    deadline: dt.date
    reward: str = Field("", max_length=200)
    reward_points: int = Field(0, ge=0, le=100000)
    skills: str = Field("", max_length=300)


class IdeasClaimIn(Schema):
    plan: str = Field(..., max_length=4000)
    team: int | None = Field(None, **ID)
    team_name: str = Field("", max_length=100)
    members: list[int] = Field(default_factory=list, max_length=20)


class IdeasClaimActionIn(Schema):
    action: str = Field(..., pattern="^(accept_claim|decline_claim|deliver|return|accept)$")
    text: str = Field("", max_length=4000)


class IdeasMilestoneIn(Schema):
    title: str = Field(..., max_length=120)
    due_on: dt.date
    deliverable: str = Field("", max_length=300)


class IdeasTalentOut(Schema):
    user_id: int
    name: str
    unit: str
    skills: list[str]
    intro: str
    certificates: list[str]
    adopted_ideas: int
    delivered_challenges: int


class IdeasCountsRowOut(Schema):
    unit_id: int
    unit: str
    posted: int
    supported: int
    adopted: int
    implemented: int
    challenges_open: int
    challenges_claimed: int
    challenges_delivered: int
    challenges_overdue: int


class IdeasCountsOut(Schema):
    unit_id: int
    unit: str
    rows: list[IdeasCountsRowOut]


# --- helpers -----------------------------------------------------------------------------------------


def _board(board_id: int) -> IdeaBoardPage:
    board = IdeaBoardPage.objects.live().select_related("scope").filter(pk=board_id).first()
    if board is None:
        raise NotFound(_("No such board."))
    return board


def _idea(request, idea_id: int) -> Idea:
    return selectors.idea_for(pk=idea_id, user=request_person(request))


def _idea_out(idea: Idea) -> dict:
    return {
        "id": idea.pk,
        "board": idea.board_id,
        "title": idea.title,
        "status": idea.status,
        "author": str(idea.author),
        "support_count": idea.support_count,
        "comment_count": idea.comment_count,
        "tags": idea.tag_list(),
        "url": idea.get_url(),
        "submitted_at": idea.submitted_at,
        "hidden": idea.hidden,
    }


def _idea_detail(request, idea: Idea) -> dict:
    person = request_person(request)
    index_url = idea.board.get_parent().url
    return {
        **_idea_out(idea),
        "problem": idea.problem,
        "proposal": idea.proposal,
        "coauthors": [str(u) for u in idea.coauthors.all()],
        "decision_reason": idea.decision_reason,
        "merged_into": idea.merged_into_id,
        "outcome": idea.outcome,
        "short_url": request.build_absolute_uri(f"{index_url}i/{idea.short_code}/"),
        "supported": bool(selectors.supported(user=person, ideas=[idea])),
        "may_edit": services.may_edit(person, idea),
    }


def _challenge_out(challenge: Challenge) -> dict:
    return {
        "id": challenge.pk,
        "title": challenge.title,
        "status": challenge.status,
        "owner_unit": challenge.owner_unit.name,
        "deadline": challenge.deadline,
        "reward": challenge.reward,
        "reward_points": challenge.reward_points,
        "skills": challenge.skill_list(),
    }


def _claim(request, claim_id: int) -> Claim:
    claim = Claim.objects.select_related("challenge", "challenge__owner_unit", "team").filter(pk=claim_id).first()
    if claim is None:
        raise NotFound(_("No such claim."))
    return claim


# --- boards and ideas --------------------------------------------------------------------------------


@router.get("/boards", response={200: list[IdeasBoardOut]})
def boards(request):
    """The live idea boards, newest first, with whether the person may post on each."""
    person = request_person(request)
    return [
        {
            "id": b.pk,
            "title": b.title,
            "url": b.url,
            "scope": b.scope.name if b.scope_id else None,
            "opens_at": b.opens_at,
            "closes_at": b.closes_at,
            "is_open": b.is_open(),
            "report_threshold": b.report_threshold,
            "support_limit": b.support_limit,
            "may_post": services.may_post(person, b),
        }
        for b in selectors.boards_live()
    ]


@router.get("/boards/{board_id}/ideas", response={200: list[IdeasIdeaOut], **errors(404, 422)})
def board_ideas(request, board_id: Pk, status: str | None = Query(None, max_length=16)):
    """A board's ideas, most supported first (hidden ones only for moderators and reviewers)."""
    board = _board(board_id)
    ideas = selectors.board_ideas(board=board, user=request_person(request), status=status)
    return [_idea_out(idea) for idea in ideas]


@router.post(
    "/boards/{board_id}/ideas",
    response={201: IdeasIdeaDetailOut, **errors(400, 401, 403, 404, 409, 422, 429)},
    auth=signed_in,
)
def idea_post(request, payload: IdeasIdeaIn, board_id: Pk):
    """Post an idea (or save a draft with `submit: false`). Only people in the board's scope, while it is open."""
    board = _board(board_id)
    idea = services.idea_create(
        board=board,
        author=request_person(request),
        title=payload.title,
        problem=payload.problem,
        proposal=payload.proposal,
        tags=payload.tags,
        coauthor_ids=payload.coauthors,
        submit=payload.submit,
    )
    return 201, _idea_detail(request, idea)


@router.get("/ideas/{idea_id}", response={200: IdeasIdeaDetailOut, **errors(404, 422)})
def idea_detail(request, idea_id: Pk):
    """One idea (drafts only to their authors, hidden ideas to their authors, moderators and reviewers)."""
    return _idea_detail(request, _idea(request, idea_id))


@router.put(
    "/ideas/{idea_id}", response={200: IdeasIdeaDetailOut, **errors(400, 401, 403, 404, 409, 422)}, auth=signed_in
)
def idea_edit(request, payload: IdeasIdeaIn, idea_id: Pk):
    """Edit a draft, or a posted idea inside the board's edit window."""
    idea = services.idea_update(
        idea=_idea(request, idea_id),
        by=request_person(request),
        title=payload.title,
        problem=payload.problem,
        proposal=payload.proposal,
        tags=payload.tags,
        coauthor_ids=payload.coauthors,
        submit=payload.submit,
    )
    return _idea_detail(request, idea)


@router.get("/ideas/{idea_id}/live", response={200: IdeasRoomOut, **errors(404, 422)})
def idea_live(request, idea_id: Pk):
    """The idea room's snapshot, as the websocket `ws/ideas/<id>/` sends it."""
    idea = _idea(request, idea_id)
    return {"room": f"ideas:{idea.pk}", "data": selectors.idea_room_snapshot(str(idea.pk), request_person(request))}


@router.post(
    "/ideas/{idea_id}/support", response={200: IdeasSupportOut, **errors(401, 403, 404, 409, 422)}, auth=signed_in
)
def idea_support(request, idea_id: Pk):
    """Support the idea, once per person (again: 200, nothing changes)."""
    idea, created = services.idea_support(idea=_idea(request, idea_id), user=request_person(request))
    return {"idea": idea.pk, "support_count": idea.support_count, "supported": True, "changed": created}


@router.delete(
    "/ideas/{idea_id}/support", response={200: IdeasSupportOut, **errors(401, 403, 404, 422)}, auth=signed_in
)
def idea_support_withdraw(request, idea_id: Pk):
    """Withdraw the person's support."""
    idea, withdrawn = services.idea_support_withdraw(idea=_idea(request, idea_id), user=request_person(request))
    return {"idea": idea.pk, "support_count": idea.support_count, "supported": False, "changed": withdrawn}


@router.get("/ideas/{idea_id}/comments", response={200: list[IdeasCommentOut], **errors(404, 422)})
def idea_comments(request, idea_id: Pk):
    """The idea's visible comments and replies, oldest first."""
    idea = _idea(request, idea_id)
    return [
        {"id": c.pk, "parent": c.parent_id, "author": str(c.author), "body": c.body, "created_at": c.created_at}
        for c in selectors.idea_comments(idea=idea, user=request_person(request))
    ]


@router.post(
    "/ideas/{idea_id}/comments",
    response={201: IdeasCommentOut, **errors(400, 401, 403, 404, 409, 422, 429)},
    auth=signed_in,
)
def comment_post(request, payload: IdeasCommentIn, idea_id: Pk):
    """Comment on the idea, or reply to one of its comments (`parent`)."""
    idea = _idea(request, idea_id)
    parent = None
    if payload.parent is not None:
        parent = Comment.objects.filter(pk=payload.parent, idea=idea).first()
        if parent is None:
            raise NotFound(_("No such comment."))
    c = services.comment_add(idea=idea, author=request_person(request), body=payload.body, parent=parent)
    return 201, {"id": c.pk, "parent": c.parent_id, "author": str(c.author), "body": c.body, "created_at": c.created_at}


@router.post(
    "/ideas/{idea_id}/reports", response={201: IdeasReportOut, **errors(400, 401, 403, 404, 409, 422)}, auth=signed_in
)
def idea_report(request, payload: IdeasReportIn, idea_id: Pk):
    """Report the idea (spam, offensive, off_topic); at the board's threshold it is hidden pending review."""
    idea = _idea(request, idea_id)
    report = services.report_file(reporter=request_person(request), idea=idea, reason=payload.reason, note=payload.note)
    idea.refresh_from_db(fields=["hidden"])
    return 201, {"id": report.pk, "hidden": idea.hidden}


@router.post(
    "/comments/{comment_id}/reports",
    response={201: IdeasReportOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=signed_in,
)
def comment_report(request, payload: IdeasReportIn, comment_id: Pk):
    """Report a comment."""
    comment = Comment.objects.select_related("idea", "idea__board").filter(pk=comment_id, hidden=False).first()
    if comment is None or not services.may_see(request_person(request), comment.idea):
        raise NotFound(_("No such comment."))
    report = services.report_file(
        reporter=request_person(request), comment=comment, reason=payload.reason, note=payload.note
    )
    comment.refresh_from_db(fields=["hidden"])
    return 201, {"id": report.pk, "hidden": comment.hidden}


@router.post(
    "/ideas/{idea_id}/moderation", response={200: IdeasIdeaDetailOut, **errors(400, 401, 403, 404, 422)}, auth=signed_in
)
def idea_moderate(request, payload: IdeasModerationIn, idea_id: Pk):
    """Moderators: hide or restore the idea (written to the moderator log)."""
    person = request_person(request)
    if not services.may_moderate(person):
        raise PermissionDenied(_("Only moderators may do this."))
    idea = _idea(request, idea_id)
    act = services.idea_hide if payload.action == "hide" else services.idea_restore
    act(idea=idea, by=person, note=payload.note)
    return _idea_detail(request, _idea(request, idea_id))


@router.post(
    "/ideas/{idea_id}/review",
    response={200: IdeasIdeaDetailOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=signed_in,
)
def idea_review(request, payload: IdeasReviewIn, idea_id: Pk):
    """Reviewers: assign, adopt, reject, merge (with a reason) or mark implemented (with the outcome)."""
    person = request_person(request)
    if not services.may_review(person):
        raise PermissionDenied(_("Only reviewers may do this."))
    idea = _idea(request, idea_id)
    if payload.action == "assign":
        reviewer = get_user_model().objects.filter(pk=payload.reviewer).first() if payload.reviewer else person
        if reviewer is None:
            raise NotFound(_("No such person."))
        services.idea_assign(idea=idea, reviewer=reviewer, by=person)
    elif payload.action == "implement":
        services.idea_implement(idea=idea, by=person, outcome=payload.outcome)
    else:
        merged_into = Idea.objects.filter(pk=payload.merged_into).first() if payload.merged_into else None
        services.idea_decide(
            idea=idea, by=person, decision=payload.action, reason=payload.reason, merged_into=merged_into
        )
    return _idea_detail(request, _idea(request, idea_id))


@router.get("/moderation/log", response={200: list[IdeasLogOut], **errors(401, 403)}, auth=signed_in)
def moderation_log(request):
    """Staff and moderators: every moderator act and automatic hide, newest first."""
    return [
        {
            "at": e.created_at,
            "moderator": str(e.moderator) if e.moderator_id else None,
            "action": e.action,
            "idea": e.idea_id,
            "comment": e.comment_id,
            "person": str(e.person) if e.person_id else None,
            "note": e.note,
        }
        for e in selectors.moderation_log(user=request_person(request))
    ]


# --- challenges --------------------------------------------------------------------------------------


@router.get("/challenges", response={200: list[IdeasChallengeOut], **errors(422)})
def challenges(
    request,
    status: str | None = Query(None, max_length=16),
    unit: int | None = Query(None, **ID),
    skill: str | None = Query(None, max_length=50),
    due_before: dt.date | None = None,
    min_points: int | None = Query(None, ge=0, le=100000),
    q: str | None = Query(None, max_length=100),
):
    """The problem index: challenges by status, owner unit (and below), skill, deadline, reward; `q` searches in
    Chinese (words and characters, traditional folded to simplified)."""
    rows = selectors.challenges_list(
        status=status, unit=unit, skill=skill, due_before=due_before, min_points=min_points, q=q
    )
    return [_challenge_out(c) for c in rows]


@router.get("/challenges/{challenge_id}", response={200: IdeasChallengeDetailOut, **errors(404, 422)})
def challenge_detail(request, challenge_id: Pk):
    """One challenge with its teams' claims and milestones (overdue: amber up to a week, then red)."""
    challenge = selectors.challenge_for(pk=challenge_id)
    claims = selectors.challenge_claims(challenge=challenge)
    return {
        **_challenge_out(challenge),
        "problem": challenge.problem,
        "badge": challenge.badge.title if challenge.badge_id else None,
        "is_owner": services.may_own_challenge(request_person(request), challenge),
        "claims": [
            {
                "id": c.pk,
                "team": c.team.name,
                "members": [str(m) for m in c.team.members.all()],
                "plan": c.plan,
                "status": c.status,
                "delivery": c.delivery,
                "owner_comment": c.owner_comment,
                "milestones": [
                    {
                        "id": m.pk,
                        "title": m.title,
                        "due_on": m.due_on,
                        "deliverable": m.deliverable,
                        "done": m.done_at is not None,
                        "warning": m.colour,
                    }
                    for m in c.milestone_list
                ],
            }
            for c in claims
        ],
    }


@router.post("/challenges", response={201: IdeasChallengeOut, **errors(400, 401, 403, 404, 422)}, auth=signed_in)
def challenge_post(request, payload: IdeasChallengeIn):
    """People with the right to post challenges: a problem with its owner unit, deadline, reward and skills."""
    unit = OrgUnit.objects.filter(pk=payload.owner_unit).first()
    person = request_person(request)
    if not services.may_post_challenge(person):
        raise PermissionDenied(_("You may not post challenges."))
    if unit is None:
        raise NotFound(_("No such organisation unit."))
    challenge = services.challenge_post(
        by=person,
        title=payload.title,
        problem=payload.problem,
        owner_unit=unit,
        deadline=payload.deadline,
        reward=payload.reward,
        reward_points=payload.reward_points,
        skills=payload.skills,
    )
    return 201, _challenge_out(challenge)


@router.post(
    "/challenges/{challenge_id}/claims",
    response={201: IdeasClaimOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=signed_in,
)
def challenge_claim(request, payload: IdeasClaimIn, challenge_id: Pk):
    """Claim the challenge with a plan, for one of your teams or a new team (you lead it)."""
    person = request_person(request)
    challenge = selectors.challenge_for(pk=challenge_id)
    if payload.team is not None:
        team = Team.objects.filter(pk=payload.team, leader=person).first()
        if team is None:
            raise NotFound(_("No such team of yours."))
    else:
        team = services.team_create(by=person, name=payload.team_name, member_ids=payload.members)
    claim = services.challenge_claim(challenge=challenge, team=team, by=person, plan=payload.plan)
    return 201, _claim_out(claim)


def _claim_out(claim: Claim) -> dict:
    return {
        "id": claim.pk,
        "team": claim.team.name,
        "members": [str(m) for m in claim.team.members.all()],
        "plan": claim.plan,
        "status": claim.status,
        "delivery": claim.delivery,
        "owner_comment": claim.owner_comment,
        "milestones": [
            {
                "id": m.pk,
                "title": m.title,
                "due_on": m.due_on,
                "deliverable": m.deliverable,
                "done": m.done_at is not None,
                "warning": m.warning(),
            }
            for m in claim.milestones.all()
        ],
    }


@router.post(
    "/claims/{claim_id}/actions", response={200: IdeasClaimOut, **errors(400, 401, 403, 404, 409, 422)}, auth=signed_in
)
def claim_action(request, payload: IdeasClaimActionIn, claim_id: Pk):
    """The owner accepts or declines a claim and accepts or returns a delivery; the team delivers (`text`: the
    delivery or the owner's comment). A delivery before the claim is accepted, or a second acceptance: 409."""
    person = request_person(request)
    claim = _claim(request, claim_id)
    if payload.action == "accept_claim":
        services.claim_accept(claim=claim, by=person)
    elif payload.action == "decline_claim":
        services.claim_decline(claim=claim, by=person, comment=payload.text)
    elif payload.action == "deliver":
        services.claim_deliver(claim=claim, by=person, delivery=payload.text)
    elif payload.action == "return":
        services.delivery_return(claim=claim, by=person, comment=payload.text)
    else:
        services.delivery_accept(claim=claim, by=person, comment=payload.text)
    return _claim_out(_claim(request, claim_id))


@router.post(
    "/claims/{claim_id}/milestones",
    response={200: IdeasClaimOut, **errors(400, 401, 403, 404, 409, 422)},
    auth=signed_in,
)
def milestone_post(request, payload: IdeasMilestoneIn, claim_id: Pk):
    """The team adds a milestone with its due date and deliverable."""
    claim = _claim(request, claim_id)
    services.milestone_add(
        claim=claim,
        by=request_person(request),
        title=payload.title,
        due_on=payload.due_on,
        deliverable=payload.deliverable,
    )
    return _claim_out(claim)


# --- people and counts -------------------------------------------------------------------------------


@router.get("/talent", response={200: list[IdeasTalentOut], **errors(422)})
def talent(request, q: str | None = Query(None, max_length=100), skill: str | None = Query(None, max_length=50)):
    """The talent pool: people with their skills, certificates, adopted ideas and delivered challenges."""
    return selectors.talent_pool(q=q, skill=skill)


@router.get("/counts", response={200: IdeasCountsOut, **errors(401, 403, 404, 422)}, auth=signed_in)
def counts(request, unit: int | None = Query(None, **ID)):
    """Staff and editors: per unit under `unit` (their own by default), ideas posted, supported, adopted,
    implemented; challenges open, claimed, delivered, overdue."""
    return selectors.staff_counts(user=request_person(request), unit_id=unit)
