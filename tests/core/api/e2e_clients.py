"""Clients of the running end-to-end platform as the outside meets it: a bearer token, a browser session with
its CSRF token, and forgetting the failed sign-ins a run leaves behind (shared by the schemathesis run and the
permission matrix)."""

from __future__ import annotations

import re

import httpx
import redis

DEMO_PASSWORD = "demo12345"


def bearer_token(base_url: str, username: str, password: str = DEMO_PASSWORD) -> str:
    response = httpx.post(f"{base_url}/api/auth/token", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    return response.json()["token"]


def browser(base_url: str, username: str | None, password: str = DEMO_PASSWORD) -> httpx.Client:
    """A client that signed in through the form as a browser does (anonymous when username is None), and sends
    the CSRF token with its writes."""
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)
    form = client.get("/accounts/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    if username is not None:
        answer = client.post(
            "/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": csrf},
            headers={"Referer": f"{base_url}/accounts/login/"},
        )
        assert answer.status_code == 302, answer.text
    client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
    return client


def forget_sign_in_counts(platform) -> None:
    """Fuzzing the token endpoint fails many sign-ins from 127.0.0.1; later end-to-end tests sign in from there."""
    client = redis.Redis.from_url(platform.env["REDIS_URL"])
    prefix = platform.env["REDIS_KEY_PREFIX"]
    for pattern in (f"{prefix}:cache:signin*", f"{prefix}:cache*throttle*"):
        keys = list(client.scan_iter(pattern, count=1000))
        if keys:
            client.delete(*keys)
