"""The ledger is the source of truth: rebuild_leaderboards reproduces the live boards exactly, check_leaderboards
finds a board that drifted, and 100 statements recorded at once for one member give exactly the expected total."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from io import StringIO

import pytest
import realtime_contest_world as contest_world
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from realtime_contest_world import complete_lesson, confirm_hours, make_members, total

from core.activity.services import activity_record
from core.activity.vocabulary import ActivityType, Verb
from realtime.models import Contest, PersonDay, PointsEntry, Rule
from realtime.selectors import board_differences, leaderboard_snapshot
from realtime.services.boards import board_rebuild

clean_store = contest_world.clean_store
pioneer = contest_world.pioneer


@pytest.mark.embedded
def test_rebuild_reproduces_the_live_board_exactly(world, pioneer, clean_store):
    department_only = Contest.objects.create(
        name="城西擂台",
        slug="west",
        index=pioneer.index,
        starts_at=timezone.now() - dt.timedelta(days=3),
        ends_at=timezone.now() + dt.timedelta(days=3),
        org_unit=world.department,
        names=Contest.Names.MASKED,
    )
    east = make_members(world, 3, unit=world.other_department, prefix="east")
    west = make_members(world, 3)
    for contest in (pioneer.contest, department_only):
        board_rebuild(contest=contest, notify=False)  # the boards exist before the statements
    for days_ago, people in [(5, east + [world.member]), (1, west + east[:1]), (0, [world.member, *west[1:]])]:
        for person in people:
            confirm_hours(person, when=timezone.now() - dt.timedelta(days=days_ago))
            complete_lesson(person, when=timezone.now() - dt.timedelta(days=days_ago))
    live = {c.slug: leaderboard_snapshot(contest=c)["entries"] for c in (pioneer.contest, department_only)}
    assert len(live["arena"]) == 7 and len(live["west"]) == 4
    clean_store.clear()
    out = StringIO()
    call_command("rebuild_leaderboards", stdout=out)
    assert "arena: rebuilt" in out.getvalue()
    rebuilt = {c.slug: leaderboard_snapshot(contest=c)["entries"] for c in (pioneer.contest, department_only)}
    assert rebuilt == live
    call_command("check_leaderboards", stdout=StringIO())


def test_check_finds_a_board_that_drifted(world, pioneer, clean_store):
    confirm_hours(world.member)
    board_rebuild(contest=pioneer.contest, notify=False)
    clean_store.apply({pioneer.contest.pk: {f"u{world.member.pk}": Decimal(1)}})
    out = StringIO()
    with pytest.raises(CommandError, match="1 board\\(s\\) differ") as raised:
        call_command("check_leaderboards", "--contest", "arena", stdout=out)
    assert raised.value.returncode == 1
    assert f"u{world.member.pk}: ledger 6.00, store 7.00" in out.getvalue()
    call_command("rebuild_leaderboards", "--contest", "arena", stdout=StringIO())
    call_command("check_leaderboards", stdout=StringIO())


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_hundred_statements_at_once_for_one_member_give_the_exact_total(world, pioneer, clean_store):
    """On PostgreSQL, each thread its own connection: 50 volunteer-hour statements (6 each, capped at 24 a day)
    and 50 lesson statements (2 each, capped at 10), with the daily limit lifted: exactly 24 + 10 = 34."""
    pioneer.index.daily_limit = None
    pioneer.index.save()
    board_rebuild(contest=pioneer.contest, notify=False)  # the board exists before the statements race
    member = world.member
    barrier = threading.Barrier(20)
    errors: list[BaseException] = []

    def record(worker: int) -> None:
        try:
            barrier.wait(timeout=60)
            for n in range(5):
                key = f"{worker}-{n}"
                if (worker + n) % 2:
                    activity_record(
                        actor=member,
                        verb=Verb.CONFIRMED_HOURS,
                        object_id=f"https://example.org/activities/{key}",
                        activity_type=ActivityType.VOLUNTEER_ACTIVITY,
                        name=key,
                        natural_key=("concurrent-hours", key),
                    )
                else:
                    activity_record(
                        actor=member,
                        verb=Verb.COMPLETED,
                        object_id=f"https://example.org/lessons/{key}",
                        activity_type=ActivityType.LESSON,
                        name=key,
                        result={"duration": "PT5M"},
                        natural_key=("concurrent-lesson", key),
                    )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(worker,)) for worker in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert total(member, pioneer.index) == Decimal(34)
    assert PersonDay.objects.get(user=member, index=pioneer.index).points == Decimal(34)
    by_rule = {
        rule.name: sum((e.points for e in PointsEntry.objects.filter(rule=rule)), Decimal(0))
        for rule in Rule.objects.all()
    }
    assert by_rule == {"完成课时": Decimal(10), "志愿服务": Decimal(24)}
    assert leaderboard_snapshot(contest=pioneer.contest)["entries"][0]["score"] == 34
    assert board_differences(contest=pioneer.contest) == {}
