"""Writes of the ideas app: post and edit ideas, support, comment, report and moderate, review; post, claim,
deliver and accept challenges.

Every function checks who may act first, writes in one transaction together with its statement (or its
moderator-log row), and pushes live-room updates only after commit.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.sql.subqueries import UpdateQuery
from django.utils import timezone
from django.utils.translation import gettext as _

from core.activity.items import item_iri
from core.activity.services import activity_record, agent_for_user
from core.activity.vocabulary import ActivityType, Verb
from core.errors import ApplicationError, NotFound, PermissionDenied

from .models import (
    Challenge,
    Claim,
    Comment,
    Idea,
    IdeaAttachment,
    IdeaBoardPage,
    Milestone,
    ModerationLog,
    PostingBlock,
    Report,
    Support,
    TalentProfile,
    Team,
)
from .text import plain_text, sanitise_html

ROOM = "ideas"
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS = 5
ALLOWED_ATTACHMENT_TYPES = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
}
# What a file's first bytes must look like for its type (a renamed script is refused).
MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
}
ZIP_MAGIC = b"PK\x03\x04"
COMMENTS_PER_TEN_MINUTES = 20
IDEAS_PER_DAY = 10
MAX_COAUTHORS = 5


class Conflict(ApplicationError):
    status = 409


# --- who may do what ---------------------------------------------------------------------------------


def may_review(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.has_perm("ideas.review_idea")))


def may_moderate(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.has_perm("ideas.moderate_idea")))


def may_post_challenge(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.has_perm("ideas.post_challenge")))


def may_own_challenge(user, challenge: Challenge) -> bool:
    """The poster, or a person with the right to post challenges in the owner unit or above it."""
    if not (user and user.is_authenticated):
        return False
    if user.is_superuser or user.pk == challenge.posted_by_id:
        return True
    unit = getattr(user, "org_unit", None)
    owner = challenge.owner_unit
    return may_post_challenge(user) and unit is not None and owner.path.startswith(unit.path)


def in_scope(user, board: IdeaBoardPage) -> bool:
    """Whether `user` belongs to the board's organisation scope (the unit or any unit below it)."""
    if not (user and user.is_authenticated):
        return False
    if board.scope_id is None:
        return True
    unit = user.org_unit
    return unit is not None and unit.path.startswith(board.scope.path)


def is_blocked(user) -> bool:
    return PostingBlock.objects.filter(user=user, lifted_at__isnull=True).exists()


def may_post(user, board: IdeaBoardPage) -> bool:
    return in_scope(user, board) and board.is_open() and not is_blocked(user)


def _require_poster(user, board: IdeaBoardPage) -> None:
    if not (user and user.is_authenticated):
        raise PermissionDenied(_("Sign in first."), status=401)
    if not in_scope(user, board):
        raise PermissionDenied(_("This board is for people of %(unit)s.") % {"unit": board.scope})
    if is_blocked(user):
        raise PermissionDenied(_("A moderator has stopped you from posting."))
    if not board.is_open():
        raise Conflict(_("This board is not open for ideas."))


def _is_author(user, idea: Idea) -> bool:
    return user.pk == idea.author_id or idea.coauthors.filter(pk=user.pk).exists()


def may_see(user, idea: Idea) -> bool:
    """Drafts: their authors. Hidden ideas: their authors, moderators and reviewers. Else everyone."""
    if idea.status != Idea.Status.DRAFT and not idea.hidden:
        return True
    if not (user and user.is_authenticated):
        return False
    if idea.status == Idea.Status.DRAFT:
        return _is_author(user, idea)
    return _is_author(user, idea) or may_moderate(user) or may_review(user)


# --- live rooms --------------------------------------------------------------------------------------


def board_room_key(board_id: int) -> str:
    return f"board-{board_id}"


def _changed(idea: Idea) -> None:
    """After commit: the idea's room and its board's room push a fresh snapshot (coalesced)."""
    idea_key, board_key = str(idea.pk), board_room_key(idea.board_id)

    def push():
        from realtime.rooms import room_changed

        room_changed(ROOM, idea_key)
        room_changed(ROOM, board_key)

    transaction.on_commit(push)


def _event(idea: Idea, payload: dict) -> None:
    idea_key = str(idea.pk)

    def push():
        from realtime.rooms import room_send

        room_send(ROOM, idea_key, payload)

    transaction.on_commit(push)


# --- statements --------------------------------------------------------------------------------------


