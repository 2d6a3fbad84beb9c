"""On a phone: a villager finds the nearest open station offering parcel pickup; its owner adds a parcel on
another page and the villager's page shows it without a reload; the villager sends a request through the
station's QR link and later reads the staff's reply."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "core" / "api"))
from e2e_clients import browser as http_browser  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]


def _phone(browser, **extra):
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        **extra,
    )
    context.set_default_timeout(20_000)
    return context


def test_villager_finds_a_station_sees_its_capacity_live_and_hears_back(e2e, browser, demo_login):
    owner = http_browser(e2e.url, "demo_retailer")
    staff = http_browser(e2e.url, "demo_staff")
    villager_context = owner_context = None
    try:
        manage_path = owner.get("/stations/mine/").headers["location"]
        station_pk = int(re.search(r"/stations/(\d+)/manage/", manage_path).group(1))
        page_html = owner.get(f"/stations/{station_pk}/").text
        lon, lat = map(float, re.search(r"position=([\d.]+),([\d.]+)", page_html).groups())
        live = owner.get(f"/api/community/stations/{station_pk}/live").json()
        parcels = next(o for o in live["offers"] if o["service"] == "parcel-pickup")["capacity"]

        # The villager, standing a few metres from the shop, asks for open stations that take parcels.
        villager_context = _phone(
            browser, geolocation={"latitude": lat + 0.0002, "longitude": lon}, permissions=["geolocation"]
        )
        page = villager_context.new_page()
        demo_login(page, e2e.url, "demo_villager")
        page.goto(f"{e2e.url}/stations/")
        page.get_by_test_id("service").select_option("parcel-pickup")
        page.get_by_test_id("open-now").check()
        page.get_by_test_id("locate").click()
        page.wait_for_url(re.compile(r"lat=[\d.]+.*service=parcel-pickup"))
        first = page.get_by_test_id("station-card").first
        expect(first).to_have_attribute("data-station", str(station_pk))
        expect(first.get_by_test_id("open-badge")).to_have_class(re.compile(r"\bopen\b"))
        first.locator("a.station-link").click()
        expect(page.get_by_test_id("capacity-parcel-pickup")).to_have_text(str(parcels))
        # (not wait_for_function: it evaluates a string, which the site's CSP rightly refuses)
        expect(page.locator("[data-live-status]")).to_have_attribute("data-state", "live")
        page.evaluate("window.__sameDocument = true")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        # The owner taps "+1" on the manage page, on another phone.
        owner_context = _phone(browser)
        owner_page = owner_context.new_page()
        demo_login(owner_page, e2e.url, "demo_retailer")
        owner_page.goto(f"{e2e.url}/stations/{station_pk}/manage/")
        owner_page.get_by_test_id("plus-parcel-pickup").click()
        expect(owner_page.get_by_test_id("manage-capacity-parcel-pickup")).to_have_text(str(parcels + 1))

        expect(page.get_by_test_id("capacity-parcel-pickup")).to_have_text(str(parcels + 1), timeout=5_000)
        assert page.evaluate("window.__sameDocument") is True  # no reload

        # The station's QR code opens the request form.
        page.get_by_test_id("direct-line").click()
        page.get_by_test_id("request-text").fill("快递柜的门坏了，取不出包裹。")
        page.get_by_test_id("send-request").click()
        page.wait_for_url(re.compile(r"/direct/requests/[0-9a-f-]+/$"))
        expect(page.get_by_test_id("request-state")).to_be_visible()
        request_path = page.url.split(e2e.url, 1)[1]

        answer = staff.post(request_path, data={"act": "reply", "text": "已通知店主，今天下午修好快递柜。"})
        assert answer.status_code == 302, answer.text
        # The open request page hears of the reply live (and shows it) before she goes to her list.
        expect(page.get_by_test_id("reply").last).to_have_text("已通知店主，今天下午修好快递柜。")

        page.goto(f"{e2e.url}/direct/mine/")
        page.get_by_test_id("my-request").first.click()
        expect(page.get_by_test_id("reply").last).to_have_text("已通知店主，今天下午修好快递柜。")
    finally:
        for context in (villager_context, owner_context):
            if context is not None:
                context.close()
        owner.close()
        staff.close()
