"""The trust rule (DESIGN.md, issue #11 item 1), from the outside in: an xAPI client an admin has not trusted
can store statements about anyone, and they are served back as xAPI requires, but they change nothing else:
no certificate, no learning progress, no points, and the recommender does not count the courses as done.
The same statements from a trusted client do issue the certificate."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import TestCase
from django.utils import timezone
from wagtail.models import Site

from content.certification.models import Certificate, Issuer, Programme, ProgrammeCourse
from content.learning.models import CourseIndexPage, CoursePage, Enrolment, LessonProgress, QuizAttempt, QuizPage
from core.activity.models import Statement
from core.activity.services import activity_record, xapi_client_create
from core.activity.vocabulary import ActivityType, Verb
from core.people.models import Role
from realtime.models import Contest, Dimension, Index, PointsEntry, Rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(world):
    """Two courses and a final quiz make a programme; completing a course also earns contest points."""
    home = Site.objects.get(is_default_site=True).root_page.specific
    catalogue = home.add_child(instance=CourseIndexPage(title="学苑课程", slug="courses"))
    display = catalogue.add_child(
        instance=CoursePage(title="卷烟陈列技巧", slug="display", summary="柜台陈列的基本功", category="display")
    )
    law = catalogue.add_child(instance=CoursePage(title="烟草专卖法规", slug="law", summary="依法经营", category="law"))
    exam = catalogue.add_child(instance=QuizPage(title="初级认证考试", slug="exam", pass_mark=80))
    issuer = Issuer.objects.create(name="培训中心", url="https://training.example.cn/", email="training@example.cn")
    programme = Programme.objects.create(
        title="卷烟零售专业认证（初级）",
        slug="retail-basic",
        description="d",
        criteria="c",
        final_quiz=exam,
        pass_mark=80,
        issuer=issuer,
    )
    ProgrammeCourse.objects.create(programme=programme, course=display, sort_order=0)
    ProgrammeCourse.objects.create(programme=programme, course=law, sort_order=1)
    index = Index.objects.create(name="先锋指数", slug="pioneer", eligible_role=Role.PARTY_MEMBER)
    dimension = Dimension.objects.create(index=index, name="学习成长", code="learning", weight=Decimal(1))
    Rule.objects.create(
        name="完成课程", dimension=dimension, verb=Verb.COMPLETED, activity_type=ActivityType.COURSE, points=Decimal(5)
    )
    now = timezone.now()
    Contest.objects.create(
        name="党员擂台",
        slug="arena",
        index=index,
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=10),
        org_unit=world.city,
        arena=True,
    )
    cache.clear()  # the recommender caches titles and popularity
    return programme, display, law, exam


@pytest.fixture
def model_dir(tmp_path, settings):
    from recommender.services import current_model_reset

    settings.RECOMMENDER_MODEL_DIR = tmp_path / "models"  # no model: recommendations from the catalogue
    current_model_reset()
    yield
    current_model_reset()


def xapi_headers(*, trusted: bool) -> dict:
    client, secret = xapi_client_create(name=f"client-{trusted}", trusted=trusted)
    token = base64.b64encode(f"{client.key}:{secret}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}", "HTTP_X_EXPERIENCE_API_VERSION": "1.0.3"}


def forged_record(settings, victim, display, law, exam) -> list[dict]:
    """Everything the programme asks, said by a client on `victim`'s behalf."""
    actor = {"objectType": "Agent", "account": {"homePage": settings.XAPI_ACCOUNT_HOMEPAGE, "name": victim.username}}

    def statement(verb, page, activity_type, result=None):
        body = {
            "id": str(uuid.uuid4()),
            "actor": actor,
            "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
            "object": {"objectType": "Activity", "id": page.activity_iri, "definition": {"type": activity_type}},
        }
        if result is not None:
            body["result"] = result
        return body

    return [
        statement(Verb.COMPLETED, display, ActivityType.COURSE, {"completion": True}),
        statement(Verb.COMPLETED, law, ActivityType.COURSE, {"completion": True}),
        statement(Verb.PASSED, exam, ActivityType.ASSESSMENT, {"score": {"scaled": 1.0}, "success": True}),
    ]


