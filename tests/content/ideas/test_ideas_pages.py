"""The ideas pages, as people use them on a phone: post, support, comment, report, review; the problem index,
a challenge, the talent pool, the counts and the moderator log. Writes are forms that redirect."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from content.ideas import services
from content.ideas.models import Challenge, Idea, ModerationLog
from core.activity.models import Statement
from core.activity.vocabulary import Verb


def _signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_a_staff_member_posts_supports_and_comments_through_the_pages(ideas_world, client):
    world, board = ideas_world.world, ideas_world.board
    _signed_in(client, world.staff)
    page = client.get(board.url)
    assert page.status_code == 200 and 'data-testid="post-idea"' in page.content.decode()
    form = client.get(f"{board.url}new/")
    assert form.status_code == 200
    posted = client.post(
        f"{board.url}new/",
        {
            "title": "扫码订货",
            "problem": "电话打不通",
            "proposal": "<p>贴二维码</p>",
            "tags": "订货",
            "action": "submit",
        },
    )
    idea = Idea.objects.get(title="扫码订货")
    assert posted.status_code == 302 and posted["Location"] == f"{board.url}{idea.pk}/"
    assert idea.status == Idea.Status.SUBMITTED
    client.post(f"{board.url}{idea.pk}/", {"action": "support"})
    client.post(f"{board.url}{idea.pk}/", {"action": "support"})
    client.post(f"{board.url}{idea.pk}/", {"action": "comment", "body": "<script>x</script>好"})
    idea.refresh_from_db()
    assert (idea.support_count, idea.comment_count) == (1, 1)
    detail = client.get(f"{board.url}{idea.pk}/").content.decode()
    assert "&lt;script&gt;x&lt;/script&gt;好" in detail and "<script>x" not in detail
    assert f'data-room="/ws/ideas/{idea.pk}/"' in detail
    # The short link and its QR code.
    short = client.get(f"{ideas_world.index.url}i/{idea.short_code}/")
    assert short.status_code == 302 and short["Location"] == f"{board.url}{idea.pk}/"
    qr = client.get(f"{ideas_world.index.url}i/{idea.short_code}/qr/")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content


@pytest.mark.django_db
def test_people_outside_the_scope_cannot_open_the_form(ideas_world, client):
    from core.people.models import Role, RoleAssignment, User

    outsider = User.objects.create(username="east", org_unit=ideas_world.world.other_department)
    RoleAssignment.objects.create(user=outsider, role=Role.STAFF)
    _signed_in(client, outsider)
    assert client.get(f"{ideas_world.board.url}new/").status_code == 403
    assert 'data-testid="post-idea"' not in client.get(ideas_world.board.url).content.decode()
    anonymous = client.logout() or client.get(f"{ideas_world.board.url}new/")
    assert anonymous.status_code == 302


@pytest.mark.django_db
def test_a_reviewer_adopts_on_the_review_page_and_others_may_not_open_it(ideas_world, client):
    world = ideas_world.world
    idea = services.idea_create(
        board=ideas_world.board, author=world.staff, title="t", problem="p", proposal="<p>x</p>"
    )
    _signed_in(client, world.member)
    assert client.get(f"{ideas_world.board.url}{idea.pk}/review/").status_code == 403
    _signed_in(client, ideas_world.reviewer)
    assert client.get(f"{ideas_world.board.url}{idea.pk}/review/").status_code == 200
    client.post(f"{ideas_world.board.url}{idea.pk}/review/", {"action": "adopt", "reason": "好"})
    idea.refresh_from_db()
    assert idea.status == Idea.Status.ADOPTED and idea.decision_reason == "好"
    assert Statement.objects.filter(verb_id=Verb.ADOPTED, actor_user=world.staff).count() == 1
    detail = client.get(idea.get_url()).content.decode()
    assert "好" in detail and 'data-testid="idea-status"' in detail


@pytest.mark.django_db
def test_hidden_ideas_and_the_moderator_log(ideas_world, client):
    world = ideas_world.world
    idea = services.idea_create(
        board=ideas_world.board, author=world.staff, title="t", problem="p", proposal="<p>x</p>"
    )
    services.idea_hide(idea=idea, by=ideas_world.moderator, note="待核实")
    _signed_in(client, world.member)
    assert client.get(idea.get_url()).status_code == 404
    log = client.get(f"{ideas_world.index.url}moderation/")
    assert log.status_code == 200 and "待核实" in log.content.decode()  # staff read the log
    _signed_in(client, world.retailer)
    assert client.get(f"{ideas_world.index.url}moderation/").status_code == 403
    _signed_in(client, ideas_world.moderator)
    client.post(idea.get_url(), {"action": "restore", "note": "恢复"})
    assert ModerationLog.objects.filter(action="restore", moderator=ideas_world.moderator).exists()


@pytest.mark.django_db
def test_problem_index_challenge_talent_and_counts_pages(ideas_world, client):
    world, owner = ideas_world.world, ideas_world.reviewer
    challenge = services.challenge_post(
        by=owner,
        title="夜间订货高峰分流",
        problem="排队",
        owner_unit=world.city,
        deadline=timezone.localdate() + dt.timedelta(days=10),
        skills="数据分析",
    )
    services.challenge_post(
        by=owner,
        title="服务站门头统一",
        problem="门头",
        owner_unit=world.city,
        deadline=timezone.localdate() + dt.timedelta(days=20),
        skills="陈列设计",
    )
    services.talent_profile_set(user=world.member, skills="数据分析,培训讲解", intro="会做报表")
    index = ideas_world.index.url
    found = client.get(f"{index}challenges/", {"q": "訂貨"}).content.decode()  # traditional characters
    assert "夜间订货高峰分流" in found and "服务站门头统一" not in found
    assert "服务站门头统一" in client.get(f"{index}challenges/", {"skill": "陈列"}).content.decode()
    _signed_in(client, world.staff)
    client.post(
        f"{index}challenges/{challenge.pk}/",
        {"action": "claim", "team_name": "城西队", "members": "wang_member", "plan": "先分析日志"},
    )
    claim = challenge.claims.get()
    assert claim.team.members.count() == 2
    _signed_in(client, owner)
    client.post(f"{index}challenges/{challenge.pk}/", {"action": "accept_claim", "claim": claim.pk})
    challenge.refresh_from_db()
    assert challenge.status == Challenge.Status.IN_PROGRESS
    talent = client.get(f"{index}talent/", {"q": "数据"}).content.decode()
    assert "王建国" in talent
    counts = client.get(f"{index}staff/")
    assert counts.status_code == 200 and 'data-testid="counts-table"' in counts.content.decode()
    _signed_in(client, world.retailer)
    assert client.get(f"{index}staff/").status_code == 403
