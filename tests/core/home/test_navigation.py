"""The header links everyone to the courses and the contests; "my page" links the person to their own pages."""

import re

import pytest
from django.urls import reverse
from wagtail.models import Site

from content.learning.models import CourseIndexPage

pytestmark = pytest.mark.django_db


def _links(html: str, prefix: str) -> dict[str, str]:
    """{testid suffix: href} of the links marked data-testid="<prefix>-..."."""
    found = re.findall(rf'<a[^>]*href="([^"]+)"[^>]*data-testid="{prefix}-([\w-]+)"[^>]*>([^<]+)</a>', html)
    return {key: (href, label) for href, key, label in found}


@pytest.fixture
def catalogue(world):
    home = Site.objects.get(is_default_site=True).root_page.specific
    page = home.add_child(instance=CourseIndexPage(title="学苑课程", slug="courses"))
    page.save_revision().publish()
    return page


def test_header_links_to_courses_and_contests(client, catalogue):
    links = _links(client.get("/").content.decode(), "nav")
    assert links["courses"] == ("/courses/", "课程")
    assert links["contests"] == (reverse("realtime:contests"), "比赛")
    for href, _label in links.values():
        assert client.get(href).status_code == 200


def test_header_drops_the_courses_link_once_the_catalogue_is_unpublished(client, catalogue):
    assert "courses" in _links(client.get("/").content.decode(), "nav")
    catalogue.unpublish()
    assert "courses" not in _links(client.get("/").content.decode(), "nav")


def test_my_page_links_the_retailer_to_their_pages(client, world, catalogue):
    client.force_login(world.retailer)
    links = _links(client.get(reverse("my-page")).content.decode(), "my")
    assert {key: label for key, (_href, label) in links.items()} == {
        "notifications": "消息通知",
        "my-learning": "我的学习",
        "certificates": "我的证书",
        "my-index": "我的先锋指数",
        "branches": "支部排行榜",
        "volunteer-me": "我的志愿服务",
        "volunteer-stars": "我的志愿星级",
        "my-requests": "我的诉求",
        "fieldwork-surveys": "问卷调查",
        "fieldwork-shop": "我的店铺走访记录",
    }
    for href, _label in links.values():
        assert client.get(href).status_code == 200, href


def test_only_staff_and_editors_get_the_dashboard_link(client, world, catalogue):
    client.force_login(world.staff)
    href, _label = _links(client.get(reverse("my-page")).content.decode(), "my")["dashboard"]
    assert client.get(href).status_code == 200
    client.force_login(world.villager)
    assert "dashboard" not in _links(client.get(reverse("my-page")).content.decode(), "my")
