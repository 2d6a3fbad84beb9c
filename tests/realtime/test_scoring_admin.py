"""Editors keep the scoring rules in the Wagtail admin; every change is a new rules version that leaves the
points already earned as they were."""

from __future__ import annotations

from decimal import Decimal

import realtime_contest_world as contest_world
from django.urls import reverse
from realtime_contest_world import confirm_hours, total

from core.activity.vocabulary import ActivityType, Verb
from realtime.models import PointsEntry, Rule, RuleSetVersion

clean_store = contest_world.clean_store
pioneer = contest_world.pioneer


def test_editing_a_rule_in_the_admin_makes_a_new_version(client, world, pioneer):
    world.editor.is_superuser = True
    world.editor.save()
    client.force_login(world.editor)
    confirm_hours(world.member)
    for name in ("contest", "rule", "index", "dimension"):
        response = client.get(reverse(f"wagtailsnippets_realtime_{name}:list"))
        assert response.status_code == 200, name
    assert client.get(reverse("wagtailsnippets_realtime_contest:add")).status_code == 200

    form = {
        "name": "志愿服务",
        "dimension": pioneer.service.pk,
        "verb": Verb.CONFIRMED_HOURS,
        "activity_type": ActivityType.VOLUNTEER_ACTIVITY,
        "points": "8",
        "daily_cap": "24",
        "min_dwell_seconds": "0",
        "active": "on",
        "bonus_windows-TOTAL_FORMS": "0",
        "bonus_windows-INITIAL_FORMS": "0",
        "bonus_windows-MIN_NUM_FORMS": "0",
        "bonus_windows-MAX_NUM_FORMS": "1000",
    }
    response = client.post(reverse("wagtailsnippets_realtime_rule:edit", args=[pioneer.hours.pk]), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Rule.objects.get(pk=pioneer.hours.pk).points == Decimal(8)
    version = RuleSetVersion.objects.get(index=pioneer.index)
    assert version.number == 2 and version.created_by == world.editor
    assert [r["points"] for r in version.rules if r["name"] == "志愿服务"] == ["8.00"]
    # What was earned stays; what is earned now follows the new version.
    confirm_hours(world.member)
    assert sorted(PointsEntry.objects.values_list("points", "rules_version")) == [(Decimal(6), 1), (Decimal(12), 2)]
    assert total(world.member, pioneer.index) == Decimal(18)


def test_an_editor_recomputes_a_contest_from_the_admin(client, world, pioneer):
    world.editor.is_superuser = True
    world.editor.save()
    client.force_login(world.editor)
    confirm_hours(world.member)
    Rule.objects.filter(pk=pioneer.hours.pk).update(points=Decimal(2))
    listing = client.get(reverse("wagtailsnippets_realtime_contest:list"))
    url = reverse("realtime_contest_recompute", args=[pioneer.contest.pk])
    assert url in listing.content.decode()
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="recompute-contest"' in page.content.decode()
    assert total(world.member, pioneer.index) == Decimal(6)  # nothing changes before the editor confirms
    response = client.post(url)
    assert response.status_code == 302
    assert total(world.member, pioneer.index) == Decimal(3)


def test_people_without_rule_rights_cannot_recompute(client, world, pioneer):
    confirm_hours(world.member)
    Rule.objects.filter(pk=pioneer.hours.pk).update(points=Decimal(2))
    for person in (world.member, world.staff):
        client.force_login(person)
        response = client.post(reverse("realtime_contest_recompute", args=[pioneer.contest.pk]))
        assert response.status_code in {302, 403}
    assert total(world.member, pioneer.index) == Decimal(6)