def _record(*, actor, verb: str, idea: Idea, key: tuple, result: dict | None = None, by=None, at=None) -> None:
    context: dict = {}
    if by is not None and by.pk != actor.pk:
        context["instructor"] = agent_for_user(by)
    activity_record(
        actor=actor,
        verb=verb,
        object_id=idea.activity_iri,
        activity_type=ActivityType.PROPOSAL,
        name=idea.title,
        result=result,
        context=context or None,
        natural_key=key,
        timestamp=at,
    )


def _authors(idea: Idea) -> list:
    return [idea.author, *idea.coauthors.exclude(pk=idea.author_id).order_by("pk")]


# --- ideas -------------------------------------------------------------------------------------------


def _clean_fields(*, title: str, problem: str, proposal: str, tags: str) -> dict:
    title, problem, tags = (title or "").strip(), (problem or "").strip(), (tags or "").strip()
    proposal = sanitise_html(proposal)
    missing = [
        name
        for name, value in (("title", title), ("problem", problem), ("proposal", plain_text(proposal)))
        if not value
    ]
    if missing:
        raise ApplicationError(_("Fill in the title, the problem and the proposal."), extra={"missing": missing})
    if len(title) > 120 or len(problem) > 4000 or len(proposal) > 20000 or len(tags) > 200:
        raise ApplicationError(_("The idea is too long."))
    return {"title": title, "problem": problem, "proposal": proposal, "tags": tags}


def _coauthors(ids: Iterable[int], *, author) -> list:
    ids = {int(i) for i in ids or () if int(i) != author.pk}
    if len(ids) > MAX_COAUTHORS:
        raise ApplicationError(_("At most %(n)d co-authors.") % {"n": MAX_COAUTHORS})
    people = list(get_user_model().objects.filter(pk__in=ids, is_active=True))
    if len(people) != len(ids):
        raise ApplicationError(_("A co-author was not found."), extra={"coauthors": sorted(ids)})
    return people


def idea_create(
    *,
    board: IdeaBoardPage,
    author,
    title: str,
    problem: str,
    proposal: str,
    tags: str = "",
    coauthor_ids: Iterable[int] = (),
    submit: bool = True,
    at: dt.datetime | None = None,
) -> Idea:
    """A new idea on `board`: a draft, or submitted at once (then recorded as "proposed")."""
    _require_poster(author, board)
    fields = _clean_fields(title=title, problem=problem, proposal=proposal, tags=tags)
    coauthors = _coauthors(coauthor_ids, author=author)
    since = timezone.now() - dt.timedelta(days=1)
    if Idea.objects.filter(author=author, created_at__gte=since).count() >= IDEAS_PER_DAY:
        raise ApplicationError(_("You have posted enough ideas for today."), status=429)
    with transaction.atomic():
        idea = Idea.objects.create(board=board, author=author, **fields)
        if coauthors:
            idea.coauthors.set(coauthors)
        if submit:
            _submit(idea, at=at)
    return idea


def _submit(idea: Idea, *, at=None) -> None:
    idea.status = Idea.Status.SUBMITTED
    idea.submitted_at = at or timezone.now()
    idea.save(update_fields=["status", "submitted_at", "updated_at"])
    for person in _authors(idea):
        _record(actor=person, verb=Verb.PROPOSED, idea=idea, key=("idea-proposed", idea.pk, person.pk), at=at)
    _changed(idea)


def may_edit(user, idea: Idea, at=None) -> bool:
    if not (user and user.is_authenticated) or not _is_author(user, idea):
        return False
    if idea.status == Idea.Status.DRAFT:
        return True
    at = at or timezone.now()
    window = dt.timedelta(hours=idea.board.edit_window_hours)
    return idea.status == Idea.Status.SUBMITTED and idea.submitted_at is not None and at < idea.submitted_at + window


def idea_update(
    *,
    idea: Idea,
    by,
    title: str,
    problem: str,
    proposal: str,
    tags: str = "",
    coauthor_ids: Iterable[int] | None = None,
    submit: bool = False,
) -> Idea:
    """Edit a draft, or a submitted idea inside the board's edit window; `submit` posts a draft."""
    if not may_edit(by, idea):
        raise PermissionDenied(_("This idea can no longer be edited."))
    if is_blocked(by):
        raise PermissionDenied(_("A moderator has stopped you from posting."))
    fields = _clean_fields(title=title, problem=problem, proposal=proposal, tags=tags)
    coauthors = _coauthors(coauthor_ids, author=idea.author) if coauthor_ids is not None else None
    with transaction.atomic():
        idea = Idea.objects.select_for_update().get(pk=idea.pk)
        for name, value in fields.items():
            setattr(idea, name, value)
        idea.save()
        if coauthors is not None:
            idea.coauthors.set(coauthors)
        if submit and idea.status == Idea.Status.DRAFT:
            _require_poster(by, idea.board)
            _submit(idea)
        else:
            _changed(idea)
    return idea


