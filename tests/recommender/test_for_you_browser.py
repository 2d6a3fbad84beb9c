"""The demo retailer on a phone sees "为你推荐" with reasons; after finishing a recommended course the block
changes at once (no training run: the person's newest statements are folded into the ranking) and the course is
gone."""

import time

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.integration]

REASON_WORDS = ("因为你学过", "同片区的零售户都在学", "同单位的人都在学", "大家都在学", "新上线")

# Finish a course the way the learning demo replays a learner: through the learning services.
FINISH_COURSE = """
import random
from datetime import timedelta
from django.utils import timezone
from content.learning.demo import _take_course
from content.learning.models import CoursePage
from core.people.models import User
user = User.objects.get(username="demo_retailer")
course = CoursePage.objects.get(pk={pk})
_take_course(random.Random(1), user, course, timezone.now() - timedelta(hours=2), finish=True, skill=1.0)
"""


def _shown(page) -> list[str]:
    items = page.get_by_test_id("for-you-item")
    return [items.nth(i).get_attribute("data-item-id") for i in range(items.count())]


def test_for_you_block_has_reasons_and_changes_after_finishing_a_course(e2e, phone_page, demo_login):
    page = phone_page
    demo_login(page, e2e.url, "demo_retailer")
    page.goto(e2e.url + "/")
    block = page.get_by_test_id("for-you")
    block.wait_for()
    assert "为你推荐" in block.inner_text()
    reasons = page.get_by_test_id("for-you-reason").all_inner_texts()
    assert reasons and all(any(word in r for word in REASON_WORDS) for r in reasons), reasons
    before = _shown(page)

    courses = page.request.get(e2e.url + "/api/recommendations?kind=course&limit=5").json()["items"]
    assert courses and all(c["reason"] for c in courses)
    # a course the block shows, else the first course the API recommends
    course = next((i for i in before if i.startswith("course:")), courses[0]["item_id"])
    e2e.manage("shell", "-c", FINISH_COURSE.format(pk=int(course.split(":")[1])))

    # No training run: the next page already answers (a few reloads allow for the page cache's lifetime).
    deadline = time.monotonic() + 30
    while True:
        page.reload()
        page.get_by_test_id("for-you").wait_for()
        after = _shown(page)
        now_courses = [
            c["item_id"] for c in page.request.get(e2e.url + "/api/recommendations?kind=course&limit=5").json()["items"]
        ]
        if course not in now_courses and course not in after and (after != before or course not in before):
            break
        assert time.monotonic() < deadline, (before, after, now_courses)
        page.wait_for_timeout(1000)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
