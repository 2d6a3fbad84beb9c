"""Thin views behind the ideas pages' routes: they call selectors and services and render templates. A write
answers with a redirect (post/redirect/get) and a message; a refused write changes nothing and says why."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError, NotFound
from core.people.models import OrgUnit

from . import selectors, services
from .models import Challenge, Claim, Comment, Idea, Milestone, Report, Team


def _int(value, default=None):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _idea(request, board, pk) -> Idea:
    try:
        return selectors.idea_for(pk=pk, user=request.user, board=board)
    except NotFound:
        raise Http404 from None


# --- boards and ideas --------------------------------------------------------------------------------


def board(request, page):
    status = request.GET.get("status") or ""
    if status not in Idea.Status.values:
        status = ""
    ideas = selectors.board_ideas(board=page, user=request.user, status=status or None, tag=request.GET.get("tag"))
    context = {
        "ideas": ideas,
        "status": status,
        "statuses": [(v, label) for v, label in Idea.Status.choices if v != Idea.Status.DRAFT],
        "supported": selectors.supported(user=request.user, ideas=ideas),
        "may_post": services.may_post(request.user, page),
        "in_scope": services.in_scope(request.user, page),
        "mine": selectors.my_ideas(user=request.user, board=page),
        "room": selectors.board_room(page),
        "may_review": services.may_review(request.user),
    }
    return page.render(request, template="ideas/idea_board_page.html", context_overrides=context)


def idea_detail(request, page, pk):
    idea = _idea(request, page, pk)
    if request.method == "POST":
        return _idea_act(request, page, idea)
    comments = selectors.idea_comments(idea=idea, user=request.user)
    context = {
        "idea": idea,
        "comments": selectors.comment_tree(comments),
        "attachments": list(idea.attachments.all()),
        "coauthors": list(idea.coauthors.all()),
        "supported": bool(selectors.supported(user=request.user, ideas=[idea])),
        "may_edit": services.may_edit(request.user, idea),
        "may_review": services.may_review(request.user),
        "may_moderate": services.may_moderate(request.user),
        "reasons": Report.Reason.choices,
        "short_url": request.build_absolute_uri(f"{page.get_parent().url}i/{idea.short_code}/"),
        "qr_url": f"{page.get_parent().url}i/{idea.short_code}/qr/",
    }
    return page.render(request, template="ideas/idea_detail.html", context_overrides=context)


def _idea_act(request, page, idea):
    """The idea page's forms: support, withdraw, comment, reply, report, moderator hide/restore."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    action = request.POST.get("action")
    try:
        if action == "support":
            services.idea_support(idea=idea, user=request.user)
        elif action == "withdraw":
            services.idea_support_withdraw(idea=idea, user=request.user)
        elif action == "comment":
            parent = None
            if request.POST.get("parent"):
                parent = Comment.objects.filter(pk=_int(request.POST["parent"], 0), idea=idea).first()
                if parent is None:
                    raise ApplicationError(_("Reply to a comment of this idea."))
            services.comment_add(idea=idea, author=request.user, body=request.POST.get("body", ""), parent=parent)
            messages.success(request, _("Your comment is posted."))
        elif action == "report":
            comment = None
            if request.POST.get("comment"):
                comment = Comment.objects.filter(pk=_int(request.POST["comment"], 0), idea=idea).first()
            services.report_file(
                reporter=request.user,
                idea=None if comment else idea,
                comment=comment,
                reason=request.POST.get("reason", ""),
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Thank you: a moderator will look at it."))
        elif action in ("hide", "restore"):
            note = request.POST.get("note", "")
            if request.POST.get("comment"):
                comment = Comment.objects.filter(pk=_int(request.POST["comment"], 0), idea=idea).first()
                if comment is None:
                    raise Http404
                (services.comment_hide if action == "hide" else services.comment_restore)(
                    comment=comment, by=request.user, note=note
                )
            else:
                (services.idea_hide if action == "hide" else services.idea_restore)(
                    idea=idea, by=request.user, note=note
                )
            messages.success(request, _("Done."))
        elif action == "block":
            person = get_user_model().objects.filter(pk=_int(request.POST.get("person"), 0)).first()
            if person is None:
                raise Http404
            services.person_block(user=person, by=request.user, reason=request.POST.get("note", ""))
            messages.success(request, _("%(name)s can no longer post.") % {"name": person})
        else:
            raise ApplicationError(_("Unknown action."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(idea.get_url())


def idea_edit(request, page, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    idea = _idea(request, page, pk) if pk is not None else None
    if idea is not None and not services.may_edit(request.user, idea):
        raise DjangoPermissionDenied(_("This idea can no longer be edited."))
    if idea is None and not services.in_scope(request.user, page):
        raise DjangoPermissionDenied(_("This board is for people of %(unit)s.") % {"unit": page.scope})
    values = {
        "title": idea.title if idea else "",
        "problem": idea.problem if idea else "",
        "proposal": idea.proposal if idea else "",
        "tags": idea.tags if idea else "",
        "coauthors": ",".join(u.username for u in idea.coauthors.all()) if idea else "",
    }
    error = None
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in values}
        submit = request.POST.get("action") != "draft"
        try:
            usernames = [u.strip() for u in values["coauthors"].replace("，", ",").split(",") if u.strip()]
            coauthor_ids = list(get_user_model().objects.filter(username__in=usernames).values_list("pk", flat=True))
            if len(coauthor_ids) != len(set(usernames)):
                raise ApplicationError(_("A co-author was not found."))
            fields = {k: values[k] for k in ("title", "problem", "proposal", "tags")}
            if idea is None:
                idea = services.idea_create(
                    board=page, author=request.user, coauthor_ids=coauthor_ids, submit=submit, **fields
                )
            else:
                idea = services.idea_update(
                    idea=idea, by=request.user, coauthor_ids=coauthor_ids, submit=submit, **fields
                )
            for upload in request.FILES.getlist("attachments")[: services.MAX_ATTACHMENTS]:
                services.attachment_add(idea=idea, by=request.user, upload=upload)
            messages.success(request, _("Your idea is posted.") if submit else _("Your draft is saved."))
            return redirect(idea.get_url())
        except ApplicationError as exc:
            error = exc.message
    return page.render(
        request,
        template="ideas/idea_form.html",
        context_overrides={"idea": idea, "values": values, "error": error},
    )


def idea_review(request, page, pk):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not services.may_review(request.user):
        raise DjangoPermissionDenied(_("Only reviewers may do this."))
    idea = _idea(request, page, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        reason = request.POST.get("reason", "")
        try:
            if action == "assign":
                reviewer = get_user_model().objects.filter(username=request.POST.get("reviewer", "")).first()
                services.idea_assign(idea=idea, reviewer=reviewer or request.user, by=request.user)
            elif action in services.DECISIONS:
                merged_into = None
                if action == "merge":
                    merged_into = Idea.objects.filter(pk=_int(request.POST.get("merged_into"), 0), board=page).first()
                services.idea_decide(
                    idea=idea, by=request.user, decision=action, reason=reason, merged_into=merged_into
                )
            elif action == "implement":
                services.idea_implement(idea=idea, by=request.user, outcome=request.POST.get("outcome", ""))
            else:
                raise ApplicationError(_("Unknown action."))
            messages.success(request, _("Saved."))
            return redirect(idea.get_url())
        except ApplicationError as exc:
            messages.error(request, exc.message)
    others = Idea.objects.filter(board=page).exclude(pk=idea.pk).exclude(status=Idea.Status.DRAFT).order_by("-pk")[:100]
    return page.render(request, template="ideas/idea_review.html", context_overrides={"idea": idea, "others": others})


def short_link(request, index, code):
    idea = Idea.objects.select_related("board").filter(short_code=code).first()
    if idea is None or not services.may_see(request.user, idea):
        raise Http404
    return redirect(idea.get_url())


def short_link_qr(request, index, code):
    """The short link as a QR code (SVG), drawn by the `qrcode` library."""
    import qrcode
    import qrcode.image.svg

    idea = Idea.objects.filter(short_code=code).first()
    if idea is None or not idea.is_public:
        raise Http404
    url = request.build_absolute_uri(f"{index.url}i/{code}/")
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = io.BytesIO()
    image.save(out)
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


# --- challenges --------------------------------------------------------------------------------------


def problem_index(request, index):
    status = request.GET.get("status", Challenge.Status.OPEN)
    if status not in Challenge.Status.values and status != "all":
        status = Challenge.Status.OPEN
    q = (request.GET.get("q") or "").strip()[:100]
    due = request.GET.get("due") or ""
    try:
        due_before = dt.date.fromisoformat(due) if due else None
    except ValueError:
        due_before = None
    challenges = selectors.challenges_list(
        status=None if status == "all" else status,
        unit=_int(request.GET.get("unit")),
        skill=(request.GET.get("skill") or "").strip()[:50] or None,
        due_before=due_before,
        min_points=_int(request.GET.get("points")),
        q=q or None,
    )
    context = {
        "challenges": challenges,
        "status": status,
        "statuses": Challenge.Status.choices,
        "q": q,
        "units": OrgUnit.objects.filter(kind__in=["city", "county", "department"]).order_by("path")[:200],
        "unit": _int(request.GET.get("unit")),
        "skill": request.GET.get("skill", ""),
        "due": due,
        "points": request.GET.get("points", ""),
        "may_post": services.may_post_challenge(request.user),
    }
    return index.render(request, template="ideas/problem_index.html", context_overrides=context)


def challenge_new(request, index):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not services.may_post_challenge(request.user):
        raise DjangoPermissionDenied(_("You may not post challenges."))
    error = None
    values = {
        k: request.POST.get(k, "")
        for k in ("title", "problem", "deadline", "reward", "reward_points", "skills", "unit")
    }
    if request.method == "POST":
        try:
            unit = OrgUnit.objects.filter(pk=_int(values["unit"], 0)).first() or request.user.org_unit
            if unit is None:
                raise ApplicationError(_("Choose the owner unit."))
            try:
                deadline = dt.date.fromisoformat(values["deadline"])
            except ValueError:
                raise ApplicationError(_("Give the deadline as a date.")) from None
            challenge = services.challenge_post(
                by=request.user,
                title=values["title"],
                problem=values["problem"],
                owner_unit=unit,
                deadline=deadline,
                reward=values["reward"],
                reward_points=_int(values["reward_points"], 0),
                skills=values["skills"],
            )
            return redirect(f"{index.url}challenges/{challenge.pk}/")
        except ApplicationError as exc:
            error = exc.message
    units = OrgUnit.objects.filter(kind__in=["city", "county", "department"]).order_by("path")[:200]
    return index.render(
        request,
        template="ideas/challenge_form.html",
        context_overrides={"values": values, "error": error, "units": units},
    )


def challenge_detail(request, index, pk):
    try:
        challenge = selectors.challenge_for(pk=pk)
    except NotFound:
        raise Http404 from None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            _challenge_act(request, challenge)
            messages.success(request, _("Saved."))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        return redirect(f"{index.url}challenges/{challenge.pk}/")
    user = request.user
    claims = selectors.challenge_claims(challenge=challenge)
    my_teams = list(Team.objects.filter(leader=user)) if user.is_authenticated else []
    for claim in claims:
        claim.is_member = user.is_authenticated and any(m.pk == user.pk for m in claim.team.members.all())
    context = {
        "challenge": challenge,
        "claims": claims,
        "is_owner": services.may_own_challenge(user, challenge),
        "my_teams": my_teams,
        "today": timezone.localdate(),
    }
    return index.render(request, template="ideas/challenge_detail.html", context_overrides=context)


def _challenge_act(request, challenge):
    action = request.POST.get("action")
    user = request.user
    claim = None
    if request.POST.get("claim"):
        claim = (
            Claim.objects.select_related("challenge", "team")
            .filter(pk=_int(request.POST["claim"], 0), challenge=challenge)
            .first()
        )
        if claim is None:
            raise Http404
    if action == "claim":
        team = None
        if request.POST.get("team"):
            team = Team.objects.filter(pk=_int(request.POST["team"], 0), leader=user).first()
        if team is None:
            members = [u.strip() for u in request.POST.get("members", "").replace("，", ",").split(",") if u.strip()]
            ids = list(get_user_model().objects.filter(username__in=members).values_list("pk", flat=True))
            team = services.team_create(by=user, name=request.POST.get("team_name", ""), member_ids=ids)
        services.challenge_claim(challenge=challenge, team=team, by=user, plan=request.POST.get("plan", ""))
    elif action == "accept_claim":
        services.claim_accept(claim=claim, by=user)
    elif action == "decline_claim":
        services.claim_decline(claim=claim, by=user, comment=request.POST.get("comment", ""))
    elif action == "milestone":
        try:
            due_on = dt.date.fromisoformat(request.POST.get("due_on", ""))
        except ValueError:
            raise ApplicationError(_("Give the due date as a date.")) from None
        services.milestone_add(
            claim=claim,
            by=user,
            title=request.POST.get("title", ""),
            due_on=due_on,
            deliverable=request.POST.get("deliverable", ""),
        )
    elif action == "milestone_done":
        milestone = (
            Milestone.objects.select_related("claim", "claim__team")
            .filter(pk=_int(request.POST.get("milestone"), 0), claim__challenge=challenge)
            .first()
        )
        if milestone is None:
            raise Http404
        services.milestone_done(milestone=milestone, by=user)
    elif action == "deliver":
        services.claim_deliver(claim=claim, by=user, delivery=request.POST.get("delivery", ""))
    elif action == "return":
        services.delivery_return(claim=claim, by=user, comment=request.POST.get("comment", ""))
    elif action == "accept":
        services.delivery_accept(claim=claim, by=user, comment=request.POST.get("comment", ""))
    else:
        raise ApplicationError(_("Unknown action."))


def talent_pool(request, index):
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        services.talent_profile_set(
            user=request.user, skills=request.POST.get("skills", ""), intro=request.POST.get("intro", "")
        )
        messages.success(request, _("Your profile is saved."))
        return redirect(f"{index.url}talent/")
    q = (request.GET.get("q") or "").strip()[:100]
    people = selectors.talent_pool(q=q or None, skill=(request.GET.get("skill") or "").strip()[:50] or None)
    profile = getattr(request.user, "talent_profile", None) if request.user.is_authenticated else None
    return index.render(
        request, template="ideas/talent_pool.html", context_overrides={"people": people, "q": q, "profile": profile}
    )


def staff_counts(request, index):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        counts = selectors.staff_counts(user=request.user, unit_id=_int(request.GET.get("unit")))
    except NotFound:
        raise Http404 from None
    except ApplicationError as exc:
        raise DjangoPermissionDenied(exc.message) from None
    return index.render(request, template="ideas/staff_counts.html", context_overrides={"counts": counts})


def moderation(request, index):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        log = selectors.moderation_log(user=request.user)
    except ApplicationError as exc:
        raise DjangoPermissionDenied(exc.message) from None
    queue = selectors.moderation_queue(user=request.user) if services.may_moderate(request.user) else None
    return index.render(request, template="ideas/moderation.html", context_overrides={"log": log, "queue": queue})
