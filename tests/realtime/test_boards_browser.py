"""On a phone, against the running platform with the seeded demo: a member (陈建国) finds their weekly league from the
contest list and sees its people, their rank, the promotion and relegation zones, the time left and last week's
result; a member whose branch stands below the top 20 finds it on the branch board; the big screen's total follows a
change without a reload, written as the server writes points."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from test_live_workers import live_contest, record_course

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

NEW_BRANCH = """
import datetime as dt
from django.contrib.auth.hashers import make_password
from core.people.models import BranchMembership, OrgUnit, PartyBranch, Role, RoleAssignment, User
city = OrgUnit.objects.get(kind="city")
department = OrgUnit.objects.filter(kind="department", path__startswith=city.path).order_by("path").last()
branch, _ = PartyBranch.objects.get_or_create(code="E2E-NEW", defaults={"name": "新成立党支部", "org_unit": department})
user, created = User.objects.get_or_create(username="e2e_new_member", defaults={
    "display_name": "林新党", "org_unit": department, "password": make_password("demo12345")})
RoleAssignment.objects.get_or_create(user=user, role=Role.PARTY_MEMBER)
BranchMembership.objects.get_or_create(branch=branch, user=user, defaults={"joined_on": dt.date(2026, 11, 1)})
"""


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_member_sees_their_league_and_its_zones(e2e, phone_page, demo_login):
    page = phone_page
    demo_login(page, e2e.url, "demo_member")
    page.goto(f"{e2e.url}/contests/")
    card = page.get_by_test_id("league-card").first
    expect(card).to_contain_text("先锋擂台")
    expect(card).to_contain_text(re.compile(r"第 \d 级（共 3 级）· 第 \d+ 名，共 \d+ 人"))
    card.click()
    expect(page.get_by_role("heading", name="我的本周联赛")).to_be_visible()
    rows = page.get_by_test_id("league-row")
    count = rows.count()
    assert 20 <= count <= 40, count  # about 30 comparable people
    expect(page.locator("[data-testid=league-row].mine")).to_have_count(1)
    expect(page.locator("[data-testid=league-row].mine")).to_contain_text("陈建国")
    expect(page.get_by_test_id("league-time-left")).to_have_text(re.compile(r"\d+\s?(日|天|小时|分钟)"))
    tier = int(re.search(r"第 (\d) 级", page.get_by_test_id("league-tier").inner_text()).group(1))
    zones = [rows.nth(i).get_attribute("data-zone") for i in range(count)]
    if tier < 3:
        assert zones[:5] == ["promotion"] * 5
        expect(page.get_by_test_id("league-zones")).to_contain_text("前 5 名升一级")
    if tier > 1:
        assert zones[-5:] == ["relegation"] * 5
        expect(page.get_by_test_id("league-zones")).to_contain_text("后 5 名降一级")
    assert set(zones[5:-5]) <= {""}
    # Last week: settled, with the member's rank and what became of them.
    expect(page.get_by_test_id("last-week")).to_be_visible()
    expect(page.get_by_test_id("last-outcome")).to_have_text(re.compile("你升了一级。|你降了一级。|你保住了级别。"))
    page.get_by_text("上周排名表").click()
    expect(page.locator("[data-testid=last-row].mine")).to_contain_text("陈建国")
    assert no_sideways_scroll(page)


def test_a_member_whose_branch_is_below_the_top_20_sees_it_on_the_branch_board(e2e, phone_page, demo_login):
    e2e.manage("shell", "-c", NEW_BRANCH)
    page = phone_page
    demo_login(page, e2e.url, "e2e_new_member")
    page.goto(f"{e2e.url}/contests/")
    page.get_by_test_id("branches-link").click()
    expect(page.get_by_test_id("branch-row")).to_have_count(20)
    expect(page.get_by_test_id("branch-board")).not_to_contain_text("新成立党支部")
    mine = page.get_by_test_id("your-branch")
    expect(mine).to_be_visible()
    expect(page.get_by_test_id("your-branch-name")).to_have_text("新成立党支部")
    rank = int(page.get_by_test_id("your-branch-rank").inner_text())
    assert rank > 20
    expect(page.get_by_test_id("branch-neighbour-mine")).to_contain_text("新成立党支部")
    expect(page.get_by_test_id("branch-neighbour-mine")).not_to_contain_text("林新党")
    assert page.get_by_test_id("branch-neighbour-row").count() >= 3
    assert no_sideways_scroll(page)


def test_the_big_screen_total_follows_a_change_and_points_read_alike(e2e, phone_page):
    live_contest(e2e, "e2e-screen", "大屏擂台", [("e2e_screen_a", "付先锋"), ("e2e_screen_b", "钱先锋")])
    record_course(e2e, e2e.url, "e2e-screen", "e2e_screen_a", times=1)
    page = phone_page
    page.goto(f"{e2e.url}/contests/e2e-screen/screen/")
    expect(page.get_by_test_id("total-points")).to_have_text("5")
    expect(page.get_by_test_id("connection-state")).to_have_attribute("data-state", "live", timeout=20_000)
    page.evaluate("window.__sameDocument = true")
    record_course(e2e, e2e.url, "e2e-screen", "e2e_screen_b", times=2)
    expect(page.get_by_test_id("total-points")).to_have_text("15", timeout=20_000)
    expect(page.get_by_test_id("participants")).to_have_text("2")
    assert page.evaluate("window.__sameDocument") is True
    # No version number on screen; the browser writes points as the server does.
    assert not re.search(r"\d{10,}", page.locator("body").inner_text())
    assert page.evaluate("[formatPoints(126.4), formatPoints(126), formatPoints(7412.4), formatPoints(0.05)]") == [
        "126.40",
        "126",
        "7,412.40",
        "0.05",
    ]
