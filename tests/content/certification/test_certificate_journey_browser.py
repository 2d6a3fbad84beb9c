"""A retailer earns a certificate through the pages, on a phone, as a new user would go.

demo_retailer opens "my certificates", finds the "store routine" programme among those she can work towards,
follows its path to the course (three short videos), enrols, plays each video to its end (the player reports
its real position; the server decides), goes back to the programme page, which now shows the course done and
links to the final exam, passes the exam, is told on the result which certificate it led to, and opens the
certificate, whose evidence names the course and the exam. Only what the pages show is checked.
"""

from __future__ import annotations

import os
import re
import time

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.integration]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PROGRAMME = "门店日常规范认证"
PROGRAMME_SLUG = "store-routine"
COURSE = "开门营业三段示范片"
VIDEOS = ["开门前的准备", "营业中的巡店", "打烊后的盘点"]
EXAM = f"{PROGRAMME}·结业考试"
# The final exam's questions (content/certification/demo.py) and their right answers, as a reader finds them.
ANSWERS = {
    "陈列商品时应把畅销品放在顾客视线平齐的位置。": ["对"],
    "零售许可证应当如何放置？": ["悬挂在经营场所醒目位置"],
    "以下哪些做法符合依法经营？": ["明码标价", "不向未成年人售烟"],
    "毛利率等于毛利除以销售额。": ["对"],
}
WAIT = 30_000


def _play_to_the_end(page) -> None:
    """Play the lesson's video to its end, as a person watching it would (muted: no gesture on a headless phone)."""
    from playwright.sync_api import expect

    video = page.locator("video[data-testid=player]")
    expect(video).to_be_visible(timeout=WAIT)
    video.evaluate("media => { media.muted = true; return media.play(); }")
    deadline = time.monotonic() + WAIT / 1000
    while not video.evaluate("media => media.ended"):
        assert time.monotonic() < deadline, "the video did not play to its end"
        page.wait_for_timeout(200)
    expect(page.get_by_test_id("lesson-done")).to_be_visible(timeout=WAIT)
    expect(page.get_by_test_id("lesson-progress")).to_have_text("100%", timeout=WAIT)


def _answer_the_exam(page) -> None:
    from playwright.sync_api import expect

    page.get_by_test_id("quiz-start-button").click()
    expect(page.get_by_test_id("quiz-form")).to_be_visible(timeout=WAIT)
    questions = page.get_by_test_id("question")
    assert questions.count() == len(ANSWERS)
    for text, right in ANSWERS.items():
        question = questions.filter(has_text=text)
        for label in right:
            question.get_by_label(label, exact=True).check()
    page.get_by_test_id("quiz-submit").click()


def _recommended(page, url: str) -> list[tuple[str, str]]:
    """The home page's "为你推荐" block: (item id, title) per item (the reason may name a course she took)."""
    page.goto(url + "/")
    page.get_by_test_id("for-you").wait_for()
    items = page.get_by_test_id("for-you-item")
    return [
        (items.nth(i).get_attribute("data-item-id"), items.nth(i).locator("a, span").first.inner_text())
        for i in range(items.count())
    ]


def test_a_retailer_earns_the_store_routine_certificate_through_the_pages(e2e, phone_page, demo_login):
    from playwright.sync_api import expect

    page = phone_page
    page.set_default_timeout(WAIT)
    demo_login(page, e2e.url, "demo_retailer")

    # "My certificates": the basic certificate she holds, and the programmes she can work towards.
    page.goto(f"{e2e.url}/certificates/mine/")
    expect(page.get_by_test_id("my-certificates")).to_contain_text("卷烟零售专业认证（初级）")
    reach = page.locator(f"[data-testid=programme-in-reach][data-programme={PROGRAMME_SLUG}]")
    expect(reach).to_contain_text(PROGRAMME)
    expect(reach.get_by_test_id("path-progress")).to_have_text("已完成 0/2 步")
    reach.get_by_test_id("programme-link").click()

    # The programme page: the path, the course not started, the exam not taken.
    expect(page.locator("h1")).to_have_text(PROGRAMME)
    steps = page.get_by_test_id("path-step")
    expect(steps).to_have_count(2)
    expect(steps.nth(0)).to_contain_text(COURSE)
    expect(steps.nth(0)).to_contain_text("未开始")
    expect(steps.nth(1)).to_contain_text(EXAM)
    expect(steps.nth(1)).to_contain_text("尚未参加")
    page.get_by_test_id("path-course-link").click()

    # The course: enrol, then each video to its end.
    expect(page.locator("h1")).to_have_text(COURSE)
    page.get_by_test_id("enrol").click()
    for n, title in enumerate(VIDEOS):  # the last one's "next" leads back to the course
        expect(page.locator("h1")).to_have_text(title)
        _play_to_the_end(page)
        if n == 0:
            # Half way through the course: the home page does not recommend what she is doing.
            lesson_url = page.url
            shown = " ".join(title for _item, title in _recommended(page, e2e.url))
            assert COURSE not in shown and not any(video in shown for video in VIDEOS), shown
            page.goto(lesson_url)
        page.get_by_test_id("next").click()
    expect(page.get_by_test_id("course-progress")).to_have_text("100%")
    expect(page.get_by_test_id("course-completed")).to_be_visible()

    # The home page's recommendations answer at once (no training run): the course she has done is not among them,
    # nor any of its lessons (tests/recommender/test_for_you_browser.py shows the list changing after a course).
    recommended_after = _recommended(page, e2e.url)
    assert recommended_after
    shown = " ".join(title for _item, title in recommended_after)
    assert COURSE not in shown and not any(video in shown for video in VIDEOS), recommended_after

    # Back on the programme page: the course is done, and the final exam is one tap away.
    page.goto(f"{e2e.url}/certificates/programmes/{PROGRAMME_SLUG}/")
    expect(steps.nth(0)).to_contain_text("已完成")
    expect(page.get_by_test_id("path-progress")).to_have_text("已完成 1/2 步")
    page.get_by_test_id("take-final-exam").click()
    expect(page.locator("h1")).to_have_text(EXAM)
    _answer_the_exam(page)
    expect(page.get_by_test_id("quiz-score")).to_have_text("100%")
    outcome = page.get_by_test_id("quiz-outcome")
    expect(outcome).to_contain_text(f"你已获得证书“{PROGRAMME}”")
    outcome.get_by_test_id("quiz-outcome-link").click()

    # The certificate: valid, hers, and its evidence names what she did.
    expect(page.get_by_test_id("certificate-status")).to_have_attribute("data-status", "valid")
    expect(page.get_by_test_id("certificate-programme")).to_have_text(PROGRAMME)
    expect(page.get_by_test_id("certificate-holder")).to_have_text("王秀英")
    evidence = page.get_by_test_id("certificate-evidence")
    expect(evidence).to_contain_text(f"学完课程 {COURSE}")
    expect(evidence).to_contain_text(re.compile(f"通过 {re.escape(EXAM)}.*100%"))

    # "My certificates" lists it among those she holds, and no longer among those to work towards.
    page.goto(f"{e2e.url}/certificates/mine/")
    held = page.locator(f"[data-testid=my-certificate][data-programme={PROGRAMME_SLUG}]")
    expect(held).to_contain_text(PROGRAMME)
    expect(held).to_contain_text("有效")
    expect(reach).to_have_count(0)
