"""The writes of the ideas app, through the real services: scope, sanitising, supports, reports and moderation,
the review workflow with its statements and points, and the challenge life cycle."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from content.ideas import selectors, services
from content.ideas.models import Idea, ModerationLog, Support
from core.activity.models import Statement
from core.activity.vocabulary import ActivityType, Verb
from core.errors import ApplicationError, PermissionDenied
from core.people.models import Role, RoleAssignment, User

PROPOSAL = "<p>在柜台旁放一个<strong>二维码</strong>,零售户扫码就能订货。</p>"


def post(board, author, **extra):
    fields = {
        "title": "扫码订货",
        "problem": "零售户订货要打电话,高峰时打不通。",
        "proposal": PROPOSAL,
        "tags": "订货,二维码",
    }
    fields.update(extra)
    return services.idea_create(board=board, author=author, **fields)


def staff_person(world, username, unit=None):
    user = User.objects.create(username=username, display_name=username, org_unit=unit or world.department)
    RoleAssignment.objects.create(user=user, role=Role.STAFF)
    return user


# --- scope -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_people_in_the_boards_scope_may_post(ideas_world):
    world = ideas_world.world
    idea = post(ideas_world.board, world.staff)
    assert idea.status == Idea.Status.SUBMITTED
    # A grid under the department is in scope too.
    assert services.may_post(world.retailer, ideas_world.board)
    outsider = staff_person(world, "east_staff", world.other_department)
    with pytest.raises(PermissionDenied) as refused:
        post(ideas_world.board, outsider)
    assert refused.value.message == "本板块只面向城西市场部的人员。"
    assert Idea.objects.filter(author=outsider).count() == 0
    with pytest.raises(PermissionDenied):
        post(ideas_world.board, world.villager)


@pytest.mark.django_db
def test_a_closed_board_and_a_blocked_person_cannot_post(ideas_world):
    world, board = ideas_world.world, ideas_world.board
    services.person_block(user=world.member, by=ideas_world.moderator, reason="刷屏")
    with pytest.raises(PermissionDenied):
        post(board, world.member)
    board.closes_at = timezone.now() - dt.timedelta(minutes=1)
    board.save()
    with pytest.raises(ApplicationError) as closed:
        post(board, world.staff)
    assert closed.value.status == 409
    assert Idea.objects.count() == 0


# --- sanitising --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_script_in_a_proposal_never_reaches_the_page(ideas_world, client):
    world = ideas_world.world
    hostile = (
        '<p onclick="steal()">好办法</p><script>alert("x")</script><img src=x onerror="alert(1)">'
        '<a href="javascript:alert(2)">链接</a><a href="https://example.org/">参考</a>'
    )
    idea = post(ideas_world.board, world.staff, proposal=hostile, title="<b>标题</b>")
    stored = Idea.objects.get(pk=idea.pk).proposal
    for bad in ("<script", "alert", "onclick", "onerror", "javascript:", "<img"):
        assert bad not in stored
    assert '<a href="https://example.org/" rel="noopener noreferrer nofollow">参考</a>' in stored
    page = client.get(f"{ideas_world.board.url}{idea.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>alert" not in html and "onerror" not in html and "javascript:alert" not in html
    assert "&lt;b&gt;标题&lt;/b&gt;" in html  # the title is text, escaped


@pytest.mark.django_db
def test_attachments_are_limited_by_size_and_type(ideas_world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    idea = post(ideas_world.board, ideas_world.world.staff)
    png = SimpleUploadedFile("柜台.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")
    attachment = services.attachment_add(idea=idea, by=ideas_world.world.staff, upload=png)
    assert attachment.content_type == "image/png" and attachment.size == 108
    script = SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png")
    with pytest.raises(ApplicationError) as wrong:
        services.attachment_add(idea=idea, by=ideas_world.world.staff, upload=script)
    assert wrong.value.status == 415
    exe = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ApplicationError):
        services.attachment_add(idea=idea, by=ideas_world.world.staff, upload=exe)
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * services.MAX_ATTACHMENT_BYTES, content_type="application/pdf")
    with pytest.raises(ApplicationError) as too_big:
        services.attachment_add(idea=idea, by=ideas_world.world.staff, upload=big)
    assert too_big.value.status == 413
    assert idea.attachments.count() == 1


@pytest.mark.django_db
def test_drafts_are_private_and_the_edit_window_closes(ideas_world):
    world, board = ideas_world.world, ideas_world.board
    draft = post(board, world.staff, submit=False)
    assert draft.status == Idea.Status.DRAFT
    assert not services.may_see(world.member, draft) and services.may_see(world.staff, draft)
    assert not Statement.objects.filter(verb_id=Verb.PROPOSED).exists()
    services.idea_update(idea=draft, by=world.staff, title="扫码订货2", problem="p", proposal="<p>x</p>", submit=True)
    draft.refresh_from_db()
    assert draft.status == Idea.Status.SUBMITTED
    assert Statement.objects.filter(verb_id=Verb.PROPOSED, actor_user=world.staff).count() == 1
    Idea.objects.filter(pk=draft.pk).update(submitted_at=timezone.now() - dt.timedelta(hours=25))
    draft.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.idea_update(idea=draft, by=world.staff, title="改", problem="p", proposal="<p>x</p>")


# --- support -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_support_per_person_withdrawable_and_a_per_board_limit(ideas_world):
    world, board = ideas_world.world, ideas_world.board
    first = post(board, world.staff)
    second = post(board, world.staff, title="第二个")
    idea, created = services.idea_support(idea=first, user=world.member)
    assert (idea.support_count, created) == (1, True)
    idea, created = services.idea_support(idea=first, user=world.member)
    assert (idea.support_count, created) == (1, False)
    idea, withdrawn = services.idea_support_withdraw(idea=first, user=world.member)
    assert (idea.support_count, withdrawn) == (0, True)
    board.support_limit = 1
    board.save()
    services.idea_support(idea=first, user=world.member)
    with pytest.raises(ApplicationError) as limited:
        services.idea_support(idea=second, user=world.member)
    assert limited.value.status == 409
    assert limited.value.message == "你在本板块最多可以支持1个点子。"
    idea, created = services.idea_support(idea=first, user=world.member)  # again, at the limit: nothing changes
    assert (idea.support_count, created) == (1, False)
    assert Support.objects.filter(user=world.member).count() == 1
    assert Statement.objects.filter(verb_id=Verb.SUPPORTED, actor_user=world.member).count() == 2


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_supports_give_the_exact_count(ideas_world):
    """On PostgreSQL, each thread its own connection: 25 people each send two supports of one idea at the same
    moment (50 requests): exactly 25 supports, and the count on the idea says 25."""
    world = ideas_world.world
    idea = post(ideas_world.board, world.staff)
    people = [staff_person(world, f"fan{n:02d}") for n in range(25)]
    barrier = threading.Barrier(50)
    errors: list[BaseException] = []
    created: list[bool] = []

    def support(person) -> None:
        try:
            barrier.wait(timeout=60)
            created.append(services.idea_support(idea=Idea.objects.get(pk=idea.pk), user=person)[1])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=support, args=(person,)) for person in people + people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sorted(created) == [False] * 25 + [True] * 25
    idea.refresh_from_db()
    assert idea.support_count == 25 == Support.objects.filter(idea=idea).count()
    assert Statement.objects.filter(verb_id=Verb.SUPPORTED, object_id=idea.activity_iri).count() == 25


# --- comments, reports, moderation ---------------------------------------------------------------------


@pytest.mark.django_db
def test_comments_and_replies(ideas_world):
    world = ideas_world.world
    idea = post(ideas_world.board, world.staff)
    comment = services.comment_add(idea=idea, author=world.member, body="好主意!")
    reply = services.comment_add(idea=idea, author=world.staff, body="谢谢", parent=comment)
    with pytest.raises(ApplicationError):
        services.comment_add(idea=idea, author=world.member, body="回复的回复", parent=reply)
    idea.refresh_from_db()
    assert idea.comment_count == 2
    statement = Statement.objects.get(verb_id=Verb.COMMENTED, actor_user=world.member)
    assert statement.activity_type == ActivityType.COMMENT


@pytest.mark.django_db
def test_the_report_threshold_hides_an_idea_and_the_log_records_who_restored_it(ideas_world):
    world, board = ideas_world.world, ideas_world.board
    idea = post(board, world.staff)
    reporters = [world.member, world.retailer, staff_person(world, "third")]
    services.report_file(reporter=reporters[0], idea=idea, reason="spam")
    with pytest.raises(ApplicationError) as twice:
        services.report_file(reporter=reporters[0], idea=idea, reason="spam")
    assert twice.value.status == 409
    services.report_file(reporter=reporters[1], idea=idea, reason="off_topic")
    idea.refresh_from_db()
    assert not idea.hidden  # 2 of 3
    services.report_file(reporter=reporters[2], idea=idea, reason="offensive")
    idea.refresh_from_db()
    assert idea.hidden
    from content.ideas.selectors import board_ideas

    assert idea not in board_ideas(board=board, user=world.member)
    assert not services.may_see(world.member, idea) and services.may_see(world.staff, idea)
    auto = ModerationLog.objects.get(idea=idea)
    assert (auto.action, auto.moderator) == (ModerationLog.Action.AUTO_HIDE, None)
    with pytest.raises(PermissionDenied):
        services.idea_restore(idea=idea, by=world.member)
    services.idea_restore(idea=idea, by=ideas_world.moderator, note="举报不成立")
    idea.refresh_from_db()
    assert not idea.hidden
    restored = ModerationLog.objects.filter(idea=idea).first()
    assert (restored.action, restored.moderator, restored.note) == (
        ModerationLog.Action.RESTORE,
        ideas_world.moderator,
        "举报不成立",
    )
    # Reviewed reports no longer count: one more report does not hide it again.
    services.report_file(reporter=staff_person(world, "fourth"), idea=idea, reason="spam")
    idea.refresh_from_db()
    assert not idea.hidden


# --- review and points -------------------------------------------------------------------------------


@pytest.fixture
def adoption_rule(world):
    from realtime.models import Dimension, Index, Rule

    index = Index.objects.create(name="先锋指数", slug="pioneer", eligible_role=Role.STAFF, daily_limit=Decimal(40))
    results = Dimension.objects.create(index=index, name="业绩指标", code="results", weight=Decimal(1))
    rule = Rule.objects.create(
        name="采纳金点子",
        dimension=results,
        verb=Verb.ADOPTED,
        activity_type=ActivityType.PROPOSAL,
        points=Decimal(10),
        daily_cap=Decimal(20),
    )
    accepted = Rule.objects.create(
        name="揭榜交付验收",
        dimension=results,
        verb=Verb.ACCEPTED,
        activity_type=ActivityType.CHALLENGE,
        points=Decimal(15),
    )
    return SimpleRule(index=index, rule=rule, accepted=accepted)


class SimpleRule:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def points(user, rule) -> Decimal:
    from realtime.models import PointsEntry

    return PointsEntry.objects.filter(user=user, rule=rule).aggregate(total=Sum("points"))["total"] or Decimal(0)


@pytest.mark.django_db
def test_an_adopted_ideas_statement_earns_the_rules_points_exactly_once(
    ideas_world, adoption_rule, django_capture_on_commit_callbacks
):
    world, reviewer = ideas_world.world, ideas_world.reviewer
    idea = post(ideas_world.board, world.staff, coauthor_ids=[world.member.pk])
    with pytest.raises(PermissionDenied):
        services.idea_assign(idea=idea, reviewer=reviewer, by=world.member)
    services.idea_assign(idea=idea, reviewer=reviewer, by=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        services.idea_decide(idea=idea, by=reviewer, decision="adopt", reason="成本低,见效快")
    assert points(world.staff, adoption_rule.rule) == Decimal(10)
    assert points(world.member, adoption_rule.rule) == Decimal(10)  # the co-author too
    with pytest.raises(ApplicationError) as again:
        services.idea_decide(idea=idea, by=reviewer, decision="reject", reason="再来一次")
    assert again.value.status == 409
    # The same act recorded again (the natural key) stores nothing and scores nothing.
    services._record(actor=world.staff, verb=Verb.ADOPTED, idea=idea, key=("idea-decided", idea.pk, world.staff.pk))
    assert points(world.staff, adoption_rule.rule) == Decimal(10)
    adopted = Statement.objects.get(verb_id=Verb.ADOPTED, actor_user=world.staff)
    assert adopted.full["context"]["instructor"]["account"]["name"] == reviewer.username
    assert adopted.full["result"]["response"] == "成本低,见效快"
    services.idea_implement(idea=idea, by=reviewer, outcome="三个网格试点,订货电话减少四成")
    idea.refresh_from_db()
    assert idea.status == Idea.Status.IMPLEMENTED
    assert Statement.objects.filter(verb_id=Verb.IMPLEMENTED).count() == 2


@pytest.mark.django_db
def test_reject_and_merge_need_a_reason_and_record_rejected(ideas_world):
    world, reviewer = ideas_world.world, ideas_world.reviewer
    keep = post(ideas_world.board, world.staff)
    twin = post(ideas_world.board, world.member, title="扫码下单")
    with pytest.raises(ApplicationError):
        services.idea_decide(idea=twin, by=reviewer, decision="merge", reason="")
    with pytest.raises(ApplicationError):
        services.idea_decide(idea=twin, by=reviewer, decision="merge", reason="重复", merged_into=twin)
    services.idea_decide(idea=twin, by=reviewer, decision="merge", reason="与扫码订货相同", merged_into=keep)
    twin.refresh_from_db()
    assert (twin.status, twin.merged_into_id) == (Idea.Status.MERGED, keep.pk)
    assert Statement.objects.filter(verb_id=Verb.REJECTED, actor_user=world.member).count() == 1
    with pytest.raises(ApplicationError):
        services.idea_implement(idea=twin, by=reviewer, outcome="x")


# --- challenges --------------------------------------------------------------------------------------


@pytest.fixture
def badge_programme():
    from content.certification.models import Issuer, Programme

    issuer = Issuer.objects.create(name="杭州市烟草公司", url="https://example.org/")
    return Programme.objects.create(
        title="揭榜挂帅攻关能手",
        slug="challenge-solver",
        description="完成一个揭榜挂帅课题。",
        criteria="交付通过验收。",
        issuer=issuer,
    )


@pytest.mark.django_db
def test_a_challenge_cannot_be_delivered_before_claimed_nor_accepted_twice(
    ideas_world, adoption_rule, badge_programme, django_capture_on_commit_callbacks
):
    world, owner = ideas_world.world, ideas_world.reviewer
    with pytest.raises(PermissionDenied):
        services.challenge_post(
            by=world.staff, title="x", problem="y", owner_unit=world.city, deadline=timezone.localdate()
        )
    challenge = services.challenge_post(
        by=owner,
        title="夜间订货高峰分流",
        problem="每周一晚上订货系统排队,零售户等待超过十分钟。",
        owner_unit=world.city,
        deadline=timezone.localdate() + dt.timedelta(days=30),
        reward="团队奖励2000元",
        reward_points=15,
        skills="数据分析,系统运维",
        badge=badge_programme,
    )
    team = services.team_create(by=world.staff, name="城西攻关队", member_ids=[world.member.pk])
    claim = services.challenge_claim(challenge=challenge, team=team, by=world.staff, plan="先分析一个月的订货日志。")
    with pytest.raises(ApplicationError) as early:
        services.claim_deliver(claim=claim, by=world.staff, delivery="方案")
    assert (early.value.status, early.value.message) == (409, "出题单位确认揭榜后才能交付。")
    with pytest.raises(PermissionDenied):
        services.claim_accept(claim=claim, by=world.staff)
    services.claim_accept(claim=claim, by=owner)
    challenge.refresh_from_db()
    assert challenge.status == "in_progress"
    milestone = services.milestone_add(
        claim=claim, by=world.member, title="数据分析", due_on=timezone.localdate() - dt.timedelta(days=3)
    )
    assert milestone.warning() == "amber"
    assert milestone.warning(timezone.localdate() + dt.timedelta(days=10)) == "red"
    services.claim_deliver(claim=claim, by=world.staff, delivery="分时段订货方案与试点报告")
    services.delivery_return(claim=claim, by=owner, comment="补充试点数据")
    services.claim_deliver(claim=claim, by=world.staff, delivery="补充后的报告")
    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_accept(claim=claim, by=owner, comment="通过")
    with pytest.raises(ApplicationError) as twice:
        services.delivery_accept(claim=claim, by=owner)
    assert (twice.value.status, twice.value.message) == (409, "这个成果已经验收过了。")
    challenge.refresh_from_db()
    assert challenge.status == "completed"
    assert Statement.objects.filter(verb_id=Verb.ACCEPTED, activity_type=ActivityType.CHALLENGE).count() == 2
    assert points(world.staff, adoption_rule.accepted) == Decimal(15)
    assert points(world.member, adoption_rule.accepted) == Decimal(15)
    from content.certification.models import Certificate

    holders = set(
        Certificate.objects.valid().filter(programme=badge_programme).values_list("recipient__username", flat=True)
    )
    assert holders == {"zhao_staff", "wang_member"}


@pytest.mark.django_db
def test_a_support_pushes_each_room_once_after_commit_and_a_repeat_pushes_nothing(ideas_world, monkeypatch):
    from realtime import rooms

    world = ideas_world.world
    idea = post(ideas_world.board, world.staff)
    changed: list[tuple[str, str]] = []
    monkeypatch.setattr(rooms, "room_changed", lambda kind, key: changed.append((kind, key)))
    from django.db import connection as db
    from django.test import TestCase
    from django.test.utils import CaptureQueriesContext

    with TestCase.captureOnCommitCallbacks(execute=True), CaptureQueriesContext(db) as first:
        services.idea_support(idea=idea, user=world.member)
    assert changed == [("ideas", str(idea.pk)), ("ideas", f"board-{ideas_world.board.pk}")]
    with TestCase.captureOnCommitCallbacks(execute=True), CaptureQueriesContext(db) as second:
        services.idea_support(idea=idea, user=world.retailer)
    # The support row, the statement (one insert: no savepoint or id check of its own, the points rules held by the
    # process since posting the idea), the count, the fresh count; inside the test's transaction the support's own
    # transaction is a savepoint too.
    assert len(first) == 6, [query["sql"] for query in first]
    assert len(second) == len(first)  # the same work for every supporter
    changed.clear()
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        services.idea_support(idea=idea, user=world.member)
    assert (callbacks, changed) == ([], [])


@pytest.mark.django_db
def test_the_talent_pool_lists_people_with_results_first(ideas_world):
    world, reviewer = ideas_world.world, ideas_world.reviewer
    people = {str(world.member): world.member, str(world.staff): world.staff}
    for person in people.values():
        services.talent_profile_set(user=person, skills="数据分析", intro="")
    before = [row["name"] for row in selectors.talent_pool() if row["name"] in people]
    second = people[before[1]]  # by name, with no results yet
    idea = post(ideas_world.board, second)
    services.idea_assign(idea=idea, reviewer=reviewer, by=reviewer)
    services.idea_decide(idea=idea, by=reviewer, decision="adopt", reason="见效快")
    after = [row for row in selectors.talent_pool() if row["name"] in people]
    assert [row["name"] for row in after] == [before[1], before[0]]
    assert after[0]["adopted_ideas"] == 1
