"""What people read on the boards: the branch board shows the viewer's own branch and its neighbours wherever it
stands, labelled with the branch's name; points are written one way on the server and in the browser; version
numbers are never shown; whether names are masked is one setting of the contest, the same for the live board, the
REST snapshot, the stream, the final standings and the archive."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from io import StringIO

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.management import call_command
from django.utils import timezone

from core.people.models import PartyBranch
from realtime.models import Contest, Index
from realtime.routing import websocket_urlpatterns
from realtime.store import leaderboard_store
from realtime.templatetags.points import points_text


@pytest.fixture
def store():
    store = leaderboard_store()
    store.clear()
    yield store
    store.clear()


@pytest.fixture
def branches(world, store):
    """A running branch contest of 25 branches: 支部01 leads with 250 points, each next one has 10 fewer; the world's
    branch (王建国's, 城西市场部党支部) stands 22nd with 41.5 points."""
    index = Index.objects.create(name="堡垒指数", slug="fortress-t", scope=Index.Scope.BRANCH)
    now = timezone.now()
    contest = Contest.objects.create(
        name="支部比拼",
        slug="branches-t",
        index=index,
        ranking=Contest.Ranking.TEAM,
        starts_at=now - dt.timedelta(days=5),
        ends_at=now + dt.timedelta(days=5),
    )
    others = [
        PartyBranch.objects.create(name=f"支部{i:02d}", code=f"T{i:02d}", org_unit=world.department)
        for i in range(1, 25)
    ]
    scores = {f"b{branch.pk}": Decimal(260 - 10 * i) for i, branch in enumerate(others, start=1)}
    scores[f"b{world.branch.pk}"] = Decimal("41.50")
    store.replace(contest.pk, scores)
    return contest


def names_of(html: str, testid: str) -> list[str]:
    return [
        " ".join(re.sub(r"<[^>]+>", " ", body).split())
        for body in re.findall(rf'data-testid="{testid}"[^>]*>(.*?)</li>', html, re.S)
    ]


def test_a_member_whose_branch_is_22nd_sees_it_and_its_neighbours_on_the_branch_board(client, world, branches):
    client.force_login(world.member)
    html = client.get("/branches/").content.decode()
    top = names_of(html, "branch-row")
    assert len(top) == 20 and not any("城西市场部党支部" in row for row in top)
    assert "你的支部" in html and "前 20 个支部" in html
    assert re.search(r'data-testid="your-branch-name">城西市场部党支部<', html)
    assert re.search(r'data-testid="your-branch-rank">22<', html)
    assert re.search(r'data-testid="your-branch-score">41.50<', html)
    assert names_of(html, "branch-neighbour-row") == [
        "19 支部19 70",
        "20 支部20 60",
        "21 支部21 50",
        "23 支部22 40",
        "24 支部23 30",
        "25 支部24 20",
    ]
    # The branch's own row carries the branch's name, never the person's.
    assert names_of(html, "branch-neighbour-mine") == ["22 城西市场部党支部 41.50"]
    api = client.get("/api/branches/board").json()
    assert len(api["entries"]) == 20
    assert (api["you"]["rank"], api["you"]["name"], api["you"]["score"]) == (22, "城西市场部党支部", 41.5)


def test_the_team_contest_page_labels_the_viewers_row_with_the_branch(client, world, branches):
    client.force_login(world.member)
    html = client.get("/contests/branches-t/").content.decode()
    assert "你的支部" in html
    assert names_of(html, "neighbour-me") == ["22 城西市场部党支部 41.50"]
    assert 'data-me-label="城西市场部党支部"' in html
    assert "王建国" not in html.split('data-testid="you"')[1]
    me = client.get("/api/contests/branches-t/me").json()
    assert (me["rank"], me["user"], me["name"]) == (22, world.branch.pk, "城西市场部党支部")


def test_a_member_without_a_branch_sees_the_top_only(client, world, branches):
    client.force_login(world.staff)
    html = client.get("/branches/").content.decode()
    assert len(names_of(html, "branch-row")) == 20 and 'data-testid="your-branch"' not in html


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("126.40"), "126.40"),
        (126.4, "126.40"),
        (Decimal("126"), "126"),
        (Decimal("126.00"), "126"),
        (Decimal("7412.4"), "7,412.40"),
        (Decimal("0.05"), "0.05"),
        (Decimal("1234567"), "1,234,567"),
        (None, "—"),
    ],
)
def test_points_are_written_one_way(value, shown):
    assert points_text(value) == shown


