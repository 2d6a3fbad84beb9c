"""A volunteering world on the shared `world`: a team of 城西市场部 led by zhao_staff, with zhou_volunteer and
li_retailer as members, and a public activity tomorrow morning with one shift of three places."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone, translation

from content.volunteering.models import Activity, TeamMembership
from content.volunteering.services import activity_create, team_create

# The certification tests' Open Badges validator, reused for the star badges.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "certification"))


def tomorrow_at(hour: int) -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture(autouse=True)
def _english():
    """Services' messages in English, asserted verbatim (pages follow the request's language)."""
    with translation.override("en"):
        yield


@pytest.fixture
def vol(world):
    team = team_create(by=world.staff, name="城西文明劝导队", org_unit=world.department)
    for person in (world.volunteer, world.retailer):
        TeamMembership.objects.create(team=team, user=person, status=TeamMembership.Status.ACTIVE)
    start = tomorrow_at(9)
    activity = activity_create(
        by=world.staff,
        team=team,
        title="西湖边文明劝导",
        description="劝导游客文明出行。",
        category=Activity.Category.CIVILITY,
        address="西湖区北山街 1 号",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        visibility=Activity.Visibility.PUBLIC,
        shifts=[{"label": "上午", "offset_minutes": 0, "length_minutes": 180, "capacity": 3}],
    )
    return SimpleNamespace(world=world, team=team, activity=activity, shift=activity.shifts.get(), start=start)
