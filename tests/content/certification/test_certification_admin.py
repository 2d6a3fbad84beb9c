"""Editors keep issuers and programmes in the Wagtail admin and can look at certificates."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from content.certification.models import Programme
from content.certification.services import certificate_issue

pytestmark = pytest.mark.django_db


def test_an_editor_creates_a_programme_with_required_courses_and_a_final_quiz(cert, client):
    client.force_login(cert.world.editor)
    add_url = reverse("wagtailsnippets_certification_programme:add")
    assert client.get(add_url).status_code == 200
    data = nested_form_data(
        {
            "title": "零售经营分析师",
            "slug": "analyst",
            "description": "会看数据的零售户",
            "criteria": "学完陈列课并通过考试",
            "final_quiz": cert.exam.pk,
            "pass_mark": 80,
            "validity_months": 36,
            "issuer": cert.issuer.pk,
            "tags": "",
            "active": "on",
            "required_courses": inline_formset([{"course": cert.display.pk}]),
        }
    )

    response = client.post(add_url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    programme = Programme.objects.get(slug="analyst")
    assert [link.course_id for link in programme.required_courses.all()] == [cert.display.pk]
    assert programme.final_quiz_id == cert.exam.pk

    data["slug"] = "analyst-2"
    data["pass_mark"] = 95  # above the final quiz's own 80
    response = client.post(add_url, data)
    assert response.status_code == 200
    assert not Programme.objects.filter(slug="analyst-2").exists()


def test_the_certificate_screens_open_for_an_editor(cert, client):
    certificate, _ = certificate_issue(user=cert.world.retailer, programme=cert.programme)
    client.force_login(cert.world.editor)
    assert client.get(reverse("wagtailsnippets_certification_issuer:list")).status_code == 200
    assert client.get(reverse("wagtailsnippets_certification_programme:list")).status_code == 200
    listing = client.get(reverse("wagtailsnippets_certification_certificate:list") + "?q=li_retailer")
    assert listing.status_code == 200
    assert "李春梅" in listing.content.decode()
    inspect = client.get(reverse("wagtailsnippets_certification_certificate:inspect", args=[certificate.pk]))
    assert inspect.status_code == 200
    assert str(certificate.uuid) in inspect.content.decode()


def test_nobody_adds_edits_or_deletes_a_certificate_in_the_admin(cert, client, admin_user):
    certificate, _ = certificate_issue(user=cert.world.retailer, programme=cert.programme)
    client.force_login(admin_user)
    assert client.get(reverse("wagtailsnippets_certification_certificate:add")).status_code in {302, 403}
    assert client.get(reverse("wagtailsnippets_certification_certificate:edit", args=[certificate.pk])).status_code in {
        302,
        403,
    }
    delete = reverse("wagtailsnippets_certification_certificate:delete", args=[certificate.pk])
    assert client.post(delete).status_code in {302, 403}
    certificate.refresh_from_db()
    listing = client.get(reverse("wagtailsnippets_certification_certificate:list"))
    assert listing.status_code == 200
