"""Questions and answers on a lesson page, on phones, as people meet them: the retailer asks on a lesson page, a
party member answers on theirs, the retailer marks the answer accepted and the page shows it (to both)."""

from __future__ import annotations

import os
import time

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.integration]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

WAIT = 30_000
QUESTION = f"新品上架后多久调整一次陈列?({int(time.time())})"
ANSWER = "我一般一周看一次销量,卖得慢的往下挪。"


def _lesson_url(page, base: str) -> str:
    courses = page.request.get(f"{base}/api/learning/courses?limit=200").json()
    for course in courses:
        steps = page.request.get(f"{base}/api/learning/courses/{course['id']}").json()["steps"]
        lesson = next((s for s in steps if s["kind"] == "text"), None)
        if lesson is not None:
            return base + lesson["url"]
    raise AssertionError("the demo has no text lesson")


def _phone(browser):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    context.set_default_timeout(WAIT)
    return context


def _thread(page):
    return page.get_by_test_id("qa-question").filter(has_text=QUESTION)


def test_ask_answer_accept_on_phones(e2e, browser, phone_page, demo_login):
    retailer = phone_page
    retailer.set_default_timeout(WAIT)
    demo_login(retailer, e2e.url, "demo_retailer")
    url = _lesson_url(retailer, e2e.url)
    retailer.goto(url)
    section = retailer.get_by_test_id("qa")
    section.scroll_into_view_if_needed()
    assert "学员问答" in section.inner_text()
    ask = retailer.get_by_test_id("qa-ask")
    ask.locator("textarea").fill(QUESTION)
    ask.get_by_role("button", name="提问").click()
    _thread(retailer).wait_for()
    assert retailer.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    member_context = _phone(browser)
    try:
        member = member_context.new_page()
        demo_login(member, e2e.url, "demo_member")
        member.goto(url)
        thread = _thread(member)
        thread.wait_for()
        assert thread.get_by_test_id("qa-accept").count() == 0  # not theirs to accept
        form = thread.get_by_test_id("qa-answer-form")
        form.locator("textarea").fill(ANSWER)
        form.get_by_role("button", name="回答").click()
        _thread(member).get_by_test_id("qa-answer").filter(has_text=ANSWER).wait_for()

        retailer.reload()
        thread = _thread(retailer)
        answer = thread.get_by_test_id("qa-answer").filter(has_text=ANSWER)
        answer.wait_for()
        assert "陈建国" in answer.inner_text()
        answer.get_by_test_id("qa-accept").click()
        _thread(retailer).get_by_test_id("qa-accepted").wait_for()
        accepted = _thread(retailer).locator(".qa-is-accepted")
        assert ANSWER in accepted.inner_text() and "已采纳的回答" in accepted.inner_text()
        assert _thread(retailer).get_by_test_id("qa-accept").count() == 0
        assert retailer.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        member.reload()
        assert ANSWER in _thread(member).locator(".qa-is-accepted").inner_text()
    finally:
        member_context.close()
