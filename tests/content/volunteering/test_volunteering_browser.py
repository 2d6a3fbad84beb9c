"""Two volunteers watch an activity with one place left, on phone-sized pages: one signs up, and the other's
page shows the shift full and offers the waitlist without a reload (the live room). The leader's phone shows
the rotating QR code; the first volunteer opens its address and checks in, the leader checks them out and
approves the hours (adjusted, with a reason); the volunteer's star page shows the new total: 100 hours, one star.
"""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.browser

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
WAIT = 30_000

SETUP = """
import datetime as dt
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from content.volunteering.models import Activity, Shift, SignUp, Team, TeamMembership
from core.people.models import User
team = Team.objects.get(memberships__user__username="demo_staff", memberships__role="leader")
other, _ = User.objects.get_or_create(
    username="vol_browser_b", defaults={"display_name": "林小雨", "password": make_password("demo12345")}
)
start = (timezone.now() + dt.timedelta(minutes=15)).replace(second=0, microsecond=0)
activity = Activity.objects.create(
    team=team, title="浏览器测试：社区义诊引导", category="care", address="城西社区卫生服务站",
    starts_at=start, ends_at=start + dt.timedelta(hours=2), visibility="public")
shift = Shift.objects.create(activity=activity, label="引导", length_minutes=120, capacity=2)
first = User.objects.filter(username__startswith="vol_00_").order_by("username").first()
SignUp.objects.create(shift=shift, occurrence=start, user=first, status="confirmed")
print(activity.pk)
"""


def _context(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    context.set_default_timeout(WAIT)
    return context


def test_two_volunteers_watch_one_place_then_check_in_by_qr_and_hours_reach_a_star(e2e, browser, demo_login):
    activity_id = int(e2e.manage("shell", "-c", SETUP).strip().splitlines()[-1])
    url = f"{e2e.url}/volunteering/activities/{activity_id}/"
    contexts = [_context(browser) for _ in range(3)]
    try:
        first, second, leader = (context.new_page() for context in contexts)
        demo_login(first, e2e.url, "demo_volunteer")
        demo_login(second, e2e.url, "vol_browser_b")
        demo_login(leader, e2e.url, "demo_staff")
        for page in (first, second):
            page.goto(url)
            page.wait_for_selector("[data-testid=live-status][data-state=live]")
            assert page.locator("[data-testid=left]").first.inner_text() == "1"

        first.locator("[data-testid=signup-button]").first.click()
        first.wait_for_selector("[data-testid=my-signup][data-status=confirmed]")

        # the other page, never reloaded: full, and the button now offers the waitlist
        second.wait_for_selector("[data-testid=left][data-left='0']")
        button = second.locator("[data-testid=signup-button]").first
        second.wait_for_function(
            "b => b.textContent.trim() === b.getAttribute('data-label-full')", arg=button.element_handle()
        )
        assert second.locator("[data-testid=signup-button][data-full=true]").count() == 1

        # the leader's phone shows the code; the first volunteer opens its address and checks in
        leader.goto(f"{e2e.url}/volunteering/activities/{activity_id}/checkin/")
        scan_url = leader.locator("[data-testid=checkin-qr]").get_attribute("data-scan-url")
        assert leader.locator("[data-testid=checkin-qr] svg").count() == 1
        first.goto(scan_url)
        first.locator("[data-testid=scan-confirm]").click()
        first.wait_for_selector("[data-testid=scan-result][data-what=in]")

        # the leader checks them out, then approves the hours from the team page (adjusted, with a reason)
        leader.reload()
        leader.locator("[data-testid=roster-row][data-user=demo_volunteer] [data-testid=leader-checkin]").click()
        leader.wait_for_load_state("networkidle")
        team_url = leader.locator("a[href*='#pending']").first.get_attribute("href")
        leader.goto(e2e.url + team_url)
        row = leader.locator("[data-testid=pending-entry][data-user=demo_volunteer]")
        row.locator("input[name=hours]").fill("3.5")
        row.locator("input[name=reason]").fill("引导工作提前开始，按实际补足")
        row.locator("button[value=adjust]").click()
        leader.wait_for_load_state("networkidle")
        assert leader.locator("[data-testid=pending-entry][data-user=demo_volunteer]").count() == 0

        first.goto(f"{e2e.url}/volunteering/me/stars/")
        summary = first.locator("[data-testid=star-summary]")
        assert summary.get_attribute("data-total") == "100.00"
        assert summary.get_attribute("data-stars") == "1"
        assert first.locator("[data-testid=star-award]").count() == 1
    finally:
        for context in contexts:
            context.close()
