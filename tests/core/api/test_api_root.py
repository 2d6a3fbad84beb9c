"""The /api/ root: OpenAPI, docs, errors as JSON with a message, session and bearer auth."""

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_document_is_served(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert "/api/me" in document["paths"]


def test_docs_page_is_served(client):
    assert client.get("/api/docs").status_code == 200


def test_anonymous_me_is_401_json_with_message(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json() == {"message": "请先登录。", "extra": {}}


def test_me_with_session(client, world):
    client.force_login(world.retailer)
    body = client.get("/api/me").json()
    assert body["username"] == "li_retailer"
    assert body["name"] == "李春梅"
    assert body["roles"] == ["retailer"]
    assert body["unit"]["path"] == "浙江省 / 杭州市 / 西湖区 / 城西市场部 / 城西一网格"
    assert body["shops"] == [{"licence_number": "330106100001", "name": "西湖便利店", "tier": 12, "grid": "城西一网格"}]


def test_bearer_token_for_mobile_clients(client, world):
    response = client.post(
        "/api/auth/token", {"username": "li_retailer", "password": world.password}, content_type="application/json"
    )
    assert response.status_code == 201
    token = response.json()["token"]
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["username"] == "li_retailer"
    assert client.get("/api/me", headers={"Authorization": "Bearer wagtail_nottherealtoken"}).status_code == 401


def test_wrong_password_gets_no_token(client, world):
    response = client.post(
        "/api/auth/token", {"username": "li_retailer", "password": "nope"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["message"] == "用户名或密码错误。"


def test_malformed_body_is_422_with_message(client):
    response = client.post("/api/auth/token", {"username": "x"}, content_type="application/json")
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "请求无效。"
    assert body["extra"]["errors"]
