"""Two phones watch the same contest (one through each daphne worker); a statement is recorded and the leader
changes on both without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from test_live_workers import live_contest, record_course, second_worker

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]


def test_two_phones_see_the_leader_change_without_a_reload(e2e, browser, phone_page):
    live_contest(e2e, "e2e-phones", "手机擂台", [("e2e_phone_a", "张先锋"), ("e2e_phone_b", "刘先锋")])
    record_course(e2e, e2e.url, "e2e-phones", "e2e_phone_a", times=1)
    other = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN")
    other.set_default_timeout(15_000)
    try:
        pages = [phone_page, other.new_page()]
        for page, base in zip(pages, (e2e.url, second_worker(e2e)), strict=True):
            page.goto(f"{base}/contests/e2e-phones/")
            expect(page.get_by_test_id("leader-name")).to_have_text("张先锋", timeout=20_000)
            expect(page.get_by_test_id("connection-state")).to_have_attribute("data-state", "live", timeout=20_000)
            page.evaluate("window.__sameDocument = true")

        record_course(e2e, e2e.url, "e2e-phones", "e2e_phone_b", times=2)

        for page in pages:
            expect(page.get_by_test_id("leader-name")).to_have_text("刘先锋", timeout=20_000)
            expect(page.get_by_test_id("leader-score")).to_have_text("10")
            expect(page.get_by_test_id("board-row")).to_have_count(2)
            assert page.evaluate("window.__sameDocument") is True  # no reload happened
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        other.close()
