"""Who may call the statements resource: HTTP Basic credentials per client, the version header, and which
statements may count for contests."""

from __future__ import annotations

import base64

import pytest
from activity_xapi_helpers import Xapi, statement

from core.activity.models import Statement, XapiClient

pytestmark = pytest.mark.django_db


def _refused(response, message: str) -> None:
    assert response.status_code == 401
    assert response.json() == {"message": message, "extra": {}}
    assert response["WWW-Authenticate"] == 'Basic realm="xAPI", charset="UTF-8"'
    assert response["X-Experience-API-Version"] == "1.0.3"


@pytest.mark.embedded
def test_no_credentials_is_401(lrs, client):
    _refused(
        Xapi(client, None, None).post(statement(1)), "Send the client's key and secret with HTTP Basic authentication."
    )
    assert Statement.objects.count() == 0


def test_wrong_secret_is_401(lrs):
    _refused(
        lrs.as_(lrs.trusted.key, "guess").post(statement(1)), "The key and secret do not name an active xAPI client."
    )
    _refused(lrs.as_("nobody", lrs.secret).get(), "The key and secret do not name an active xAPI client.")
    assert Statement.objects.count() == 0


def test_garbled_basic_header_is_401(lrs, client):
    response = client.get("/xapi/statements", HTTP_AUTHORIZATION="Basic !!!", HTTP_X_EXPERIENCE_API_VERSION="1.0.3")
    assert response.status_code == 401


def test_inactive_client_is_401(lrs):
    XapiClient.objects.filter(pk=lrs.trusted.pk).update(active=False)
    _refused(lrs.api.post(statement(1)), "The key and secret do not name an active xAPI client.")


def test_secret_is_kept_only_as_a_hash(lrs):
    stored = XapiClient.objects.get(pk=lrs.trusted.pk)
    assert lrs.secret not in stored.secret_hash
    assert stored.secret_hash.startswith("sha256$")


@pytest.mark.embedded
def test_version_header_is_required(lrs):
    response = lrs.as_(lrs.trusted.key, lrs.secret, version=None).post(statement(1))
    assert response.status_code == 400
    assert response.json() == {
        "message": "The X-Experience-API-Version header is required.",
        "extra": {"header": "X-Experience-API-Version"},
    }
    assert response["X-Experience-API-Version"] == "1.0.3"
    assert Statement.objects.count() == 0


def test_version_header_in_chinese_by_default(lrs):
    response = lrs.as_(lrs.trusted.key, lrs.secret, version=None, language="zh-hans").get()
    assert response.status_code == 400
    assert response.json()["message"] == "请求必须带有 X-Experience-API-Version 头。"


def test_other_major_version_is_refused(lrs):
    response = lrs.as_(lrs.trusted.key, lrs.secret, version="2.0.0").get()
    assert response.status_code == 400
    assert response.json()["message"] == "xAPI version 2.0.0 is not supported; use 1.0.3."


def test_trust_follows_the_client(lrs):
    [trusted_id] = lrs.api.post(statement(1)).json()
    [untrusted_id] = lrs.partner.post(statement(2)).json()
    assert Statement.objects.get(pk=trusted_id).trusted is True
    assert Statement.objects.get(pk=untrusted_id).trusted is False
    assert Statement.objects.get(pk=untrusted_id).client == lrs.untrusted


def test_untrusted_client_reads_only_its_own_statements(lrs):
    [trusted_id] = lrs.api.post(statement(1)).json()
    [own_id] = lrs.partner.post(statement(2)).json()
    assert [s["id"] for s in lrs.partner.get().json()["statements"]] == [own_id]
    assert lrs.partner.get(params={"statementId": trusted_id}).status_code == 404
    assert {s["id"] for s in lrs.api.get().json()["statements"]} == {trusted_id, own_id}


def test_wrong_method_is_405_with_json(lrs):
    response = lrs.api.client.delete("/xapi/statements", **lrs.api.headers)
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST, PUT"
    assert response.json()["message"] == "Method DELETE is not allowed here."


def test_basic_header_with_unicode_secret_does_not_crash(lrs, client):
    token = base64.b64encode("键:秘密".encode()).decode()
    response = client.get(
        "/xapi/statements", HTTP_AUTHORIZATION=f"Basic {token}", HTTP_X_EXPERIENCE_API_VERSION="1.0.3"
    )
    assert response.status_code == 401