def attachment_add(*, idea: Idea, by, upload) -> IdeaAttachment:
    """Attach an image or document (size and type limited; the first bytes must match the type)."""
    if not may_edit(by, idea):
        raise PermissionDenied(_("This idea can no longer be edited."))
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ApplicationError(
            _("A file may be at most %(mb)d MB.") % {"mb": MAX_ATTACHMENT_BYTES // (1024 * 1024)}, status=413
        )
    name = (upload.name or "file").rsplit("/", 1)[-1][:200]
    guessed = mimetypes.guess_type(name)[0] or ""
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if guessed not in ALLOWED_ATTACHMENT_TYPES or extension not in ALLOWED_ATTACHMENT_TYPES[guessed]:
        raise ApplicationError(
            _("Attach pictures (JPEG, PNG, WebP) or documents (PDF, Word, Excel, PowerPoint)."), status=415
        )
    head = upload.read(16)
    upload.seek(0)
    expected = MAGIC.get(guessed, (ZIP_MAGIC,))
    if not any(head.startswith(magic) for magic in expected):
        raise ApplicationError(_("The file's content does not match its type."), status=415)
    with transaction.atomic():
        locked = Idea.objects.select_for_update().get(pk=idea.pk)
        if locked.attachments.count() >= MAX_ATTACHMENTS:
            raise ApplicationError(_("At most %(n)d attachments.") % {"n": MAX_ATTACHMENTS})
        return IdeaAttachment.objects.create(
            idea=locked, file=upload, name=name, size=upload.size, content_type=guessed
        )


# --- support -----------------------------------------------------------------------------------------


def idea_support(*, idea: Idea, user) -> tuple[Idea, bool]:
    """Support `idea` once: returns (idea with its fresh count, created): the count this support made, or for a repeat
    the count now. Supporting again changes nothing.

    The unique constraint on (idea, person) decides, also between concurrent requests: the support row is written
    first and a second one rolls its whole transaction back. The count moves by an atomic UPDATE in the same
    transaction, so it equals the number of support rows; it comes last, because every support of the idea waits
    for that row's lock until the previous one commits. With a per-board limit the person's row is locked first, so
    two supports of two ideas at once cannot pass the limit together."""
    if not (user and user.is_authenticated):
        raise PermissionDenied(_("Sign in first."), status=401)
    if not idea.is_public or idea.status in (Idea.Status.MERGED,):
        raise Conflict(_("This idea cannot be supported."))
    board = idea.board
    try:
        with transaction.atomic():
            if board.support_limit:
                _support_limit_check(board=board, user=user, idea=idea)
            support = Support.objects.create(idea=idea, user=user, board=board)
            activity_record(
                actor=user,
                verb=Verb.SUPPORTED,
                object_id=idea.activity_iri,
                activity_type=ActivityType.PROPOSAL,
                name=idea.title,
                natural_key=("idea-supported", support.pk),
            )
            _support_count_move(idea, 1)
            _changed(idea)
    except IntegrityError:
        if not Support.objects.filter(idea=idea, user=user).exists():
            raise
        return _fresh(idea), False  # supported already (perhaps by the same person's request a moment ago)
    return idea, True


def _support_limit_check(*, board: IdeaBoardPage, user, idea: Idea) -> None:
    """Lock the person's row, then refuse a support beyond the board's limit (a support of this idea itself is
    left to the unique constraint: supporting again changes nothing)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if Support.objects.filter(board=board, user=user).exclude(idea=idea).count() >= board.support_limit:
        raise Conflict(
            _("You may support at most %(n)d ideas on this board.") % {"n": board.support_limit},
            extra={"limit": board.support_limit},
        )


def idea_support_withdraw(*, idea: Idea, user) -> tuple[Idea, bool]:
    """Withdraw a support: returns (idea, withdrawn); withdrawing what is not there changes nothing."""
    if not (user and user.is_authenticated):
        raise PermissionDenied(_("Sign in first."), status=401)
    with transaction.atomic():
        deleted, _detail = Support.objects.filter(idea=idea, user=user).delete()
        if deleted:
            _support_count_move(idea, -1)
            _changed(idea)
            return idea, True
    return _fresh(idea), False


FRESH_FIELDS = ("support_count", "comment_count", "status", "hidden")


def _fresh(idea: Idea) -> Idea:
    idea.refresh_from_db(fields=list(FRESH_FIELDS))
    return idea


def _support_count_move(idea: Idea, delta: int) -> None:
    """Move the idea's support count by `delta` (an atomic UPDATE, in the caller's transaction) and give `idea` the
    row's fresh counts as that UPDATE left them: one round trip, where an UPDATE and a read after commit were two (the
    read was 29 % of a support's samples in a py-spy profile). The ORM compiles the UPDATE; PostgreSQL and SQLite
    3.35+ return the row with it (RETURNING), older SQLite reads it after."""
    ideas = Idea.objects.filter(pk=idea.pk)
    if not connection.features.can_return_columns_from_insert:
        ideas.update(support_count=F("support_count") + delta)
        _fresh(idea)
        return
    query = ideas.query.chain(UpdateQuery)
    query.add_update_values({"support_count": F("support_count") + delta})
    sql, params = query.get_compiler(connection=connection).as_sql()
    fields = [Idea._meta.get_field(name) for name in FRESH_FIELDS]
    returning = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {returning}", params)
        row = cursor.fetchone()
    for field, value in zip(fields, row, strict=True):
        setattr(idea, field.attname, field.to_python(value))


# --- comments ----------------------------------------------------------------------------------------


def comment_add(*, idea: Idea, author, body: str, parent: Comment | None = None) -> Comment:
    """A comment (plain text, shown escaped) or a reply; every viewer of the idea sees it arrive."""
    if not (author and author.is_authenticated):
        raise PermissionDenied(_("Sign in first."), status=401)
    if not idea.is_public:
        raise Conflict(_("This idea is not open for comments."))
    if is_blocked(author):
        raise PermissionDenied(_("A moderator has stopped you from posting."))
    body = (body or "").strip()
    if not body:
        raise ApplicationError(_("Write something first."))
    if len(body) > 2000:
        raise ApplicationError(_("A comment may be at most 2000 characters."))
    if parent is not None and (parent.idea_id != idea.pk or parent.parent_id is not None):
        raise ApplicationError(_("Reply to a comment of this idea."))
    since = timezone.now() - dt.timedelta(minutes=10)
    if Comment.objects.filter(author=author, created_at__gte=since).count() >= COMMENTS_PER_TEN_MINUTES:
        raise ApplicationError(_("Too many comments: wait a few minutes."), status=429)
    with transaction.atomic():
        comment = Comment.objects.create(idea=idea, author=author, body=body, parent=parent)
        Idea.objects.filter(pk=idea.pk).update(comment_count=F("comment_count") + 1)
        activity_record(
            actor=author,
            verb=Verb.COMMENTED,
            object_id=item_iri(f"ideacomment:{comment.pk}"),
            activity_type=ActivityType.COMMENT,
            name=idea.title,
            result={"response": body[:500]},
            context={
                "contextActivities": {
                    "parent": [{"id": idea.activity_iri, "definition": {"type": ActivityType.PROPOSAL}}]
                }
            },
            natural_key=("idea-commented", comment.pk),
        )
        _event(idea, comment_payload(comment))
        _changed(idea)
    return comment


def comment_payload(comment: Comment) -> dict:
    return {
        "kind": "comment",
        "id": comment.pk,
        "parent": comment.parent_id,
        "author": str(comment.author),
        "body": comment.body,
        "created_at": comment.created_at.isoformat(),
    }


# --- reports and moderation --------------------------------------------------------------------------


def report_file(
    *, reporter, reason: str, idea: Idea | None = None, comment: Comment | None = None, note: str = ""
) -> Report:
    """Report an idea or a comment once; at the board's threshold of open reports it is hidden pending review
    (an "auto_hide" line in the moderator log)."""
    if not (reporter and reporter.is_authenticated):
        raise PermissionDenied(_("Sign in first."), status=401)
    if (idea is None) == (comment is None):
        raise ApplicationError(_("Report an idea or a comment."))
    if reason not in Report.Reason.values:
        raise ApplicationError(_("Choose a reason."), extra={"reasons": list(Report.Reason.values)})
    target_idea = idea or comment.idea
    if not target_idea.is_public:
        raise Conflict(_("This is not shown any more."))
    with transaction.atomic():
        try:
            with transaction.atomic():
                report = Report.objects.create(
                    reporter=reporter, idea=idea, comment=comment, reason=reason, note=(note or "")[:300]
                )
        except IntegrityError:
            raise Conflict(_("You have already reported this.")) from None
        threshold = target_idea.board.report_threshold
        if idea is not None:
            locked = Idea.objects.select_for_update().get(pk=idea.pk)
            open_reports = Report.objects.filter(idea=idea, resolved=False).count()
            if not locked.hidden and open_reports >= threshold:
                locked.hidden = True
                locked.save(update_fields=["hidden", "updated_at"])
                ModerationLog.objects.create(
                    action=ModerationLog.Action.AUTO_HIDE, idea=locked, note=_("%(n)d reports") % {"n": open_reports}
                )
                _changed(locked)
        else:
            locked = Comment.objects.select_for_update().get(pk=comment.pk)
            open_reports = Report.objects.filter(comment=comment, resolved=False).count()
            if not locked.hidden and open_reports >= threshold:
                locked.hidden = True
                locked.save(update_fields=["hidden"])
                ModerationLog.objects.create(
                    action=ModerationLog.Action.AUTO_HIDE,
                    comment=locked,
                    note=_("%(n)d reports") % {"n": open_reports},
                )
                _event(target_idea, {"kind": "comment_hidden", "id": locked.pk})
    return report


def _require_moderator(by) -> None:
    if not may_moderate(by):
        raise PermissionDenied(_("Only moderators may do this."))


def idea_hide(*, idea: Idea, by, note: str = "") -> Idea:
    _require_moderator(by)
    with transaction.atomic():
        idea = Idea.objects.select_for_update().get(pk=idea.pk)
        if not idea.hidden:
            idea.hidden = True
            idea.save(update_fields=["hidden", "updated_at"])
            ModerationLog.objects.create(moderator=by, action=ModerationLog.Action.HIDE, idea=idea, note=note[:300])
            _changed(idea)
    return idea


def idea_restore(*, idea: Idea, by, note: str = "") -> Idea:
    """Show a hidden idea again; its open reports count as reviewed."""
    _require_moderator(by)
    with transaction.atomic():
        idea = Idea.objects.select_for_update().get(pk=idea.pk)
        if idea.hidden:
            idea.hidden = False
            idea.save(update_fields=["hidden", "updated_at"])
            Report.objects.filter(idea=idea, resolved=False).update(resolved=True)
            ModerationLog.objects.create(moderator=by, action=ModerationLog.Action.RESTORE, idea=idea, note=note[:300])
            _changed(idea)
    return idea


def comment_hide(*, comment: Comment, by, note: str = "") -> Comment:
    _require_moderator(by)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if not comment.hidden:
            comment.hidden = True
            comment.save(update_fields=["hidden"])
            ModerationLog.objects.create(
                moderator=by, action=ModerationLog.Action.HIDE, comment=comment, note=note[:300]
            )
            _event(comment.idea, {"kind": "comment_hidden", "id": comment.pk})
    return comment


def comment_restore(*, comment: Comment, by, note: str = "") -> Comment:
    _require_moderator(by)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.hidden:
            comment.hidden = False
            comment.save(update_fields=["hidden"])
            Report.objects.filter(comment=comment, resolved=False).update(resolved=True)
            ModerationLog.objects.create(
                moderator=by, action=ModerationLog.Action.RESTORE, comment=comment, note=note[:300]
            )
            _event(comment.idea, comment_payload(comment))
    return comment


def person_block(*, user, by, reason: str) -> PostingBlock:
    _require_moderator(by)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give a reason."))
    if user.pk == by.pk:
        raise ApplicationError(_("You cannot block yourself."))
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        block = PostingBlock.objects.filter(user=user, lifted_at__isnull=True).first()
        if block is not None:
            return block
        block = PostingBlock.objects.create(user=user, reason=reason[:300], blocked_by=by)
        ModerationLog.objects.create(moderator=by, action=ModerationLog.Action.BLOCK, person=user, note=reason[:300])
    return block


def person_unblock(*, user, by, note: str = "") -> int:
    _require_moderator(by)
    with transaction.atomic():
        lifted = PostingBlock.objects.filter(user=user, lifted_at__isnull=True).update(lifted_at=timezone.now())
        if lifted:
            ModerationLog.objects.create(
                moderator=by, action=ModerationLog.Action.UNBLOCK, person=user, note=note[:300]
            )
    return lifted


# --- review ------------------------------------------------------------------------------------------

DECISIONS = {"adopt": Idea.Status.ADOPTED, "reject": Idea.Status.REJECTED, "merge": Idea.Status.MERGED}


def _require_reviewer(by) -> None:
    if not may_review(by):
        raise PermissionDenied(_("Only reviewers may do this."))


def idea_assign(*, idea: Idea, reviewer, by) -> Idea:
    """Submitted > under review, assigned to `reviewer` (who must be a reviewer)."""
    _require_reviewer(by)
    if not may_review(reviewer):
        raise ApplicationError(_("%(name)s is not a reviewer.") % {"name": reviewer})
    with transaction.atomic():
        idea = Idea.objects.select_for_update().get(pk=idea.pk)
        if idea.status not in (Idea.Status.SUBMITTED, Idea.Status.UNDER_REVIEW):
            raise Conflict(_("Only a submitted idea can be assigned for review."), extra={"status": idea.status})
        idea.status = Idea.Status.UNDER_REVIEW
        idea.reviewer = reviewer
        idea.save(update_fields=["status", "reviewer", "updated_at"])
        _changed(idea)
    return idea


def idea_decide(
    *, idea: Idea, by, decision: str, reason: str, merged_into: Idea | None = None, at: dt.datetime | None = None
) -> Idea:
    """Under review (or submitted) > adopted / rejected / merged into another idea, with a reason the authors see.

    Adopted is recorded as "adopted" for each author (so an ordinary realtime rule can give them points), rejected
    and merged as "rejected" (merged names the idea it went into). Deciding twice is a 409 and records nothing."""
    _require_reviewer(by)
    status = DECISIONS.get(decision)
    if status is None:
        raise ApplicationError(_("Adopt, reject or merge."), extra={"decisions": list(DECISIONS)})
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Write the reason the authors will read."))
    if status == Idea.Status.MERGED and (
        merged_into is None or merged_into.pk == idea.pk or merged_into.board_id != idea.board_id
    ):
        raise ApplicationError(_("Choose another idea of this board to merge into."))
    at = at or timezone.now()
    with transaction.atomic():
        idea = Idea.objects.select_for_update().select_related("author").get(pk=idea.pk)
        if idea.status not in (Idea.Status.SUBMITTED, Idea.Status.UNDER_REVIEW):
            raise Conflict(_("This idea has already been decided."), extra={"status": idea.status})
        idea.status = status
        idea.decision_reason = reason[:2000]
        idea.merged_into = merged_into if status == Idea.Status.MERGED else None
        idea.decided_at = at
        if idea.reviewer_id is None:
            idea.reviewer = by
        idea.save(update_fields=["status", "decision_reason", "merged_into", "decided_at", "reviewer", "updated_at"])
        verb = Verb.ADOPTED if status == Idea.Status.ADOPTED else Verb.REJECTED
        result = {"success": status == Idea.Status.ADOPTED, "response": reason[:500]}
        if merged_into is not None and status == Idea.Status.MERGED:
            result["extensions"] = {"https://w3id.org/xapi/xianfeng/extensions/merged-into": merged_into.activity_iri}
        for person in _authors(idea):
            _record(
                actor=person,
                verb=verb,
                idea=idea,
                key=("idea-decided", idea.pk, person.pk),
                result=result,
                by=by,
                at=at,
            )
        _changed(idea)
    return idea


def idea_implement(*, idea: Idea, by, outcome: str, at: dt.datetime | None = None) -> Idea:
    """Adopted > implemented, with the outcome."""
    _require_reviewer(by)
    outcome = (outcome or "").strip()
    if not outcome:
        raise ApplicationError(_("Describe the outcome."))
    at = at or timezone.now()
    with transaction.atomic():
        idea = Idea.objects.select_for_update().select_related("author").get(pk=idea.pk)
        if idea.status != Idea.Status.ADOPTED:
            raise Conflict(_("Only an adopted idea can be marked implemented."), extra={"status": idea.status})
        idea.status = Idea.Status.IMPLEMENTED
        idea.outcome = outcome[:2000]
        idea.implemented_at = at
        idea.save(update_fields=["status", "outcome", "implemented_at", "updated_at"])
        for person in _authors(idea):
            _record(
                actor=person,
                verb=Verb.IMPLEMENTED,
                idea=idea,
                key=("idea-implemented", idea.pk, person.pk),
                result={"response": outcome[:500]},
                by=by,
                at=at,
            )
        _changed(idea)
    return idea


# --- challenges --------------------------------------------------------------------------------------


def _challenge_record(*, actor, verb: str, challenge: Challenge, key: tuple, result: dict | None = None, at=None):
    activity_record(
        actor=actor,
        verb=verb,
        object_id=challenge.activity_iri,
        activity_type=ActivityType.CHALLENGE,
        name=challenge.title,
        result=result,
        natural_key=key,
        timestamp=at,
    )


def challenge_post(
    *,
    by,
    title: str,
    problem: str,
    owner_unit,
    deadline: dt.date,
    reward: str = "",
    reward_points: int = 0,
    skills: str = "",
    badge=None,
) -> Challenge:
    if not may_post_challenge(by):
        raise PermissionDenied(_("You may not post challenges."))
    title, problem = (title or "").strip(), (problem or "").strip()
    if not title or not problem:
        raise ApplicationError(_("Fill in the title and the problem."))
    if deadline < timezone.localdate():
        raise ApplicationError(_("The deadline has passed."))
    return Challenge.objects.create(
        title=title[:120],
        problem=problem[:8000],
        owner_unit=owner_unit,
        posted_by=by,
        deadline=deadline,
        reward=(reward or "")[:200],
        reward_points=max(0, int(reward_points or 0)),
        skills=(skills or "")[:300],
        badge=badge,
    )


def team_create(*, by, name: str, member_ids: Iterable[int]) -> Team:
    """A named team led by `by`, with members from any departments."""
    if not (by and by.is_authenticated):
        raise PermissionDenied(_("Sign in first."), status=401)
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Give the team a name."))
    ids = {int(i) for i in member_ids or ()} | {by.pk}
    members = list(get_user_model().objects.filter(pk__in=ids, is_active=True))
    if len(members) != len(ids) or len(ids) > 20:
        raise ApplicationError(_("A team has up to 20 active members."))
    with transaction.atomic():
        team = Team.objects.create(name=name[:100], leader=by)
        team.members.set(members)
    return team


def challenge_claim(*, challenge: Challenge, team: Team, by, plan: str, at=None) -> Claim:
    """A team claims a challenge with a plan (recorded "claimed" for each member)."""
    if not (by and by.is_authenticated) or by.pk != team.leader_id:
        raise PermissionDenied(_("Only the team's leader may claim for the team."))
    plan = (plan or "").strip()
    if not plan:
        raise ApplicationError(_("Describe your plan."))
    with transaction.atomic():
        challenge = Challenge.objects.select_for_update().get(pk=challenge.pk)
        if challenge.status not in (Challenge.Status.OPEN, Challenge.Status.IN_PROGRESS):
            raise Conflict(_("This challenge is not open for claims."), extra={"status": challenge.status})
        if challenge.deadline < timezone.localdate():
            raise Conflict(_("The deadline has passed."))
        try:
            with transaction.atomic():
                claim = Claim.objects.create(challenge=challenge, team=team, plan=plan[:4000])
        except IntegrityError:
            raise Conflict(_("This team has already claimed the challenge.")) from None
        for member in team.members.order_by("pk"):
            _challenge_record(
                actor=member,
                verb=Verb.CLAIMED,
                challenge=challenge,
                key=("challenge-claimed", claim.pk, member.pk),
                at=at,
            )
    return claim


def _require_owner(by, challenge: Challenge) -> None:
    if not may_own_challenge(by, challenge):
        raise PermissionDenied(_("Only the challenge's owner may do this."))


def claim_accept(*, claim: Claim, by) -> Claim:
    """The owner accepts a team's claim (one or several teams may work on a challenge)."""
    _require_owner(by, claim.challenge)
    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("challenge").get(pk=claim.pk)
        if claim.status != Claim.Status.PROPOSED:
            raise Conflict(_("This claim has already been answered."), extra={"status": claim.status})
        claim.status = Claim.Status.WORKING
        claim.save(update_fields=["status"])
        Challenge.objects.filter(pk=claim.challenge_id, status=Challenge.Status.OPEN).update(
            status=Challenge.Status.IN_PROGRESS
        )
    return claim


