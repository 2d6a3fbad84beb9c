"""The catalogue's whole-page cache: served to visitors without a session, never stale after a publish,
never carrying one visitor's CSRF token or signed-in state to another."""

import re

import pytest
from django.test import Client
from wagtail.models import PageViewRestriction

from content.learning.models import CoursePage
from content.learning.page_cache import CSRF_PLACEHOLDER

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def visit(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert CSRF_PLACEHOLDER not in html
    return response, html


def switch_language(client, token):
    return client.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": token})


def test_second_visitor_is_served_from_the_cache_with_their_own_csrf_token(course_tree, django_assert_num_queries):
    url = course_tree.catalogue.url
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    response, html = visit(first, url)
    assert "X-Page-Cache" not in response
    first_token = TOKEN.search(html).group(1)

    with django_assert_num_queries(0):
        response, html = visit(second, url)
    assert response["X-Page-Cache"] == "hit"
    assert "卷烟陈列技巧" in html
    second_token = TOKEN.search(html).group(1)
    assert second_token != first_token
    # Each token works with its own visitor's cookie, and not with the other's.
    assert switch_language(Client(enforce_csrf_checks=True), second_token).status_code == 403
    assert switch_language(second, second_token).status_code == 302
    assert switch_language(first, first_token).status_code == 302


def test_a_publish_shows_at_once(course_tree):
    url = course_tree.catalogue.url
    visit(Client(), url)
    assert visit(Client(), url)[0]["X-Page-Cache"] == "hit"

    new = course_tree.catalogue.add_child(
        instance=CoursePage(
            title="门店数字化工具入门", slug="digital-basics", summary="扫码收款和进销存。", category="digital"
        )
    )
    new.save_revision().publish()
    response, html = visit(Client(), url)
    assert "门店数字化工具入门" in html
    assert "X-Page-Cache" not in response

    course = CoursePage.objects.get(pk=course_tree.course.pk)
    course.title = "卷烟陈列技巧(新版)"
    course.save_revision().publish()
    assert "卷烟陈列技巧(新版)" in visit(Client(), url)[1]

    course.unpublish()
    assert "卷烟陈列技巧" not in visit(Client(), url)[1]


def test_each_category_and_language_is_its_own_page(course_tree):
    url = course_tree.catalogue.url
    visit(Client(), url)
    visit(Client(), url + "?category=law")
    assert "卷烟陈列技巧" in visit(Client(), url)[1]
    law, html = visit(Client(), url + "?category=law")
    assert law["X-Page-Cache"] == "hit" and "卷烟陈列技巧" not in html
    english = Client(headers={"accept-language": "en"})
    visit(english, url)
    response, html = visit(Client(headers={"accept-language": "en"}), url)
    assert response["X-Page-Cache"] == "hit" and '<html lang="en">' in html
    assert '<html lang="zh-hans">' in visit(Client(), url)[1]


def test_a_signed_in_person_never_gets_or_leaves_the_shared_page(course_tree, world):
    url = course_tree.catalogue.url
    retailer = Client()
    retailer.force_login(world.retailer)
    response, html = visit(retailer, url)
    assert "X-Page-Cache" not in response
    assert 'data-testid="my-learning-link"' in html and 'action="/accounts/logout/"' in html
    retailer_token = TOKEN.search(html).group(1)

    # What the signed-in person saw was not stored for others.
    visit(Client(), url)
    response, html = visit(Client(), url)
    assert response["X-Page-Cache"] == "hit"
    assert 'data-testid="my-learning-link"' not in html and "/accounts/logout/" not in html
    assert retailer_token not in html
    # And the shared page is not what the signed-in person gets next.
    response, html = visit(retailer, url)
    assert "X-Page-Cache" not in response and 'data-testid="my-learning-link"' in html


def test_visitors_with_messages_or_other_queries_get_the_page_rendered(course_tree):
    url = course_tree.catalogue.url
    visit(Client(), url)
    with_messages = Client()
    with_messages.cookies["messages"] = "anything"
    assert "X-Page-Cache" not in visit(with_messages, url)[0]
    odd_url = url + "?category=law&next=%22%3E%3Cscript%3E"
    for _ in range(2):
        odd, html = visit(Client(), odd_url)
        assert "X-Page-Cache" not in odd and '"><script>' not in html
    # The shared page names its own path in the language switch, not another visitor's query.
    response, html = visit(Client(), url)
    assert response["X-Page-Cache"] == "hit"
    assert f'name="next" type="hidden" value="{url}"' in html


def test_a_view_restriction_stops_the_cached_page_at_once(course_tree):
    url = course_tree.catalogue.url
    visit(Client(), url)
    assert visit(Client(), url)[0]["X-Page-Cache"] == "hit"
    PageViewRestriction.objects.create(page=course_tree.catalogue, restriction_type=PageViewRestriction.LOGIN)
    response = Client().get(url)
    assert response.status_code == 302 and "/login" in response["Location"]
