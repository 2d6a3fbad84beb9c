"""Sign-in throttles, from the outside: the site's form, the Wagtail admin's form and POST /api/auth/token lock an
account (and an address) after repeated wrong passwords, the right password does not get in during the lock, and
a made-up X-Forwarded-For changes nothing unless the request comes from a trusted proxy."""

from __future__ import annotations

import pytest
from django.test import Client

from core.people.throttle import sign_in_throttle_reset

pytestmark = pytest.mark.django_db

LOCKED = "登录失败次数过多，请几分钟后再试。"


def sign_in(client: Client, username: str, password: str, *, forwarded: str | None = None, url="/accounts/login/"):
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return client.post(url, {"username": username, "password": password}, headers=headers)


def signed_in_as(client: Client) -> str | None:
    response = client.get("/api/me")
    return response.json()["username"] if response.status_code == 200 else None


def test_forty_wrong_passwords_then_the_right_one_is_refused_on_the_form(world):
    client = Client()
    for attempt in range(40):
        # A different forwarded address each time, as a scripted attacker would send.
        response = sign_in(client, "li_retailer", f"guess{attempt}", forwarded=f"203.0.113.{attempt}")
        assert response.status_code == 200
    response = sign_in(client, "li_retailer", world.password, forwarded="198.51.100.7")
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert signed_in_as(client) is None


def test_a_few_wrong_passwords_do_not_lock_anyone_out(world):
    client = Client()
    for attempt in range(3):
        assert "请输入一个正确的用户名和密码" in sign_in(client, "li_retailer", f"guess{attempt}").content.decode()
    response = sign_in(client, "li_retailer", world.password)
    assert response.status_code == 302
    assert signed_in_as(client) == "li_retailer"


def test_the_admin_sign_in_form_is_throttled_too(world):
    client = Client()
    for attempt in range(12):
        sign_in(client, "chen_editor", f"guess{attempt}", forwarded=f"203.0.113.{attempt}", url="/admin/login/")
    response = sign_in(client, "chen_editor", world.password, url="/admin/login/")
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert signed_in_as(client) is None


def test_the_token_endpoint_refuses_the_right_password_while_the_account_is_locked(world):
    for attempt in range(12):
        sign_in(Client(), "li_retailer", f"guess{attempt}", forwarded=f"203.0.113.{attempt}")
    response = Client().post(
        "/api/auth/token",
        {"username": "li_retailer", "password": world.password},
        content_type="application/json",
        headers={"X-Forwarded-For": "198.51.100.9"},
    )
    assert response.status_code == 429
    assert response.json() == {"message": LOCKED, "extra": {}}


def test_the_token_endpoint_limits_requests_per_address_whatever_the_forwarded_header_says(world):
    statuses = []
    for attempt in range(40):
        response = Client().post(
            "/api/auth/token",
            {"username": f"nobody{attempt}", "password": "wrong"},
            content_type="application/json",
            headers={"X-Forwarded-For": f"203.0.113.{attempt}"},
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [400] * 10
    assert set(statuses[10:]) == {429}


def test_an_address_that_tries_many_accounts_is_locked_for_every_account(world):
    client = Client()
    for attempt in range(50):
        sign_in(client, f"nobody{attempt}", "wrong", forwarded=f"203.0.113.{attempt % 250}")
    response = sign_in(client, "zhao_staff", world.password)
    assert LOCKED in response.content.decode()
    assert signed_in_as(client) is None


def test_behind_a_trusted_proxy_the_forwarded_address_tells_clients_apart(world, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    sign_in_throttle_reset()
    attacker = Client()
    for attempt in range(50):
        sign_in(attacker, f"nobody{attempt}", "wrong", forwarded="203.0.113.66")
    assert LOCKED in sign_in(attacker, "zhao_staff", world.password, forwarded="203.0.113.66").content.decode()
    # Someone else behind the same proxy still signs in: the lock is on the attacker's address.
    colleague = Client()
    assert sign_in(colleague, "zhao_staff", world.password, forwarded="198.51.100.20").status_code == 302
    assert signed_in_as(colleague) == "zhao_staff"


def test_sign_in_keeps_working_when_the_throttle_store_is_down(world, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    sign_in_throttle_reset()
    client = Client()
    sign_in(client, "li_retailer", "wrong")
    assert sign_in(client, "li_retailer", world.password).status_code == 302
    assert signed_in_as(client) == "li_retailer"