def claim_decline(*, claim: Claim, by, comment: str = "") -> Claim:
    _require_owner(by, claim.challenge)
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        if claim.status != Claim.Status.PROPOSED:
            raise Conflict(_("This claim has already been answered."), extra={"status": claim.status})
        claim.status = Claim.Status.DECLINED
        claim.owner_comment = (comment or "")[:2000]
        claim.save(update_fields=["status", "owner_comment"])
    return claim


def _require_member(by, claim: Claim) -> None:
    if not (by and by.is_authenticated) or not claim.team.members.filter(pk=by.pk).exists():
        raise PermissionDenied(_("Only the team's members may do this."))


def milestone_add(*, claim: Claim, by, title: str, due_on: dt.date, deliverable: str = "") -> Milestone:
    _require_member(by, claim)
    title = (title or "").strip()
    if not title:
        raise ApplicationError(_("Give the milestone a title."))
    if claim.status not in (Claim.Status.PROPOSED, Claim.Status.WORKING, Claim.Status.RETURNED):
        raise Conflict(_("This claim is finished."))
    return Milestone.objects.create(
        claim=claim, title=title[:120], due_on=due_on, deliverable=(deliverable or "")[:300]
    )


def milestone_done(*, milestone: Milestone, by) -> Milestone:
    _require_member(by, milestone.claim)
    if milestone.done_at is None:
        milestone.done_at = timezone.now()
        milestone.save(update_fields=["done_at"])
    return milestone


