"""Input /api/ refuses before it reaches the database (found by schemathesis on PostgreSQL, where each was a 500):
a NUL in any text, numbers beyond what the database holds, a contest slug that no contest can have."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_nul_in_a_query_string_is_refused_with_422(client, world):
    client.force_login(world.member)
    response = client.get("/api/me/index", {"index": "pioneer\x00"})
    assert response.status_code == 422
    assert response.json()["message"] == "请求无效。"
    assert response.json()["extra"]["errors"][0]["msg"] == "文本中不能含有 NUL 字符。"


def test_a_nul_in_a_body_is_refused_with_400(client):
    response = client.post(
        "/api/auth/token", {"username": "li_retailer\x00", "password": "x"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"message", "extra"}


@pytest.mark.parametrize(
    "url",
    [
        "/api/learning/courses?offset=7971163404569271608734121984",
        "/api/learning/courses/99999999999",
        "/api/certification/dashboard?unit=99999999999",
        "/api/contests/bad%00slug/leaderboard",
    ],
)
def test_values_the_database_cannot_hold_are_refused_with_422(client, world, url):
    client.force_login(world.editor)
    response = client.get(url)
    assert response.status_code == 422, response.content
    assert response.json()["message"] == "请求无效。"
