"""Shared set-up for the contests tests (scoring, ledger, leagues, store, selectors): the pioneer index with its
rules and a running city contest on top of the conftest `world`, and helpers that record statements the way
features do (through activity_record) and run what happens after commit."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.test import TestCase
from django.utils import timezone

from core.activity.services import activity_record
from core.activity.vocabulary import ActivityType, Verb
from core.people.models import Role, RoleAssignment, User
from realtime.models import Contest, Dimension, Index, PointsEntry, Rule
from realtime.store import leaderboard_store

_counter = itertools.count()


@pytest.fixture
def clean_store():
    store = leaderboard_store()
    store.clear()
    yield store
    store.clear()


@pytest.fixture
def web_worker():
    """Count queries as a web worker does once it has served a request, whatever ran before in this process: the
    URLconf loaded, and with it the Wagtail admin's hooks, whose viewsets put the contests' models (awards, rule
    versions, day rows, leagues) in Wagtail's reference index, updated on save; and every content type cached."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.urls import get_resolver

    assert get_resolver().url_patterns
    ContentType.objects.get_for_models(*apps.get_models())


@pytest.fixture
def pioneer(world, clean_store):
    """The pioneer index (staff and party members earn; at most 30 a day) with two dimensions and two rules, and a
    city-wide arena running from 20 days ago to 10 days ahead. Set up as an editor would, before the statements:
    committed, so the process holds the rules from the first statement on (`realtime.rules_cache`)."""
    with committed():
        index = Index.objects.create(
            name="先锋指数", slug="pioneer", eligible_role=Role.PARTY_MEMBER, daily_limit=Decimal(30)
        )
        learning = Dimension.objects.create(index=index, name="学习成长", code="learning", weight=Decimal(1))
        service = Dimension.objects.create(index=index, name="服务实践", code="service", weight=Decimal("1.5"))
        lesson = Rule.objects.create(
            name="完成课时",
            dimension=learning,
            verb=Verb.COMPLETED,
            activity_type=ActivityType.LESSON,
            points=Decimal(2),
            daily_cap=Decimal(10),
            min_dwell_seconds=60,
        )
        hours = Rule.objects.create(
            name="志愿服务", dimension=service, verb=Verb.CONFIRMED_HOURS, points=Decimal(4), daily_cap=Decimal(24)
        )
    now = timezone.now()
    contest = Contest.objects.create(
        name="党员擂台",
        slug="arena",
        index=index,
        starts_at=now - dt.timedelta(days=20),
        ends_at=now + dt.timedelta(days=10),
        org_unit=world.city,
        arena=True,
    )
    return SimpleNamespace(index=index, learning=learning, service=service, lesson=lesson, hours=hours, contest=contest)


def committed():
    """Run what would run after commit (the board update, the signal) when the block ends."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def complete_lesson(user, *, seconds=300, when=None, key=None):
    key = key if key is not None else next(_counter)
    with committed():
        return activity_record(
            actor=user,
            verb=Verb.COMPLETED,
            object_id=f"https://example.org/lessons/{key}",
            activity_type=ActivityType.LESSON,
            name=f"第{key}课",
            result={"duration": f"PT{seconds}S"},
            natural_key=("test-lesson", user.pk, key),
            timestamp=when,
        )


def confirm_hours(user, *, when=None, key=None):
    """Volunteer hours confirmed: 4 points × 1.5 (the service dimension's weight) = 6."""
    key = key if key is not None else next(_counter)
    with committed():
        return activity_record(
            actor=user,
            verb=Verb.CONFIRMED_HOURS,
            object_id=f"https://example.org/activities/{key}",
            activity_type=ActivityType.VOLUNTEER_ACTIVITY,
            name=f"志愿活动{key}",
            natural_key=("test-hours", user.pk, key),
            timestamp=when,
        )


def total(user, index) -> Decimal:
    return sum((e.points for e in PointsEntry.objects.filter(user=user, index=index)), Decimal(0))


def make_members(world, count: int, *, unit=None, prefix="m") -> list[User]:
    """`count` party members in `unit` (the world's department by default), named 党员01, 党员02, ..."""
    unit = unit or world.department
    users = [
        User.objects.create(username=f"{prefix}{i:03d}", display_name=f"党员{i:02d}", org_unit=unit)
        for i in range(1, count + 1)
    ]
    RoleAssignment.objects.bulk_create([RoleAssignment(user=u, role=Role.PARTY_MEMBER) for u in users])
    return users
