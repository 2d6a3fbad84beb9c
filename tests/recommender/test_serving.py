"""Training from statements and serving in Django: the command, the model file, the API, the home
block, the template tag, live reload."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.template import Context, RequestContext, Template
from django.test import RequestFactory
from django.utils import timezone

from core.activity.items import item_iri
from core.activity.services import activity_record
from core.activity.vocabulary import ActivityType, Verb

pytestmark = pytest.mark.django_db

COURSES = {1: "卷烟陈列技巧", 2: "卷烟陈列进阶", 3: "小店记账", 4: "现金流管理", 5: "安全生产须知"}


def course_iri(pk):
    return item_iri(f"course:{pk}")


def learn(user, pk, verb=Verb.COMPLETED, days_ago=10):
    activity_record(
        actor=user,
        verb=verb,
        object_id=course_iri(pk),
        activity_type=ActivityType.COURSE,
        name=COURSES[pk],
        natural_key=("test", user.pk, pk, verb),
        timestamp=timezone.now() - dt.timedelta(days=days_ago),
    )


@pytest.fixture
def learners(world):
    """Twelve retailers in li_retailer's grid: half learn display (1, 2), half bookkeeping (3, 4);
    everybody took 5. li_retailer learned 1 only."""
    from core.people.models import Role, RoleAssignment, User

    people = []
    for i in range(12):
        u = User.objects.create(username=f"r{i}", display_name=f"零售户{i}", org_unit=world.grid)
        RoleAssignment.objects.create(user=u, role=Role.RETAILER)
        people.append(u)
        for pk in (1, 2, 5) if i % 2 == 0 else (3, 4, 5):
            learn(u, pk, days_ago=20 - i)
    learn(world.retailer, 1, days_ago=3)
    return people


@pytest.fixture
def model_dir(tmp_path, settings):
    from recommender.services import current_model_reset

    settings.RECOMMENDER_MODEL_DIR = tmp_path / "models"
    settings.RECOMMENDER_RELOAD_SECONDS = 0
    current_model_reset()
    yield settings.RECOMMENDER_MODEL_DIR
    current_model_reset()


def train():
    out = io.StringIO()
    call_command("train_recommender", "--no-progress", stdout=out)
    return out.getvalue()


def test_without_a_model_people_get_what_their_unit_learns(client, world, learners, model_dir):
    client.force_login(world.retailer)
    r = client.get("/api/recommendations?kind=course&limit=3")
    assert r.status_code == 200
    items = r.json()["items"]
    assert items[0]["item_id"] == "course:5"  # all twelve in the grid took it
    assert items[0]["reason_code"] == "popular_in_your_unit"
    assert items[0]["reason"] == "同片区的零售户都在学"
    assert "course:1" not in {i["item_id"] for i in items}  # completed


def test_train_writes_a_versioned_model_and_the_pointer(world, learners, model_dir):
    out = train()
    assert "interactions" in out, out
    assert "wrote" in out, out
    files = sorted(model_dir.glob("model-*.joblib"))
    assert len(files) == 1
    assert (model_dir / "current").read_text() == files[0].name
    assert not list(model_dir.glob(".tmp-*"))


def test_api_recommends_with_reasons_and_leaves_out_completed(client, world, learners, model_dir):
    train()
    client.force_login(world.retailer)
    r = client.get("/api/recommendations?kind=course&limit=3")
    assert r.status_code == 200
    items = r.json()["items"]
    ids = [i["item_id"] for i in items]
    assert ids[0] == "course:2"  # those who learned 1 went on to 2
    assert "course:1" not in ids
    assert items[0]["reason"] == "因为你学过《卷烟陈列技巧》"
    assert items[0]["title"] == "卷烟陈列进阶"
    r = client.get("/api/recommendations?limit=3", HTTP_ACCEPT_LANGUAGE="en")
    assert r.json()["items"][0]["reason"] == "Because you learned “卷烟陈列技巧”"


def test_a_person_without_history_gets_unit_popularity(client, world, learners, model_dir):
    from core.people.models import Role, RoleAssignment, User

    train()
    newcomer = User.objects.create(username="newcomer", org_unit=world.grid)
    RoleAssignment.objects.create(user=newcomer, role=Role.RETAILER)
    client.force_login(newcomer)
    items = client.get("/api/recommendations?kind=course&limit=2").json()["items"]
    assert items[0]["item_id"] == "course:5"
    assert items[0]["reason_code"] in {"popular_in_your_unit", "popular"}


def test_completing_a_course_takes_it_out_at_once_and_a_new_model_is_picked_up(client, world, learners, model_dir):
    from recommender.services import current_model

    train()
    first = current_model().version
    client.force_login(world.retailer)
    assert client.get("/api/recommendations?kind=course&limit=1").json()["items"][0]["item_id"] == "course:2"
    learn(world.retailer, 2, days_ago=0)
    ids = [i["item_id"] for i in client.get("/api/recommendations?kind=course&limit=5").json()["items"]]
    assert "course:2" not in ids
    train()
    assert current_model().version != first  # no restart needed


def test_api_needs_sign_in_and_checks_its_input(client, world, model_dir):
    r = client.get("/api/recommendations")
    assert r.status_code == 401
    client.force_login(world.retailer)
    r = client.get("/api/recommendations?kind=podcast")
    assert r.status_code == 422
    assert "message" in r.json()
    r = client.get("/api/recommendations?limit=500")
    assert r.status_code == 422


def test_home_page_shows_the_for_you_block_with_reasons(client, world, learners, model_dir):
    train()
    client.force_login(world.retailer)
    html = client.get("/").content.decode()
    assert 'data-testid="for-you"' in html
    assert "为你推荐" in html
    assert html.count('data-testid="for-you-item"') >= 2
    assert "因为你学过《卷烟陈列技巧》" in html


def test_home_page_has_no_block_for_visitors(client, model_dir):
    assert 'data-testid="for-you"' not in client.get("/").content.decode()


def test_template_tag_renders_the_block_for_a_kind(world, learners, model_dir):
    train()
    request = RequestFactory().get("/")
    request.user = world.retailer
    html = Template('{% load recommender_tags %}{% for_you kind="course" %}').render(RequestContext(request, {}))
    assert 'data-testid="for-you"' in html
    assert "卷烟陈列进阶" in html
    assert Template('{% load recommender_tags %}{% for_you kind="course" %}').render(Context({})) == ""
