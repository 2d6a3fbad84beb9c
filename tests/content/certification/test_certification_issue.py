"""Certificates are issued at once, exactly once, when a person meets a programme; expiry and renewal;
who may issue and revoke."""

from __future__ import annotations

from datetime import timedelta

import pytest
from certification_helpers import course_completed, meet_programme, quiz_finished
from django.core.exceptions import ValidationError
from django.utils import timezone

from content.certification.models import Certificate
from content.certification.services import add_months, certificate_issue, certificate_revoke
from core.activity.models import Statement
from core.activity.vocabulary import ActivityType, Verb
from core.errors import ApplicationError, PermissionDenied

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def earned(user):
    return Statement.objects.filter(actor_user=user, verb_id=Verb.EARNED, activity_type=ActivityType.CERTIFICATE)


def test_issued_at_once_when_the_last_requirement_is_met(cert):
    retailer = cert.world.retailer
    course_completed(retailer, cert.display)
    course_completed(retailer, cert.law)
    assert not Certificate.objects.filter(recipient=retailer).exists()

    quiz_finished(retailer, cert.exam, scaled=0.9)

    certificate = Certificate.objects.get(recipient=retailer)
    assert certificate.programme == cert.programme
    assert certificate.status == Certificate.Status.VALID
    assert certificate.expires_at == add_months(certificate.issued_at, 24)
    assert [item.get("course") or item.get("quiz") for item in certificate.evidence] == [
        "卷烟陈列技巧",
        "烟草专卖法规",
        "初级认证考试",
    ]
    statement = earned(retailer).get()
    assert statement.object_id.endswith(f"/certificates/{certificate.uuid}/assertion.json")
    assert statement.full["object"]["definition"]["name"] == {"zh-CN": "卷烟零售专业认证（初级）"}


def test_the_quiz_first_then_the_courses_also_issues(cert):
    retailer = cert.world.retailer
    quiz_finished(retailer, cert.exam, scaled=1.0)
    course_completed(retailer, cert.law)
    assert not Certificate.objects.exists()
    course_completed(retailer, cert.display)
    assert Certificate.objects.filter(recipient=retailer).count() == 1


def test_exactly_one_certificate_and_one_statement_however_often_the_requirements_are_met_again(cert):
    retailer = cert.world.retailer
    meet_programme(cert, retailer)
    quiz_finished(retailer, cert.exam, scaled=1.0, attempt=2)
    quiz_finished(retailer, cert.exam, scaled=0.95, attempt=3)
    certificate, created = certificate_issue(user=retailer, programme=cert.programme)

    assert created is False
    assert Certificate.objects.filter(recipient=retailer).count() == 1
    assert certificate == Certificate.objects.get(recipient=retailer)
    assert earned(retailer).count() == 1


def test_a_failed_final_quiz_does_not_certify_until_passed(cert):
    retailer = cert.world.retailer
    course_completed(retailer, cert.display)
    course_completed(retailer, cert.law)
    quiz_finished(retailer, cert.exam, scaled=0.7)
    assert not Certificate.objects.exists()
    quiz_finished(retailer, cert.exam, scaled=0.8, attempt=2)
    assert Certificate.objects.filter(recipient=retailer).count() == 1


def test_a_lower_programme_pass_mark_counts_a_failed_attempt_that_reaches_it(cert):
    cert.programme.pass_mark = 60
    cert.programme.save()
    retailer = cert.world.retailer
    course_completed(retailer, cert.display)
    course_completed(retailer, cert.law)
    quiz_finished(retailer, cert.exam, scaled=0.7)  # fails the quiz (80) but reaches the programme's 60
    assert Certificate.objects.filter(recipient=retailer).count() == 1


def test_the_pass_mark_cannot_be_above_the_final_quiz_own(cert):
    cert.programme.pass_mark = 90
    with pytest.raises(ValidationError) as error:
        cert.programme.full_clean()
    assert "pass_mark" in error.value.message_dict
    cert.programme.pass_mark = 80
    cert.programme.full_clean()


def test_an_inactive_programme_issues_nothing(cert):
    cert.programme.active = False
    cert.programme.save()
    meet_programme(cert, cert.world.retailer)
    assert not Certificate.objects.exists()


def test_expiry_and_renewal(cert):
    retailer = cert.world.retailer
    long_ago = timezone.now() - timedelta(days=800)
    old, created = certificate_issue(user=retailer, programme=cert.programme, issued_at=long_ago)
    assert created
    assert old.expires_at == add_months(long_ago, 24)
    assert old.status == Certificate.Status.EXPIRED
    assert not Certificate.objects.valid().exists()

    meet_programme(cert, retailer)  # passing again renews the certification

    renewed = Certificate.objects.valid().get(recipient=retailer)
    assert renewed != old
    assert renewed.expires_at > timezone.now() + timedelta(days=700)
    assert earned(retailer).count() == 2


def test_a_programme_without_validity_never_expires(cert):
    cert.programme.validity_months = None
    cert.programme.save()
    certificate, _ = certificate_issue(
        user=cert.world.retailer, programme=cert.programme, issued_at=timezone.now() - timedelta(days=5000)
    )
    assert certificate.expires_at is None
    assert certificate.status == Certificate.Status.VALID


def test_add_months_keeps_the_end_of_the_month():
    moment = timezone.now().replace(year=2025, month=1, day=31)
    assert add_months(moment, 1).date().isoformat() == "2025-02-28"
    assert add_months(moment, 13).date().isoformat() == "2026-02-28"
    assert add_months(moment, 24).date().isoformat() == "2027-01-31"


def test_only_the_platform_or_a_permitted_person_issues_by_hand(cert):
    with pytest.raises(PermissionDenied):
        certificate_issue(user=cert.world.retailer, programme=cert.programme, by=cert.world.staff)
    assert not Certificate.objects.exists()


def test_revocation_needs_an_editor_and_a_reason(cert):
    certificate, _ = certificate_issue(user=cert.world.retailer, programme=cert.programme)
    with pytest.raises(PermissionDenied) as denied:
        certificate_revoke(certificate=certificate, by=cert.world.staff, reason="弄错了")
    assert denied.value.message == "你无权撤销证书。"
    with pytest.raises(ApplicationError) as no_reason:
        certificate_revoke(certificate=certificate, by=cert.world.editor, reason="  ")
    assert no_reason.value.message == "请填写撤销原因。"

    revoked = certificate_revoke(certificate=certificate, by=cert.world.editor, reason="考试作弊")

    assert revoked.status == Certificate.Status.REVOKED
    assert revoked.revoked_by == cert.world.editor
    assert revoked.revocation_reason == "考试作弊"
    with pytest.raises(ApplicationError) as again:
        certificate_revoke(certificate=revoked, by=cert.world.editor, reason="再次")
    assert again.value.status == 409


def test_a_revoked_certificate_is_earned_again_by_meeting_the_programme_again(cert):
    retailer = cert.world.retailer
    meet_programme(cert, retailer)
    certificate_revoke(certificate=Certificate.objects.get(), by=cert.world.editor, reason="资料有误")
    assert not Certificate.objects.valid().exists()
    quiz_finished(retailer, cert.exam, scaled=1.0, attempt=2)
    assert Certificate.objects.valid().filter(recipient=retailer).count() == 1