def test_the_board_shows_no_version_number_and_the_big_screen_totals_follow_an_endpoint(client, world, branches):
    store = leaderboard_store()
    version = store.version(branches.pk)
    html = client.get("/contests/branches-t/").content.decode()
    assert str(version) not in re.sub(r'data-version="\d+"', "", html)
    assert "版本" not in html
    html = client.get("/contests/branches-t/screen/").content.decode()
    assert 'data-testid="total-points" data-stat="total">3,281.50<' in html
    assert 'data-stats-url="/api/contests/branches-t/stats"' in html
    assert client.get("/api/contests/branches-t/stats").json() == {
        "contest": "branches-t",
        "participants": 25,
        "total": 3281.5,
    }
    store.apply({branches.pk: {f"b{world.branch.pk}": Decimal("10.90")}})
    assert client.get("/api/contests/branches-t/stats").json()["total"] == 3292.4


@pytest.fixture
def people_contests(world, store):
    """王建国 (10) and 赵敏 (5) on a running individual contest and on a frozen one, both set to mask names."""
    from core.activity.services import activity_record
    from core.activity.vocabulary import ActivityType, Verb
    from realtime.models import Dimension, Rule

    index = Index.objects.create(name="先锋指数", slug="names-index")
    learning = Dimension.objects.create(index=index, name="学习成长", code="learning", weight=Decimal(1))
    Rule.objects.create(
        name="完成课程", dimension=learning, verb=Verb.COMPLETED, activity_type=ActivityType.COURSE, points=Decimal(5)
    )
    now = timezone.now()
    days = dt.timedelta(days=1)
    frozen = Contest.objects.create(
        name="上月擂台", slug="names-frozen", index=index, starts_at=now - 40 * days, ends_at=now - 2 * days
    )
    live = Contest.objects.create(
        name="本月擂台", slug="names-live", index=index, starts_at=now - 10 * days, ends_at=now + 10 * days
    )
    for n, (user, times) in enumerate(((world.member, 2), (world.staff, 1))):
        for k in range(times):
            activity_record(
                actor=user,
                verb=Verb.COMPLETED,
                object_id=f"https://example.org/names/{n}/{k}",
                activity_type=ActivityType.COURSE,
                name="课程",
                natural_key=("names", n, k),
                timestamp=now - 3 * days,
            )
    call_command("freeze_contests", stdout=StringIO())
    call_command("rebuild_leaderboards", stdout=StringIO())
    return live, frozen


async def _first_message(slug: str) -> dict:
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/contests/{slug}/")
    connected, _code = await communicator.connect(timeout=10)
    assert connected
    message = json.loads(await communicator.receive_from(timeout=10))
    await communicator.disconnect()
    return message


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("names", ["full", "masked"])
def test_one_rule_masks_names_live_and_frozen_on_pages_rest_and_the_stream(client, world, people_contests, names):
    live, frozen = people_contests
    frozen.refresh_from_db()
    assert frozen.frozen_at is not None
    for contest in (live, frozen):  # as the admin saves it (the sockets' contest cache forgets it)
        contest.names = names
        contest.save()
    expected = ["王建国", "赵敏"] if names == "full" else ["王**", "赵*"]
    for slug in ("names-live", "names-frozen"):
        html = client.get(f"/contests/{slug}/").content.decode()
        assert re.findall(r'data-testid="row-name">([^<]*)<', html) == expected, slug
        rest = client.get(f"/api/contests/{slug}/leaderboard").json()
        assert [e["name"] for e in rest["entries"]] == expected
        stream = async_to_sync(_first_message)(slug)
        assert [e["name"] for e in stream["entries"]] == expected
    archive = client.get("/contests/").content.decode()
    assert f"<td>{expected[0]}</td>" in archive  # the frozen contest's winner
    listed = {c["slug"]: (c["names"], c["anonymised"]) for c in client.get("/api/contests").json()}
    assert listed["names-live"] == (names, names == "masked")
    # A person always sees their own name.
    client.force_login(world.staff)
    me = client.get("/api/contests/names-live/me").json()
    assert me["name"] == "赵敏"


def test_the_name_rule_is_a_choice_in_the_contest_admin(client, world, people_contests):
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.create_superuser("root", password="x")
    client.force_login(admin)
    live, _frozen = people_contests
    html = client.get(f"/admin/snippets/realtime/contest/edit/{live.pk}/").content.decode()
    assert 'name="names"' in html and 'type="radio"' in html and "王**" in html
