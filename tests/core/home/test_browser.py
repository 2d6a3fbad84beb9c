"""The demo retailer on a phone: log in, see "my page" in Chinese, switch to English."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.integration]


def test_demo_retailer_sees_my_page_in_chinese_then_english(e2e, phone_page, demo_login):
    page = phone_page
    page.goto(e2e.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "先锋学苑"

    demo_login(page, e2e.url, "demo_retailer")
    page.goto(e2e.url + "/me/")
    assert page.locator("h1").inner_text() == "我的主页"
    assert "零售户" in page.get_by_test_id("roles").inner_text()
    assert "网格" in page.get_by_test_id("unit").inner_text()
    shop = page.get_by_test_id("shop").inner_text()
    assert "许可证号" in shop

    page.get_by_test_id("switch-en").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "My page"
    assert "Retailer" in page.get_by_test_id("roles").inner_text()
    assert "licence" in page.get_by_test_id("shop").inner_text()
    # Nothing overflows sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