def claim_deliver(*, claim: Claim, by, delivery: str, at=None) -> Claim:
    """The team delivers: only a claim the owner accepted (working, or returned for more work)."""
    _require_member(by, claim)
    delivery = (delivery or "").strip()
    if not delivery:
        raise ApplicationError(_("Describe what you deliver."))
    at = at or timezone.now()
    with transaction.atomic():
        claim = Claim.objects.select_for_update().select_related("challenge").get(pk=claim.pk)
        if claim.status not in (Claim.Status.WORKING, Claim.Status.RETURNED):
            raise Conflict(_("Only a claim the owner has accepted can be delivered."), extra={"status": claim.status})
        claim.status = Claim.Status.DELIVERED
        claim.delivery = delivery[:4000]
        claim.delivered_at = at
        claim.save(update_fields=["status", "delivery", "delivered_at"])
        _challenge_record(
            actor=by,
            verb=Verb.DELIVERED,
            challenge=claim.challenge,
            key=("challenge-delivered", claim.pk, at.isoformat()),
            result={"response": delivery[:500]},
            at=at,
        )
    return claim


def delivery_return(*, claim: Claim, by, comment: str) -> Claim:
    _require_owner(by, claim.challenge)
    comment = (comment or "").strip()
    if not comment:
        raise ApplicationError(_("Say what is missing."))
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        if claim.status != Claim.Status.DELIVERED:
            raise Conflict(_("Only a delivered claim can be returned."), extra={"status": claim.status})
        claim.status = Claim.Status.RETURNED
        claim.owner_comment = comment[:2000]
        claim.save(update_fields=["status", "owner_comment"])
    return claim


