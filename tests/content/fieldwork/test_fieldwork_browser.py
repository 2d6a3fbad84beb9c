"""A customer manager's visit on a phone and the department's cockpit on a desktop, in Chromium.

The shop owner (demo_retailer) shows the check-in QR code of her shop; the customer manager (demo_staff), on a
phone-sized page, opens its link, checks in, ticks the service checklist, finishes the visit and raises a problem
for the inspector (demo_member). On a desktop page the department's cockpit (opened before, by demo_editor, the
department head's view) turns that grid's "open problems" bar from green to blue and lists the problem, without a
reload. The inspector closes it, then the customer manager: closed by both, the bar is green again.
"""

from __future__ import annotations

import os

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

WAIT = 30_000
TITLE = "店内价签缺失（浏览器测试）"


def _desktop(browser):
    return browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")


def test_a_visit_on_a_phone_moves_the_departments_cockpit_live(e2e, browser, phone_page, demo_login):
    base = e2e.url
    owner_context, desk_context, inspector_context = _desktop(browser), _desktop(browser), _desktop(browser)
    try:
        owner = owner_context.new_page()
        demo_login(owner, base, "demo_retailer")
        owner.goto(f"{base}/fieldwork/my-shop/")
        link = owner.get_attribute("[data-testid=check-in-link]", "href")
        assert "/fieldwork/check-in/" in link

        demo_login(phone_page, base, "demo_staff")
        department = phone_page.request.get(f"{base}/api/cockpit").json()
        unit_id = department["unit"]["id"]
        before = {
            c["id"]: c["colour"]
            for c in next(i for i in department["indicators"] if i["key"] == "open-problems")["children"]
        }

        desk = desk_context.new_page()
        demo_login(desk, base, "demo_editor")
        desk.goto(f"{base}/cockpit/?unit={unit_id}")
        desk.wait_for_selector("[data-ck-live][data-state=live]", timeout=WAIT)
        desk.wait_for_selector("[data-testid=ck-open-problems]")

        # On the phone: the QR link, check in, the checklist, a problem for the inspector.
        phone_page.goto(link)
        phone_page.click("[data-testid=check-in]")
        phone_page.wait_for_selector("[data-testid=checklist-form]", timeout=WAIT)
        boxes = phone_page.locator("[data-testid=checklist-form] input[type=checkbox]")
        assert boxes.count() >= 3
        for i in range(boxes.count()):
            boxes.nth(i).check()
        phone_page.click("[data-testid=finish-visit]")
        phone_page.wait_for_selector("[data-testid=visit-record]", timeout=WAIT)
        phone_page.fill("[data-testid=problem-form] input[name=title]", TITLE)
        phone_page.select_option("[data-testid=problem-form] select[name=assignee]", label="陈建国")
        phone_page.click("[data-testid=raise-problem]")
        phone_page.wait_for_selector("[data-testid=problem-title]", timeout=WAIT)
        problem_url = phone_page.url

        # The desktop cockpit, without a reload: the problem in the warnings, its grid's bar no longer green.
        desk.wait_for_selector(f"[data-testid=cockpit-warnings] li:has-text('{TITLE}')", timeout=WAIT)
        grid_id = next(
            c["id"]
            for c in next(
                i
                for i in desk.request.get(f"{base}/api/cockpit?unit={unit_id}").json()["indicators"]
                if i["key"] == "open-problems"
            )["children"]
            if c["colour"] != before[c["id"]]
        )
        bar = f"[data-testid=ck-bar-open-problems-{grid_id}]"
        assert before[grid_id] == "green"
        desk.wait_for_selector(f"{bar}[data-colour=blue]", timeout=WAIT)

        # Closed by both sides: the inspector (responsible) first, then the customer manager (assigner).
        inspector = inspector_context.new_page()
        demo_login(inspector, base, "demo_member")
        inspector.goto(problem_url)
        inspector.fill("textarea[name=note]", "已补齐价签")
        inspector.click("[data-testid=close-problem]")
        inspector.wait_for_selector("[data-testid=problem-status]:has-text('等待交办人销号')", timeout=WAIT)
        assert desk.locator(f"{bar}[data-colour=blue]").count() == 1  # one side is not enough
        phone_page.goto(problem_url)
        phone_page.click("[data-testid=close-problem]")
        phone_page.wait_for_selector("[data-testid=problem-status]:has-text('双方已销号')", timeout=WAIT)
        desk.wait_for_selector(f"{bar}[data-colour=green]", timeout=WAIT)
        desk.wait_for_selector(f"[data-testid=cockpit-warnings] li:has-text('{TITLE}')", state="detached", timeout=WAIT)
    finally:
        for context in (owner_context, desk_context, inspector_context):
            context.close()