def post(client, headers, body):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/xapi/statements", json.dumps(body), content_type="application/json", **headers)


def test_an_untrusted_client_cannot_certify_anyone_but_a_trusted_one_can(client, world, programme, model_dir, settings):
    _programme, display, law, exam = programme
    victim = world.member
    untrusted = xapi_headers(trusted=False)
    forged = forged_record(settings, victim, display, law, exam)

    response = post(client, untrusted, forged)

    assert response.status_code == 200, response.content
    assert response.json() == [s["id"] for s in forged]
    served = client.get("/xapi/statements", {"verb": Verb.COMPLETED}, **untrusted).json()["statements"]
    assert {s["id"] for s in served} == {forged[0]["id"], forged[1]["id"]}
    assert Statement.objects.filter(actor_user=victim).count() == 3
    assert not Certificate.objects.filter(recipient=victim).exists()
    assert not Statement.objects.filter(actor_user=victim, verb_id=Verb.EARNED).exists()
    assert not Enrolment.objects.filter(user=victim).exists()
    assert not LessonProgress.objects.filter(user=victim).exists()
    assert not QuizAttempt.objects.filter(user=victim).exists()
    assert not PointsEntry.objects.filter(user=victim).exists()
    client.force_login(victim)
    recommended = client.get("/api/recommendations?kind=course&limit=5").json()["items"]
    assert {item["item_id"] for item in recommended} == {display.item_id, law.item_id}

    trusted = xapi_headers(trusted=True)
    response = post(client, trusted, forged_record(settings, victim, display, law, exam))

    assert response.status_code == 200, response.content
    certificate = Certificate.objects.get(recipient=victim)
    assert certificate.programme == _programme
    assert PointsEntry.objects.filter(user=victim).count() == 2


def voiding(target_id: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "mbox": "mailto:ops@partner.example.com"},
        "verb": {"id": Verb.VOIDED, "display": {"en-US": "voided"}},
        "object": {"objectType": "StatementRef", "id": target_id},
    }


def test_an_untrusted_client_voids_only_its_own_statements(client, world, programme, settings):
    """Voiding changes what every reader sees (points, certificates, "done"), so the trust rule holds there too:
    an untrusted client's voiding statement is stored and served, but voids only what that client sent."""
    _programme, display, law, exam = programme
    with TestCase.captureOnCommitCallbacks(execute=True):
        platform_statement = activity_record(
            actor=world.member,
            verb=Verb.COMPLETED,
            object_id=display.activity_iri,
            activity_type=ActivityType.COURSE,
            name=display.title,
            natural_key=("test-completed", world.member.pk, display.pk),
        ).statement
    assert PointsEntry.objects.filter(user=world.member).count() == 1
    untrusted = xapi_headers(trusted=False)
    own = forged_record(settings, world.retailer, display, law, exam)[0]
    post(client, untrusted, own)
    trusted = xapi_headers(trusted=True)

    refused, early = voiding(str(platform_statement.pk)), voiding(str(uuid.uuid4()))
    response = post(client, untrusted, [refused, voiding(own["id"]), early])

    assert response.status_code == 200, response.content
    assert client.get("/xapi/statements", {"statementId": refused["id"]}, **untrusted).status_code == 200
    assert client.get("/xapi/statements", {"voidedStatementId": own["id"]}, **untrusted).status_code == 200
    assert client.get("/xapi/statements", {"statementId": str(platform_statement.pk)}, **trusted).status_code == 200
    assert PointsEntry.objects.filter(user=world.member).count() == 1
    # Nor may it void in advance a statement another client sends later.
    later = dict(forged_record(settings, world.member, display, law, exam)[1], id=early["object"]["id"])
    post(client, trusted, later)
    assert client.get("/xapi/statements", {"statementId": later["id"]}, **trusted).status_code == 200
