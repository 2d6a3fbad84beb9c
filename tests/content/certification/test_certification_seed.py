"""The demo's certificates agree with the demo's statements: no certificate without its evidence, and every
evidence item backed by the trusted statements it claims, dated before the certificate. Nothing in the seed's
history happens after the seed's "now".

demo_retailer earned her basic certificate on the platform: its evidence names exactly the programme's courses
and final exam, and she has the statements for exactly those. Shop owners certified in bulk passed the offline
exam, which the old exam system (a trusted xAPI client) reported as statements.
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone

from content.certification.models import Certificate, Programme
from content.learning.models import Enrolment, LessonProgress, QuizAttempt
from core.activity.models import Statement
from core.activity.vocabulary import ActivityType, Verb

pytestmark = pytest.mark.slow

SHOPS = "60"


@pytest.fixture
def seeded(db):
    call_command(
        "seed_demo",
        "--shops",
        SHOPS,
        "--seed",
        "7",
        "--no-progress",
        "--only",
        "people",
        "--only",
        "learning",
        "--only",
        "certification",
        verbosity=0,
    )
    return timezone.now()


def _claims(item: dict) -> tuple[str, set[str], str]:
    """(activity IRI, verbs that back it, activity type) an evidence item claims."""
    if "course" in item:
        return item["activity"], {Verb.COMPLETED}, ActivityType.COURSE
    return item["activity"], {Verb.PASSED}, ActivityType.ASSESSMENT


def check_every_certificate_has_the_statements_its_evidence_names():
    certificates = list(Certificate.objects.select_related("programme", "recipient"))
    assert len(certificates) > 20
    statements: dict[tuple[int, str], list[Statement]] = defaultdict(list)
    for statement in Statement.objects.trusted().filter(
        actor_user_id__in={c.recipient_id for c in certificates}, voided=False
    ):
        statements[(statement.actor_user_id, statement.object_id)].append(statement)
    for certificate in certificates:
        assert certificate.evidence, f"{certificate} has no evidence"
        for item in certificate.evidence:
            assert item.get("activity"), f"{certificate}: evidence {item} names no activity"
            activity, verbs, activity_type = _claims(item)
            backing = [
                s
                for s in statements[(certificate.recipient_id, activity)]
                if s.verb_id in verbs and s.activity_type == activity_type and s.timestamp <= certificate.issued_at
            ]
            assert backing, f"{certificate}: no trusted statement before issue backs {item}"
            if "score" in item:
                best = max(s.full["result"]["score"]["scaled"] for s in backing)
                assert best == pytest.approx(item["score"]), (certificate, item)
                assert round(best * 100, 6) >= certificate.programme.pass_mark


def check_the_retailers_certificate_names_exactly_what_she_did():
    programme = Programme.objects.get(slug="retail-basic")
    certificate = Certificate.objects.valid().get(recipient__username="demo_retailer", programme=programme)
    courses = [link.course for link in programme.required_courses.select_related("course").order_by("sort_order")]
    assert [item.get("course") for item in certificate.evidence[:-1]] == [course.title for course in courses]
    assert certificate.evidence[-1]["quiz"] == programme.final_quiz.title
    # Her statements about the programme's courses and exam: exactly the evidence's.
    named = {item["activity"] for item in certificate.evidence}
    required = {course.activity_iri for course in courses} | {programme.final_quiz.activity_iri}
    assert named == required
    done = set(
        Statement.objects.trusted()
        .filter(actor_user=certificate.recipient, voided=False, verb_id__in=[Verb.COMPLETED, Verb.PASSED])
        .filter(object_id__in=required)
        .values_list("object_id", flat=True)
    )
    assert done == required
    # Issued when she passed the exam, which came after her courses, and announced by an "earned" statement.
    passed = Statement.objects.get(
        actor_user=certificate.recipient, verb_id=Verb.PASSED, object_id=programme.final_quiz.activity_iri
    )
    assert certificate.issued_at == passed.timestamp
    earned = Statement.objects.filter(
        actor_user=certificate.recipient, verb_id=Verb.EARNED, activity_type=ActivityType.CERTIFICATE
    )
    assert earned.count() == 1
    assert Certificate.objects.filter(recipient=certificate.recipient).count() == 1


def check_nothing_in_the_seeds_history_happens_in_the_future(now):
    assert not Statement.objects.filter(timestamp__gt=now).exists()
    assert not Enrolment.objects.filter(completed_at__gt=now).exists()
    assert not Enrolment.objects.filter(enrolled_at__gt=now).exists()
    assert not LessonProgress.objects.filter(completed_at__gt=now).exists()
    assert not QuizAttempt.objects.filter(submitted_at__gt=now).exists()
    assert not Certificate.objects.filter(issued_at__gt=now).exists()


def check_the_video_programme_is_nobodys_yet_and_its_course_is_videos_only():
    programme = Programme.objects.get(slug="store-routine")
    assert not programme.certificates.exists()
    (link,) = programme.required_courses.select_related("course")
    lessons = list(link.course.lessons())
    assert [lesson.kind for lesson in lessons] == ["video", "video", "video"]
    assert {lesson.duration_seconds for lesson in lessons} == {4}


def test_the_seeds_certificates_agree_with_its_statements(seeded):
    """One seed (a few minutes on a busy machine), every check."""
    check_every_certificate_has_the_statements_its_evidence_names()
    check_the_retailers_certificate_names_exactly_what_she_did()
    check_nothing_in_the_seeds_history_happens_in_the_future(seeded)
    check_the_video_programme_is_nobodys_yet_and_its_course_is_videos_only()
