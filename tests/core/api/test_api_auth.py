"""Bearer tokens and sessions under /api/, from the outside: a bearer client writes without a CSRF token, a
browser session still needs one, and every endpoint sees the same person whichever way they signed in."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import Site

from content.learning.models import CourseIndexPage, CoursePage
from realtime.models import Contest, Dimension, Index
from realtime.store import leaderboard_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(world):
    home = Site.objects.get(is_default_site=True).root_page.specific
    catalogue = home.add_child(instance=CourseIndexPage(title="学苑课程", slug="courses"))
    course = catalogue.add_child(instance=CoursePage(title="卷烟陈列技巧", slug="display-skills", summary="陈列"))
    course.save_revision().publish()
    return course


@pytest.fixture
def contests(world):
    store = leaderboard_store()
    store.clear()
    index = Index.objects.create(name="先锋指数", slug="pioneer-auth")
    Dimension.objects.create(index=index, name="学习成长", code="learning", weight=Decimal(1), sort_order=1)
    now = timezone.now()
    period = {"starts_at": now - dt.timedelta(days=3), "ends_at": now + dt.timedelta(days=7)}
    public = Contest.objects.create(name="城西擂台", slug="auth-arena", index=index, **period)
    private = Contest.objects.create(
        name="支部内赛", slug="auth-private", index=index, is_public=False, branches=[world.branch], **period
    )
    yield type("Contests", (), {"public": public, "private": private})
    store.clear()


def token_for(username: str, password: str) -> dict:
    response = Client().post(
        "/api/auth/token", {"username": username, "password": password}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_a_bearer_client_writes_without_a_csrf_token(world, course):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/api/learning/courses/{course.pk}/enrol", headers=token_for("li_retailer", world.password))
    assert response.status_code == 200, response.content
    assert response.json()["course_id"] == course.pk


def test_a_session_write_needs_the_csrf_token(world, course):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")  # a page with a form sets the CSRF cookie
    client.force_login(world.retailer)
    refused = client.post(f"/api/learning/courses/{course.pk}/enrol")
    assert refused.status_code == 403
    assert refused.json() == {"message": "CSRF 校验失败：请刷新页面后重试。", "extra": {}}

    token = client.cookies["csrftoken"].value
    accepted = client.post(f"/api/learning/courses/{course.pk}/enrol", headers={"X-CSRFToken": token})
    assert accepted.status_code == 200, accepted.content


def test_an_anonymous_write_is_asked_to_sign_in_not_refused_for_csrf(course):
    response = Client(enforce_csrf_checks=True).post(f"/api/learning/courses/{course.pk}/enrol")
    assert response.status_code == 401
    assert response.json() == {"message": "请先登录。", "extra": {}}


def test_a_wrong_token_beside_a_valid_session_signs_nobody_in(world):
    client = Client()
    client.force_login(world.retailer)
    assert client.get("/api/me").status_code == 200
    response = client.get("/api/me", headers={"Authorization": "Bearer wagtail_nottherealtoken"})
    assert response.status_code == 401


def test_my_index_with_a_bearer_token_is_the_same_as_with_a_session(world, contests):
    session = Client()
    session.force_login(world.member)
    by_session = session.get("/api/me/index")
    by_token = Client().get("/api/me/index", headers=token_for("wang_member", world.password))
    assert by_session.status_code == 200, by_session.content
    assert by_token.status_code == 200, by_token.content
    assert by_token.json() == by_session.json()
    assert by_token.json()["index"] == "先锋指数"


@pytest.mark.parametrize("role", ["member", "retailer", "staff", "editor"])
def test_my_standing_answers_for_every_role_with_a_token_and_a_session(world, contests, role):
    person = getattr(world, role)
    session = Client()
    session.force_login(person)
    by_session = session.get("/api/contests/auth-arena/me")
    by_token = Client().get("/api/contests/auth-arena/me", headers=token_for(person.username, world.password))
    # Nobody has points yet: a participant stands last with no points, anyone else is not on the board.
    assert by_token.status_code in (200, 404), by_token.content
    if role == "member":
        assert by_token.json()["score"] == 0
    assert (by_token.status_code, by_token.json()) == (by_session.status_code, by_session.json())


def test_a_members_only_board_accepts_a_members_token_as_it_accepts_their_session(world, contests):
    session = Client()
    session.force_login(world.member)
    assert session.get("/api/contests/auth-private/leaderboard").status_code == 200
    by_token = Client().get("/api/contests/auth-private/leaderboard", headers=token_for("wang_member", world.password))
    assert by_token.status_code == 200, by_token.content
    outsider = Client().get("/api/contests/auth-private/leaderboard", headers=token_for("li_retailer", world.password))
    assert outsider.status_code == 403
    assert Client().get("/api/contests/auth-private/leaderboard").status_code == 403
