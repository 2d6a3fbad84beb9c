"""What people type into the course search, and what they should see first, over the demo catalogue.

The catalogue is the one `seed_demo` builds (66 courses, 198 lessons), seeded once for this module.
Each query goes through the search page as a learner meets it (the first course card and the first
lesson link), and through the API for a few. Expected first results are stated as exact titles where
one course is the answer, and as "a title containing ..." where several equally good courses compete
(陈列 is in four course titles).
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from content.learning.models import CourseIndexPage


class Has:
    """An expected title given by a piece of it (several courses answer equally well)."""

    def __init__(self, part: str, *, end: bool = False):
        self.part, self.end = part, end

    def __eq__(self, title):
        return isinstance(title, str) and (title.endswith(self.part) if self.end else self.part in title)

    def __repr__(self):
        return f"<title {'ending with' if self.end else 'containing'} {self.part!r}>"


# (query, first course, first lesson or None when any lesson will do)
QUERIES = [
    # single characters
    ("证", "烟草专卖许可证办理与延续", Has("烟草专卖许可证办理与延续·")),
    ("陈", Has("陈列"), Has("陈列")),
    ("烟", "真假烟鉴别基础", Has("真假烟鉴别基础·")),
    ("投", "处理顾客投诉", Has("处理顾客投诉·")),
    ("诉", "处理顾客投诉", Has("处理顾客投诉·")),
    ("税", "电子发票与税务常识", Has("电子发票与税务常识·")),
    ("码", "扫码收银入门", None),
    ("酒", "烟酒柜整洁度检查", Has("烟酒柜整洁度检查·")),
    ("灯", "小店灯光与氛围", None),
    ("链", "冷链与物流基础", None),
    # two-character words
    ("陈列", Has("陈列"), Has("陈列")),
    ("卷烟", "卷烟陈列技巧", Has("卷烟陈列技巧·")),
    ("证书", "烟草专卖许可证办理与延续", None),
    ("毛利", "毛利率怎么算", Has("毛利率怎么算·")),
    ("库存", "库存周转率管理", Has("库存周转率管理·")),
    ("手机", "手机订货系统操作", Has("手机订货系统操作·")),
    ("订货", Has("订货"), Has("订货")),
    ("收银", "扫码收银入门", Has("扫码收银入门·")),
    ("带货", "助农直播带货技巧", Has("助农直播带货技巧·")),
    ("快递", "村级快递代收点运营", Has("村级快递代收点运营·")),
    ("投诉", "处理顾客投诉", Has("处理顾客投诉·")),
    ("顾客", Has("顾客"), Has("顾客")),
    ("发票", "电子发票与税务常识", None),
    ("积分", "会员积分系统设置", Has("会员积分系统设置·")),
    ("微信", "微信小程序开店", None),
    ("外卖", "外卖平台上线指南", None),
    ("价签", "电子价签使用", Has("价签")),
    ("灯光", "小店灯光与氛围", None),
    ("礼盒", "节日礼盒陈列与促销", None),
    ("动线", "便利店动线设计", None),
    ("复盘", "月度经营复盘", None),
    ("商圈", "商圈与客群分析", None),
    ("冷链", "冷链与物流基础", None),
    ("溯源", "农产品品质与溯源", None),
    ("鉴别", "真假烟鉴别基础", None),
    ("售烟", "不向未成年人售烟", None),
    ("假烟", "真假烟鉴别基础", None),
    ("安全", "门店安全与应急", None),
    ("包装", "农产品包装与品牌", None),
    ("定价", "农特产品定价", None),
    # longer words and phrases
    ("未成年人", "不向未成年人售烟", Has("不向未成年人售烟·")),
    ("许可证", "烟草专卖许可证办理与延续", Has("烟草专卖许可证办理与延续·")),
    ("农产品", Has("农产品"), Has("农产品")),
    ("短视频", "短视频拍摄入门", None),
    ("小程序", "微信小程序开店", None),
    ("客单价", "客单价提升方法", None),
    ("乡村振兴", "乡村振兴政策解读", None),
    ("卷烟陈列", "卷烟陈列技巧", Has("卷烟陈列技巧·")),
    ("毛利率怎么算", "毛利率怎么算", Has("毛利率怎么算·")),
    ("直播带货技巧", "助农直播带货技巧", Has("助农直播带货技巧·")),
    ("手机订货系统", "手机订货系统操作", Has("手机订货系统操作·")),
    ("怎么办理许可证", "烟草专卖许可证办理与延续", Has("烟草专卖许可证办理与延续·")),
    ("如何处理顾客投诉", "处理顾客投诉", Has("处理顾客投诉·")),
    ("真假烟 鉴别", "真假烟鉴别基础", None),
    # traditional characters
    ("陳列", Has("陈列"), Has("陈列")),
    ("證書", "烟草专卖许可证办理与延续", None),
    ("許可證", "烟草专卖许可证办理与延续", None),
    ("煙", "真假烟鉴别基础", None),
    ("會員積分", "会员积分系统设置", None),
    ("顧客投訴", "处理顾客投诉", Has("处理顾客投诉·")),
    ("農產品", Has("农产品"), None),
    ("直播帶貨", "助农直播带货技巧", None),
    ("電子發票", "电子发票与税务常识", None),
    ("庫存", "库存周转率管理", None),
    # what a lesson is called
    ("图解", None, Has("·图解", end=True)),
    ("操作清单", None, Has("·操作清单", end=True)),
    ("经验分享", None, Has("·店主经验分享", end=True)),
    ("要点讲解", None, Has("·要点讲解", end=True)),
]

_COURSE = re.compile(r'<strong class="course-title">(.*?)</strong>', re.S)
_LESSON = re.compile(r'<li><a href="[^"]*">(.*?)</a>', re.S)


@pytest.fixture(scope="module")
def demo_catalogue(django_db_setup, django_db_blocker):
    """The demo's learning catalogue, built once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--only", "learning", "--shops", "0", "--no-progress", verbosity=0)
        yield CourseIndexPage.objects.get()
        transaction.set_rollback(True)


