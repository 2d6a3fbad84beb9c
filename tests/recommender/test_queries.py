"""Exact query counts of the recommender's database paths, in the style of tests/realtime/test_scoring.py: reading
the training data costs the same whatever the number of statements and people, and serving a signed-in person
reads the store once."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from test_serving import learn, learners, model_dir, train  # noqa: F401 (fixtures)

from core.people.models import Role, RoleAssignment, User
from recommender.selectors import training_frames
from recommender.serving import recommendations_for

pytestmark = pytest.mark.django_db


def queries(work) -> int:
    with CaptureQueriesContext(connection) as captured:
        work()
    return len(captured)


def test_reading_the_training_data_costs_the_same_for_more_people_and_statements(world, learners):  # noqa: F811
    """The statements (a count and the rows), the people's units and roles, and each registered kind's live items
    (courses; lessons and their courses: no pages here, so no tags to prefetch)."""
    few = queries(training_frames)
    for n in range(12):
        person = User.objects.create(username=f"more{n}", org_unit=world.grid)
        RoleAssignment.objects.create(user=person, role=Role.RETAILER)
        for pk in (1, 3, 5):
            learn(person, pk, days_ago=5)
    # 13: the statements, people, units and roles, and each registered kind's live items (courses, lessons, ideas,
    # challenges, station services, livestreams, volunteer activities): none grows with the data.
    assert queries(training_frames) == few == 13


def test_serving_a_person_reads_the_store_once(world, learners, model_dir):  # noqa: F811
    """With a model: what the person did since training and what they are done with, in one query; their segment
    is cached for a few minutes (the first call reads their roles)."""
    train()
    cache.clear()
    first = queries(lambda: recommendations_for(world.retailer, kind="course", limit=3))
    again = queries(lambda: recommendations_for(world.retailer, kind="course", limit=3))
    assert (first, again) == (2, 1)


def test_serving_without_a_model(world, learners, model_dir):  # noqa: F811
    """Without a model: the person's state and roles, the popularity in their unit and overall (cached for a
    minute), the registered kinds' live items (courses; lessons and their courses: none here) and so the titles
    the statements give (cached for five). Then only the person's state."""
    cache.clear()
    first = queries(lambda: recommendations_for(world.retailer, kind="course", limit=3))
    again = queries(lambda: recommendations_for(world.retailer, kind="course", limit=3))
    assert (first, again) == (14, 1)  # the first call lists every registered kind's items (cached after)
