"""The certification handler is a batch handler: a batch's work costs a fixed number of queries whatever its size,
plus a fixed number per certificate it issues."""

from __future__ import annotations

import pytest
from certification_helpers import course_completed, quiz_finished
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.certification.models import Certificate
from content.certification.services import statements_certify
from core.activity import services as activity_services
from core.activity.models import Statement
from core.activity.vocabulary import ActivityType
from core.people.models import Role, RoleAssignment, User

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


@pytest.fixture
def learners(world):
    people = []
    for n in range(10):
        person = User.objects.create(username=f"learner{n}", display_name=f"学员{n}", org_unit=world.grid)
        RoleAssignment.objects.create(user=person, role=Role.RETAILER)
        people.append(person)
    return people


@pytest.fixture
def unhandled(monkeypatch):
    """Record statements without running the handlers, so the test hands them to the handler itself."""
    monkeypatch.setattr(activity_services, "_batch_handlers", [])


def recorded(*results):
    return [result.statement for result in results]


def quiz_statements(people) -> list[Statement]:
    """What quiz_finished recorded for these people ("answered", then "passed" or "failed"), in that order."""
    rows = Statement.objects.filter(actor_user__in=people, activity_type=ActivityType.ASSESSMENT)
    return list(rows.order_by("actor_user_id", "timestamp"))


def queries(statements) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as captured:
        issued = statements_certify(statements)
    return len(captured), issued


def test_a_batch_that_issues_nothing_costs_six_queries_whatever_its_size(cert, learners, unhandled):
    """The active programmes (with their courses and final quiz: three), the certificates the people hold, their
    completed courses and their quiz scores."""
    one = recorded(course_completed(learners[0], cert.display))
    many = recorded(*(course_completed(person, course) for person in learners for course in (cert.display, cert.law)))
    assert queries(one) == (6, [])
    assert queries(many) == (6, [])
    assert not Certificate.objects.exists()


def test_statements_about_nothing_certifiable_cost_no_query(cert, learners, unhandled, django_assert_num_queries):
    from certification_helpers import course_enrolled

    batch = recorded(*(course_enrolled(person, cert.display) for person in learners))
    with django_assert_num_queries(0):
        assert statements_certify(batch) == []


def test_each_certificate_issued_adds_the_same_queries(cert, learners, unhandled):
    for person in learners:
        course_completed(person, cert.display)
        course_completed(person, cert.law)
    for n, person in enumerate(learners[:7]):
        quiz_finished(person, cert.exam, scaled=0.5 if n < 3 else 1.0)
    nobody, one, three = (quiz_statements(people) for people in (learners[:3], learners[3:4], learners[4:7]))

    base, issued = queries(nobody)
    assert (base, issued) == (6, [])
    with_one, issued = queries(one)
    assert [c.recipient for c in issued] == [learners[3]]
    per_certificate = with_one - base - 1  # one more query loads the people who earned one
    with_three, issued = queries(three)
    assert [c.recipient for c in issued] == learners[4:7]
    assert with_three == base + 1 + 3 * per_certificate
    # A second look changes nothing: they hold valid certificates now.
    assert queries(three) == (4, [])
