"""403, 404 and 500 as a person meets them: in the site's shell (header, a way back home), in Chinese or
English; and as JSON under /api/ and /xapi/, which machines read."""

import pytest
from django.test import Client

from content.learning.models import CourseIndexPage


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    return settings


def _in_the_shell(html: str) -> None:
    assert 'class="site-header"' in html
    assert 'data-testid="error-home" href="/"' in html or 'href="/" data-testid="error-home"' in html


@pytest.mark.django_db
def test_a_missing_page_is_a_404_in_the_shell_in_chinese(production, client, world):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    _in_the_shell(html)
    assert "找不到这个页面" in html and "回到首页" in html
    assert "Page not found" not in html


@pytest.mark.django_db
def test_a_missing_page_is_a_404_in_english_after_switching(production, client, world):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/courses/no-such-course/")
    html = response.content.decode()
    assert response.status_code == 404
    _in_the_shell(html)
    assert "Page not found" in html and "Back to the home page" in html
    assert "找不到" not in html


@pytest.mark.django_db
def test_a_forbidden_page_is_a_403_that_says_why_and_leads_home(production, client, world):
    client.force_login(world.retailer)
    response = client.get("/certificates/dashboard/")
    assert response.status_code == 403
    html = response.content.decode()
    _in_the_shell(html)
    assert "你无权打开这个页面" in html
    assert "只有员工和编辑可以查看认证看板。" in html
    assert "403 Forbidden" not in html


@pytest.mark.django_db
def test_a_server_error_is_a_500_in_the_shell_in_both_languages(production, world):
    production.ROOT_URLCONF = "tests.core.home.error_urls"
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    _in_the_shell(html)
    assert "出错了" in html and "a bug in a page" not in html

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/broken/").content.decode()
    assert "Something went wrong" in html and "出错了" not in html


@pytest.mark.django_db
def test_machine_interfaces_answer_errors_as_json(production, world):
    production.ROOT_URLCONF = "tests.core.home.error_urls"
    client = Client(raise_request_exception=False)
    missing = client.get("/api/no-such-endpoint/")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert set(missing.json()) == {"message", "extra"}
    broken = client.get("/api/broken/")
    assert broken.status_code == 500 and broken["Content-Type"] == "application/json"
    assert "a bug" not in broken.content.decode()
    assert client.get("/xapi/no-such-resource/").status_code == 404
    assert client.get("/xapi/no-such-resource/")["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_the_404_page_links_the_header_pages(production, client, world):
    from wagtail.models import Site

    home = Site.objects.get(is_default_site=True).root_page
    home.add_child(instance=CourseIndexPage(title="学苑课程", slug="courses"))
    html = client.get("/missing/").content.decode()
    assert 'data-testid="nav-courses"' in html


@pytest.mark.django_db
def test_a_500_still_answers_when_the_shell_itself_fails(production, world, monkeypatch):
    from core.home import views

    production.ROOT_URLCONF = "tests.core.home.error_urls"

    def shell_fails(*args, **kwargs):
        raise RuntimeError("the database is down")

    monkeypatch.setattr(views, "render", shell_fails)
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "出错了" in html and 'href="/"' in html and "database" not in html
