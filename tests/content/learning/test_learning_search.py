"""Chinese search over courses and lessons: a query for 陈列 finds 卷烟陈列技巧, on SQLite and PostgreSQL."""

import pytest
from django.db import connection

from content.learning import selectors
from content.learning.models import CoursePage
from content.learning.text import segment_for_index, segment_query


def test_segmentation_cuts_chinese_into_words():
    assert segment_query("陈列") == "陈列"
    assert segment_for_index("卷烟陈列技巧").split() == ["卷烟", "陈列", "技巧"]
    assert segment_query("Display skills") == "display skills"


def _search_finds_courses_and_lessons(course_tree, client):
    other = course_tree.catalogue.add_child(
        instance=CoursePage(title="毛利率怎么算", slug="margin", summary="看懂进货成本和售价。", category="analysis")
    )
    results = selectors.search_learning(query="陈列")
    assert [c.title for c in results["courses"]] == ["卷烟陈列技巧"]
    assert "陈列检查清单" in [lesson.title for lesson in results["lessons"]]
    assert [c.title for c in selectors.search_learning(query="毛利率")["courses"]] == [other.title]
    assert selectors.search_learning(query="直播带货")["courses"] == []

    page = client.get(course_tree.catalogue.url + "search/", {"q": "陈列"}).content.decode()
    assert "卷烟陈列技巧" in page and "毛利率怎么算" not in page
    api = client.get("/api/learning/courses", {"q": "陈列"}).json()
    assert [c["title"] for c in api] == ["卷烟陈列技巧"]


@pytest.mark.django_db
@pytest.mark.embedded
def test_chinese_search_on_the_current_database(course_tree, client):
    _search_finds_courses_and_lessons(course_tree, client)


@pytest.mark.django_db
@pytest.mark.integration
def test_chinese_search_on_postgresql(course_tree, client):
    assert connection.vendor == "postgresql"
    _search_finds_courses_and_lessons(course_tree, client)
