"""The Chinese admin shows Chinese, including the Wagtail labels Wagtail's own zh_Hans catalogue lacks
(supplied by the project catalogue, core/wagtail_zh.py) and the default workflow's name (stored data)."""

import re

import pytest
from django.utils import translation
from wagtail.models import Site

from content.learning.models import CourseIndexPage

ENGLISH_LEFT_BY_WAGTAIL = ["Page types usage", "Shortcuts", "Moderators approval", "Show keyboard shortcuts"]


@pytest.fixture
def admin_client(client, world):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_superuser("root", password="x"))
    return client


def _visible(html: str) -> str:
    """The page's text and its sidebar's labels (which arrive as JSON, with Chinese \\u-escaped)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


@pytest.mark.django_db
def test_the_dashboard_and_reports_show_no_english_wagtail_labels(admin_client):
    dashboard = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert dashboard.status_code == 200
    html = _visible(dashboard.content.decode())
    for english in ENGLISH_LEFT_BY_WAGTAIL:
        assert english not in html, english
    assert "页面类型使用情况" in html and "显示键盘快捷键" in html and "快捷键" in html
    # the site summary counts ("335 Pages", "4 Images") read Chinese too
    assert not re.search(r"\d+ (Pages?|Images?|Documents?)\b", html)
    assert re.search(r"\d+ 个页面", html)

    usage = _visible(admin_client.get("/admin/reports/page-types-usage/").content.decode())
    assert "Page types usage" not in usage and "页面类型使用情况" in usage
    workflows = _visible(admin_client.get("/admin/workflows/list/").content.decode())
    assert "Moderators approval" not in workflows and "审核员审批" in workflows


@pytest.mark.django_db
def test_the_page_editor_is_chinese_where_wagtail_left_english(admin_client):
    home = Site.objects.get(is_default_site=True).root_page
    catalogue = home.add_child(instance=CourseIndexPage(title="学苑课程", slug="courses"))
    html = _visible(admin_client.get(f"/admin/pages/{catalogue.pk}/edit/").content.decode())
    for english in ["Save changes", "Content metrics", "Reading time", "Choose when this page should go live"]:
        assert english not in html, english
    assert "内容指标" in html and "阅读时间" in html


def test_english_admin_keeps_wagtails_english():
    with translation.override("en"):
        assert translation.gettext("Page types usage") == "Page types usage"
    with translation.override("zh-hans"):
        assert translation.gettext("Page types usage") == "页面类型使用情况"
        assert re.search("快捷键", translation.gettext("Shortcuts"))