def _first_results(client, catalogue, query: str) -> tuple[str | None, str | None]:
    response = client.get(catalogue.url + "search/", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    courses = html.split('data-testid="search-courses"', 1)[1].split('data-testid="search-lessons"', 1)
    first_course = _COURSE.search(courses[0])
    first_lesson = _LESSON.search(courses[1])
    return (
        unescape(first_course.group(1)).strip() if first_course else None,
        unescape(first_lesson.group(1)).strip() if first_lesson else None,
    )


def _check_queries(client, catalogue) -> None:
    wrong = []
    for query, course, lesson in QUERIES:
        first_course, first_lesson = _first_results(client, catalogue, query)
        if course is not None and course != first_course:
            wrong.append(f"{query}: first course {first_course!r}, expected {course!r}")
        if lesson is not None and lesson != first_lesson:
            wrong.append(f"{query}: first lesson {first_lesson!r}, expected {lesson!r}")
        if course is None and lesson is None:
            raise AssertionError(f"{query}: nothing expected")
    assert not wrong, "\n".join(wrong)


def test_the_corpus_holds_forty_real_queries():
    assert len(QUERIES) >= 40
    assert sum(1 for q, *_ in QUERIES if len(q) == 1) >= 8
    assert sum(1 for q, *_ in QUERIES if re.search(r"[陳證許煙會顧農帶電發庫]", q)) >= 8


@pytest.mark.django_db
@pytest.mark.embedded
def test_first_results_on_the_current_database(demo_catalogue, client):
    _check_queries(client, demo_catalogue)


@pytest.mark.django_db
@pytest.mark.integration
def test_first_results_on_postgresql(demo_catalogue, client):
    assert connection.vendor == "postgresql"
    _check_queries(client, demo_catalogue)


@pytest.mark.django_db
@pytest.mark.embedded
def test_nothing_is_found_for_what_the_catalogue_does_not_teach(demo_catalogue, client):
    html = client.get(demo_catalogue.url + "search/", {"q": "量子计算机"}).content.decode()
    assert "没有匹配的课程。" in html
    assert _first_results(client, demo_catalogue, "量子计算机") == (None, None)


@pytest.mark.django_db
@pytest.mark.embedded
def test_the_api_ranks_like_the_page(demo_catalogue, client):
    expected = [("证", "烟草专卖许可证办理与延续"), ("顧客投訴", "处理顾客投诉"), ("售烟", "不向未成年人售烟")]
    for query, first in expected:
        titles = [c["title"] for c in client.get("/api/learning/courses", {"q": query}).json()]
        assert titles[0] == first
    # a word found only in the instructor's name finds that instructor's courses, and only theirs
    found = client.get("/api/learning/courses", {"q": "张律师"}).json()
    assert found and {c["instructor"] for c in found} == {"张律师"}
    # whole-word title matches come before courses that only share characters or a tag with the query
    titles = [c["title"] for c in client.get("/api/learning/courses", {"q": "陈列"}).json()]
    with_word = [t for t in titles if "陈列" in t]
    assert titles[: len(with_word)] == with_word and len(with_word) == 4
