"""The catalogue's whole-page cache: served to visitors without a session, never stale after a publish,
never carrying one visitor's CSRF token or signed-in state to another."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
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


def signed_in(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_signed_in_people_share_the_member_page_with_their_own_token_and_nothing_of_each_other(course_tree, world):
    url = course_tree.catalogue.url
    retailer, member = signed_in(world.retailer), signed_in(world.member)
    response, html = visit(retailer, url)
    assert "X-Page-Cache" not in response
    assert 'data-testid="my-learning-link"' in html and 'action="/accounts/logout/"' in html
    retailer_token = TOKEN.search(html).group(1)

    response, html = visit(member, url)
    assert response["X-Page-Cache"] == "hit"
    assert 'data-testid="my-learning-link"' in html and 'action="/accounts/logout/"' in html
    member_token = TOKEN.search(html).group(1)
    assert member_token != retailer_token
    # Nothing of one person reaches the other (the page names nobody).
    for person in (world.retailer, world.member):
        assert person.display_name not in html and person.username not in html
    # Each token logs out its own person only.
    assert member.post("/accounts/logout/", {"csrfmiddlewaretoken": retailer_token}).status_code == 403
    assert member.post("/accounts/logout/", {"csrfmiddlewaretoken": member_token}).status_code == 302
    assert "_auth_user_id" not in member.session


def test_a_members_hit_does_not_ask_for_their_permissions_again(course_tree, world):
    url = course_tree.catalogue.url
    visit(signed_in(world.retailer), url)
    member = signed_in(world.member)
    visit(member, url)  # the first hit asks whether they use the admin, then remembers it for a minute
    with CaptureQueriesContext(connection) as queries:
        response, _html = visit(member, url)
    assert response["X-Page-Cache"] == "hit"
    asked = [query["sql"] for query in queries.captured_queries if "permission" in query["sql"]]
    assert asked == []
    assert len(queries.captured_queries) <= 2  # the session (unless it comes from the cache) and its user


def test_visitors_and_members_never_get_each_others_page(course_tree, world):
    url = course_tree.catalogue.url
    visit(signed_in(world.retailer), url)
    response, html = visit(Client(), url)
    assert "X-Page-Cache" not in response
    assert 'data-testid="my-learning-link"' not in html and "/accounts/logout/" not in html
    response, html = visit(Client(), url)
    assert response["X-Page-Cache"] == "hit" and "/accounts/logout/" not in html
    response, html = visit(signed_in(world.member), url)
    assert response["X-Page-Cache"] == "hit" and 'data-testid="my-learning-link"' in html


def test_editors_get_the_page_rendered_with_their_user_bar_and_it_is_not_shared(course_tree, world):
    url = course_tree.catalogue.url
    editor = signed_in(world.editor)
    for _ in range(2):
        response, html = visit(editor, url)
        assert "X-Page-Cache" not in response and "wagtail-userbar" in html
    visit(signed_in(world.retailer), url)
    response, html = visit(signed_in(world.member), url)
    assert response["X-Page-Cache"] == "hit" and "wagtail-userbar" not in html


def test_a_restricted_catalogue_is_never_shared(course_tree, world):
    from django.contrib.auth.models import Group

    url = course_tree.catalogue.url
    readers = Group.objects.create(name="Readers")
    world.retailer.groups.add(readers)
    restriction = PageViewRestriction.objects.create(
        page=course_tree.catalogue, restriction_type=PageViewRestriction.GROUPS
    )
    restriction.groups.add(readers)
    assert visit(signed_in(world.retailer), url)[0].get("X-Page-Cache") is None
    assert visit(signed_in(world.retailer), url)[0].get("X-Page-Cache") is None
    refused = signed_in(world.member).get(url)
    assert refused.status_code == 403 or "卷烟陈列技巧" not in refused.content.decode()


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
