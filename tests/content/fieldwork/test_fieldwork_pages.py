"""The pages people meet: a customer manager's list on a phone, check-in by the QR link (a GET writes nothing),
the checklist, a problem closed by both; the owner's QR page; the cockpit page and its API; per-status API answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from content.certification.cockpit_api import CockpitOut
from content.fieldwork.models import Problem, Question, Questionnaire, Visit
from content.fieldwork.services import shop_checkin_token
from core.activity.models import Statement

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_qr_link_shows_the_shop_and_only_the_button_checks_in(field):
    staff = _client(field.world.staff)
    token = shop_checkin_token(shop=field.world.shop)
    page = staff.get(f"/fieldwork/check-in/{token}/")
    assert page.status_code == 200 and "西湖便利店" in page.content.decode()
    assert not Visit.objects.exists() and not Statement.objects.exists()
    response = staff.post(f"/fieldwork/check-in/{token}/")
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/fieldwork/visits/{visit.pk}/"
    page = staff.get(f"/fieldwork/visits/{visit.pk}/")
    assert page.status_code == 200 and 'data-testid="checklist-form"' in page.content.decode()
    staff.post(f"/fieldwork/visits/{visit.pk}/finish/", {"checklist": ["宣传政策", "检查价签"]})
    visit.refresh_from_db()
    assert visit.checklist == ["宣传政策", "检查价签"] and visit.finished_at is not None
    deadline = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = staff.post(
        "/fieldwork/problems/new/",
        {"visit": visit.pk, "title": "缺少价签", "assignee": field.world.member.pk, "deadline": deadline},
    )
    problem = Problem.objects.get()
    assert response["Location"] == f"/fieldwork/problems/{problem.pk}/" and problem.shop == field.world.shop
    member = _client(field.world.member)
    member.post(f"/fieldwork/problems/{problem.pk}/close/", {"note": "已处理"})  # the responsible person
    staff.post(f"/fieldwork/problems/{problem.pk}/close/")  # the assigner
    problem.refresh_from_db()
    assert problem.status == Problem.Status.CLOSED
    owner = _client(field.world.retailer)
    assert owner.get(f"/fieldwork/visits/{visit.pk}/").status_code == 200
    owner.post(f"/fieldwork/visits/{visit.pk}/confirm/", {"comment": "好"})
    visit.refresh_from_db()
    assert visit.confirmed_at is not None


def test_an_expired_qr_link_says_so(field):
    token = shop_checkin_token(shop=field.world.shop, now=timezone.now() - dt.timedelta(hours=1))
    page = _client(field.world.staff).get(f"/fieldwork/check-in/{token}/")
    assert page.status_code == 400
    assert "This QR code has expired" in page.content.decode() or "二维码已过期" in page.content.decode()


def test_pages_answer_each_person_as_they_should(field):
    staff, retailer, editor = _client(field.world.staff), _client(field.world.retailer), _client(field.world.editor)
    assert staff.get("/fieldwork/").status_code == 200
    assert retailer.get("/fieldwork/").status_code == 403
    assert Client().get("/fieldwork/").status_code == 302
    page = retailer.get("/fieldwork/my-shop/")
    assert page.status_code == 200 and 'data-testid="qr-code"' in page.content.decode()
    assert staff.get("/fieldwork/problems/").status_code == 200
    assert retailer.get("/fieldwork/problems/").status_code == 403
    assert staff.get("/fieldwork/plans/").status_code == 200
    assert staff.get("/cockpit/").status_code == 200
    assert staff.get(f"/cockpit/?unit={field.world.other_grid.pk}").status_code == 403
    assert editor.get(f"/cockpit/screen/?unit={field.world.city.pk}").status_code == 200
    assert retailer.get("/cockpit/").status_code == 403
    api = staff.get("/api/cockpit")
    assert api.status_code == 200 and api.json()["unit"]["name"] == "城西市场部"
    assert {row["key"] for row in api.json()["indicators"]} >= {"visit-coverage", "open-problems"}
    # the kept snapshot's JSON goes out as it is: it must be what the documented schema describes
    assert CockpitOut.model_validate(api.json()).unit.id == api.json()["unit"]["id"]
    assert Client().get("/api/cockpit").status_code == 401
    assert retailer.get("/api/cockpit").status_code == 403


def test_the_api_answers_each_status_it_documents(field):
    staff = _client(field.world.staff)
    assert staff.get("/api/fieldwork/today").status_code == 200
    assert _client(field.world.retailer).get("/api/fieldwork/today").status_code == 403
    far = staff.post(
        "/api/fieldwork/check-in",
        {"shop": field.world.shop.pk, "latitude": 31.0, "longitude": 121.0},
        content_type="application/json",
    )
    assert far.status_code == 400 and far.json()["extra"]["limit"] == 200
    token = shop_checkin_token(shop=field.world.shop)
    made = staff.post("/api/fieldwork/check-in", {"token": token}, content_type="application/json")
    assert made.status_code == 201
    visit_id = made.json()["id"]
    done = staff.post(f"/api/fieldwork/visits/{visit_id}/finish", {"checklist": []}, content_type="application/json")
    assert done.status_code == 200
    again = staff.post(f"/api/fieldwork/visits/{visit_id}/finish", {"checklist": []}, content_type="application/json")
    assert again.status_code == 409
    assert staff.post("/api/fieldwork/visits/999999/finish", {}, content_type="application/json").status_code == 404
    deadline = (timezone.now() + dt.timedelta(days=1)).isoformat()
    raised = staff.post(
        "/api/fieldwork/problems",
        {"title": "断货", "assignee": field.world.member.pk, "deadline": deadline, "visit": visit_id},
        content_type="application/json",
    )
    assert raised.status_code == 201
    problem_id = raised.json()["id"]
    early = staff.post(
        f"/api/fieldwork/problems/{problem_id}/close", {}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert early.status_code == 400 and early.json()["message"] == "The responsible person closes it first."
    assert (
        _client(field.world.retailer)
        .post(f"/api/fieldwork/problems/{problem_id}/close", {}, content_type="application/json")
        .status_code
        == 404
    )
    survey = Questionnaire.objects.create(title="问卷", status="open", scope="role", scope_role="retailer")
    q = Question.objects.create(questionnaire=survey, text="满意吗", kind="scale", scale_max=5)
    retailer = _client(field.world.retailer)
    assert retailer.get(f"/api/fieldwork/questionnaires/{survey.pk}").status_code == 200
    assert staff.get(f"/api/fieldwork/questionnaires/{survey.pk}").status_code == 403
    first = retailer.post(
        f"/api/fieldwork/questionnaires/{survey.pk}/responses",
        {"answers": {str(q.pk): 5}},
        content_type="application/json",
    )
    assert first.status_code == 201
    second = retailer.post(
        f"/api/fieldwork/questionnaires/{survey.pk}/responses",
        {"answers": {str(q.pk): 4}},
        content_type="application/json",
    )
    assert second.status_code == 409
    assert retailer.get(f"/api/fieldwork/questionnaires/{survey.pk}/results").status_code == 403
    results = _client(field.world.editor).get(f"/api/fieldwork/questionnaires/{survey.pk}/results")
    assert results.status_code == 200 and results.json()["questions"][0]["options"][4]["count"] == 1
