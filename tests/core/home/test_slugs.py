"""Editors' Chinese titles give readable pinyin slugs in the Wagtail admin, not percent-encoded ones."""

import pytest
from wagtail.models import Page, Site
from wagtail.test.utils.form_data import nested_form_data, rich_text

from content.learning.models import CourseIndexPage
from core.home.slugs import pinyin_slug


def test_pinyin_slug_reads_chinese_traditional_and_mixed_titles():
    assert pinyin_slug("卷烟陈列技巧") == "juan-yan-chen-lie-ji-qiao"
    assert pinyin_slug("證書 2025") == "zheng-shu-2025"
    assert pinyin_slug("App下单指南") == "app-xia-dan-zhi-nan"
    assert pinyin_slug("绿色") == "lv-se"
    assert len(pinyin_slug("零售户诚信经营" * 20)) <= 80
    assert pinyin_slug("！？") == ""


def _add_catalogue(client, home, **fields):
    data = nested_form_data({"intro": rich_text("<p>学习</p>"), "action-publish": "publish", **fields})
    return client.post(f"/admin/pages/add/learning/courseindexpage/{home.pk}/", data)


@pytest.mark.django_db
def test_a_chinese_title_is_published_under_a_pinyin_slug(client, world):
    client.force_login(world.editor.__class__.objects.create_superuser("root", password="x"))
    home = Site.objects.get(is_default_site=True).root_page
    form = client.get(f"/admin/pages/add/learning/courseindexpage/{home.pk}/").content.decode()
    assert 'data-controller="w-slug"' in form  # Wagtail's own slug widget and script stay in place
    # What the browser sends: Wagtail's script copies the title into the slug as it is typed.
    response = _add_catalogue(client, home, title="学苑课程", slug="学苑课程")
    assert response.status_code == 302, response.content.decode()[:2000]
    page = CourseIndexPage.objects.get(title="学苑课程")
    assert page.slug == "xue-yuan-ke-cheng"
    assert page.url == "/xue-yuan-ke-cheng/"
    assert "%" not in page.full_url
    assert client.get("/xue-yuan-ke-cheng/").status_code == 200

    # A second page with the same title under the same parent is refused with Wagtail's own message.
    again = _add_catalogue(client, home, title="学苑课程", slug="学苑课程")
    assert again.status_code == 200
    assert "xue-yuan-ke-cheng" in again.content.decode()
    assert CourseIndexPage.objects.count() == 1


@pytest.mark.django_db
def test_an_ascii_slug_an_editor_typed_is_kept(client, world):
    client.force_login(world.editor.__class__.objects.create_superuser("root", password="x"))
    home = Site.objects.get(is_default_site=True).root_page
    response = _add_catalogue(client, home, title="学苑课程", slug="courses")
    assert response.status_code == 302
    assert Page.objects.get(title="学苑课程").url == "/courses/"
