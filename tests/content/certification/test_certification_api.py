"""The certification API: my certificates (signed in) and public verification."""

from __future__ import annotations

import pytest

from content.certification.services import certificate_issue, certificate_revoke

pytestmark = pytest.mark.django_db


def test_my_certificates(cert, client):
    mine, _ = certificate_issue(user=cert.world.retailer, programme=cert.programme)
    certificate_issue(user=cert.world.member, programme=cert.programme)
    assert client.get("/api/certification/certificates/mine").status_code == 401

    client.force_login(cert.world.retailer)
    body = client.get("/api/certification/certificates/mine").json()

    assert [item["uuid"] for item in body] == [str(mine.uuid)]
    assert body[0]["status"] == "valid"
    assert body[0]["programme"] == "retail-basic"
    assert body[0]["verification_url"] == f"http://testserver/certificates/{mine.uuid}/"


def test_public_verification(cert, client):
    certificate, _ = certificate_issue(user=cert.world.retailer, programme=cert.programme)
    body = client.get(f"/api/certification/certificates/{certificate.uuid}").json()
    assert body["valid"] is True
    assert body["holder"] == "李春梅"
    assert body["assertion_url"] == f"http://testserver/certificates/{certificate.uuid}/assertion.json"

    certificate_revoke(certificate=certificate, by=cert.world.editor, reason="重复发放")
    body = client.get(f"/api/certification/certificates/{certificate.uuid}").json()
    assert (body["valid"], body["status"], body["revocation_reason"]) == (False, "revoked", "重复发放")
    missing = client.get("/api/certification/certificates/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/certification/certificates/mine" in paths
    assert "/api/certification/certificates/{uuid}" in paths
    assert "/api/certification/dashboard" in paths