def delivery_accept(*, claim: Claim, by, comment: str = "", at=None) -> Claim:
    """The owner accepts a delivery, once: each member is recorded "accepted" (points through the realtime rules)
    and receives the challenge's Open Badge through content/certification's `certificate_issue`."""
    _require_owner(by, claim.challenge)
    at = at or timezone.now()
    with transaction.atomic():
        claim = (
            Claim.objects.select_for_update(of=("self",))
            .select_related("challenge", "challenge__badge")
            .get(pk=claim.pk)
        )
        if claim.status == Claim.Status.ACCEPTED:
            raise Conflict(_("This delivery has already been accepted."), extra={"status": claim.status})
        if claim.status != Claim.Status.DELIVERED:
            raise Conflict(_("Only a delivered claim can be accepted."), extra={"status": claim.status})
        claim.status = Claim.Status.ACCEPTED
        claim.accepted_at = at
        claim.owner_comment = (comment or "")[:2000]
        claim.save(update_fields=["status", "accepted_at", "owner_comment"])
        challenge = claim.challenge
        Challenge.objects.filter(pk=challenge.pk).exclude(status=Challenge.Status.CLOSED).update(
            status=Challenge.Status.COMPLETED
        )
        members = list(claim.team.members.order_by("pk"))
        for member in members:
            _challenge_record(
                actor=member,
                verb=Verb.ACCEPTED,
                challenge=challenge,
                key=("challenge-accepted", claim.pk, member.pk),
                result={"success": True, "score": {"raw": challenge.reward_points}}
                if challenge.reward_points
                else {"success": True},
                at=at,
            )
        if challenge.badge is not None and challenge.badge.active:
            from content.certification.services import certificate_issue

            evidence = [{"challenge": challenge.title, "activity": challenge.activity_iri, "team": claim.team.name}]
            for member in members:
                certificate_issue(user=member, programme=challenge.badge, evidence=evidence, issued_at=at)
    return claim


def challenge_close(*, challenge: Challenge, by) -> Challenge:
    _require_owner(by, challenge)
    Challenge.objects.filter(pk=challenge.pk).update(status=Challenge.Status.CLOSED)
    challenge.status = Challenge.Status.CLOSED
    return challenge


def talent_profile_set(*, user, skills: str, intro: str = "") -> TalentProfile:
    if not (user and user.is_authenticated):
        raise PermissionDenied(_("Sign in first."), status=401)
    profile, _created = TalentProfile.objects.update_or_create(
        user=user, defaults={"skills": (skills or "").strip()[:300], "intro": (intro or "").strip()[:300]}
    )
    return profile


def idea_get(pk: int) -> Idea:
    idea = Idea.objects.select_related("board", "author").filter(pk=pk).first()
    if idea is None:
        raise NotFound(_("No such idea."))
    return idea
