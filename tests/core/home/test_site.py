"""The site shell as a visitor meets it: Chinese by default, English on request, log in, my page."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_page_answers_in_chinese(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "先锋学苑" in html
    assert "登录" in html


@pytest.mark.embedded
def test_home_page_answers_on_the_embedded_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "先锋学苑" in response.content.decode()


def test_language_switch_to_english_and_back(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"}, follow=True)
    assert "登录" in response.content.decode()


def test_my_page_needs_login(client):
    response = client.get(reverse("my-page"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_with_wrong_password_says_so_and_stays_out(client, world):
    response = client.post(reverse("login"), {"username": "li_retailer", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_retailer_sees_roles_unit_and_shop_on_my_page(client, world):
    response = client.post(reverse("login"), {"username": "li_retailer", "password": world.password}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("my-page")
    assert "我的主页" in html
    assert "零售户" in html
    assert "浙江省 / 杭州市 / 西湖区 / 城西市场部 / 城西一网格" in html
    assert "西湖便利店" in html
    assert "330106100001" in html


def test_party_member_sees_branch_on_my_page(client, world):
    client.force_login(world.member)
    html = client.get(reverse("my-page")).content.decode()
    assert "城西市场部党支部" in html
    assert "党员" in html


def test_my_page_reads_in_constant_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.retailer)
    # Each app's "my page" links ask whether they apply to this person (a station owner, a team leader, a shop with
    # visits): a fixed number of queries, whatever the data.
    with django_assert_max_num_queries(18):
        assert client.get(reverse("my-page")).status_code == 200


def test_logout_needs_post_and_ends_the_session(client, world):
    client.force_login(world.retailer)
    client.post(reverse("logout"))
    assert client.get(reverse("my-page")).status_code == 302


def test_page_is_built_for_phones(client):
    html = client.get("/").content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1' in html
