"""On phones, against the running platform with the demo: demo_staff posts an idea on the current board; a second
phone open on the board sees its support count change without a reload; demo_staff (a reviewer in the demo)
adopts it on the review page; the author's pioneer index shows the adoption rule's points."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]


def _index_total(page, base: str) -> float:
    page.goto(f"{base}/pioneer-index/")
    return float(page.get_by_test_id("index-total").inner_text().replace(",", ""))


def test_post_support_live_adopt_and_points(e2e, browser, phone_page, demo_login):
    base = e2e.url
    board = next(b for b in httpx.get(f"{base}/api/ideas/boards").json() if b["is_open"])
    demo_login(phone_page, base, "demo_staff")
    before = _index_total(phone_page, base)

    phone_page.goto(f"{base}{board['url']}")
    phone_page.get_by_test_id("post-idea").click()
    phone_page.get_by_test_id("idea-title-input").fill("手机上提交的金点子")
    phone_page.get_by_test_id("idea-problem").fill("零售户下午订货高峰时电话占线。")
    phone_page.get_by_test_id("idea-proposal").fill("<p>开通<strong>微信订货</strong></p><script>alert(1)</script>")
    phone_page.get_by_test_id("idea-submit").click()
    expect(phone_page.get_by_test_id("idea-title")).to_have_text("手机上提交的金点子")
    assert phone_page.locator(".proposal script").count() == 0
    idea_url = phone_page.url
    idea_id = idea_url.rstrip("/").rsplit("/", 1)[-1]
    assert phone_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    watcher_context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    watcher_context.set_default_timeout(15_000)
    try:
        watcher = watcher_context.new_page()
        watcher.goto(f"{base}{board['url']}")
        count = watcher.locator(f'[data-supports="{idea_id}"]')
        expect(count).to_have_text("0")
        expect(watcher.get_by_test_id("idea-list")).to_have_attribute("data-live", "live", timeout=20_000)
        watcher.evaluate("window.__sameDocument = true")

        phone_page.get_by_test_id("support").click()
        expect(phone_page.get_by_test_id("support-count")).to_have_text("1")

        expect(count).to_have_text("1", timeout=20_000)
        assert watcher.evaluate("window.__sameDocument") is True  # no reload
        assert watcher.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        watcher_context.close()

    phone_page.get_by_test_id("review-link").click()
    phone_page.get_by_test_id("review-reason").fill("简单易行,先在两个网格试点。")
    phone_page.get_by_test_id("adopt").click()
    expect(phone_page.get_by_test_id("idea-status")).to_have_text("已采纳")
    after = _index_total(phone_page, base)
    assert after - before == pytest.approx(10.0)
