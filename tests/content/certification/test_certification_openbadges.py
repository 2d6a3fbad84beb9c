"""Every certificate validates as an Open Badges 2.0 hosted assertion: its assertion, badge class and issuer
profile are fetched from their own URLs, carry every required property with the expected types, ids resolve
to themselves, and the recipient hash matches the person with the published salt. A revoked assertion
answers 410 Gone with revoked and its reason, as the specification's "Revoking Hosted Assertions" says."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest
from certification_helpers import meet_programme
from django.utils import timezone

from content.certification.models import Certificate
from content.certification.services import certificate_issue, certificate_revoke

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

CONTEXT = "https://w3id.org/openbadges/v2"
ISO_WITH_ZONE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


class Invalid(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Invalid(message)


def is_iri(value) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in {"http", "https"} and bool(urlsplit(value).netloc)


def is_datetime(value) -> bool:
    return isinstance(value, str) and bool(ISO_WITH_ZONE.match(value))


def has_type(document: dict, wanted: set[str]) -> bool:
    declared = document.get("type")
    declared = declared if isinstance(declared, list) else [declared]
    return bool(wanted & set(declared))


class HostedBadgeValidator:
    """Data validation and hosted verification per Open Badges 2.0, fetching through Django's test client."""

    def __init__(self, client):
        self.client = client
        self.fetched: dict[str, tuple[int, dict]] = {}

    def fetch(self, url: str) -> tuple[int, dict]:
        check(is_iri(url), f"{url!r} is not an HTTP IRI")
        parts = urlsplit(url)
        response = self.client.get(parts.path, HTTP_HOST=parts.netloc, HTTP_ACCEPT="application/ld+json")
        check(
            response["Content-Type"].split(";")[0] == "application/ld+json",
            f"{url} served as {response['Content-Type']}, not application/ld+json",
        )
        document = json.loads(response.content)
        check(document.get("@context") == CONTEXT, f"{url}: @context must be {CONTEXT}")
        check(document.get("id") == url, f"{url}: id {document.get('id')!r} does not resolve to itself")
        self.fetched[url] = (response.status_code, document)
        return response.status_code, document

    def issuer(self, url: str) -> dict:
        status, issuer = self.fetch(url)
        check(status == 200, f"issuer {url} answered {status}")
        check(has_type(issuer, {"Issuer", "Profile"}), "issuer type must be Issuer or Profile")
        for prop in ("name", "url", "email"):  # required of an issuer profile
            check(isinstance(issuer.get(prop), str) and issuer[prop], f"issuer lacks {prop}")
        check(is_iri(issuer["url"]), "issuer url must be an IRI")
        check("@" in issuer["email"], "issuer email must be an address")
        if "image" in issuer:
            check(is_iri(issuer["image"]) or issuer["image"].startswith("data:"), "issuer image must be an IRI")
        return issuer

    def badge_class(self, url: str) -> dict:
        status, badge = self.fetch(url)
        check(status == 200, f"badge class {url} answered {status}")
        check(has_type(badge, {"BadgeClass"}), "badge type must be BadgeClass")
        for prop in ("name", "description"):
            check(isinstance(badge.get(prop), str) and badge[prop], f"badge class lacks {prop}")
        check(is_iri(badge.get("image")), "badge class image must be an IRI")
        image = self.client.get(urlsplit(badge["image"]).path)
        check(image.status_code == 200, "badge image does not load")
        check(image["Content-Type"].split(";")[0] in {"image/png", "image/svg+xml"}, "badge image is not PNG or SVG")
        criteria = badge.get("criteria")
        check(
            is_iri(criteria)
            or (isinstance(criteria, dict) and (is_iri(criteria.get("id")) or criteria.get("narrative"))),
            "badge class criteria must be an IRI or a Criteria document",
        )
        if isinstance(criteria, dict) and "id" in criteria:
            check(self.client.get(urlsplit(criteria["id"]).path).status_code == 200, "criteria page does not load")
        if "tags" in badge:
            check(isinstance(badge["tags"], list) and all(isinstance(t, str) for t in badge["tags"]), "bad tags")
        check(is_iri(badge.get("issuer")), "badge class issuer must be the issuer's IRI")
        self.issuer(badge["issuer"])
        return badge

    def assertion(self, url: str, *, identity: str | None = None) -> dict:
        """Verify the hosted assertion at `url`; returns it. Raises Invalid, or returns a revoked document."""
        status, assertion = self.fetch(url)
        check(has_type(assertion, {"Assertion"}), "assertion type must be Assertion")
        if status == 410 or assertion.get("revoked") is True:
            check(status == 410, "a revoked hosted assertion answers 410 Gone")
            check(assertion.get("revoked") is True, "a revoked assertion says revoked: true")
            return assertion
        check(status == 200, f"assertion answered {status}")
        recipient = assertion.get("recipient")
        check(isinstance(recipient, dict), "assertion lacks recipient")
        check(recipient.get("type") in {"email", "url", "telephone"}, "recipient type must be a profile identifier")
        check(isinstance(recipient.get("hashed"), bool), "recipient.hashed must be a boolean")
        check(isinstance(recipient.get("identity"), str), "recipient.identity must be text")
        if recipient["hashed"]:
            check(re.fullmatch(r"(sha256|md5)\$[0-9a-f]+", recipient["identity"]) is not None, "bad identity hash")
            check(isinstance(recipient.get("salt", ""), str), "salt must be text")
        verification = assertion.get("verification")
        check(isinstance(verification, dict), "assertion lacks verification")
        check(verification.get("type") in {"hosted", "HostedBadge"}, "verification type must be hosted")
        check(is_datetime(assertion.get("issuedOn")), "issuedOn must be an ISO 8601 time with a zone")
        if "expires" in assertion:
            check(is_datetime(assertion["expires"]), "expires must be an ISO 8601 time with a zone")
        for evidence in assertion.get("evidence", []) if isinstance(assertion.get("evidence"), list) else []:
            check(isinstance(evidence, dict) or is_iri(evidence), "evidence must be an IRI or an Evidence")
            if isinstance(evidence, dict) and "id" in evidence:
                check(is_iri(evidence["id"]), "evidence id must be an IRI")
        check(is_iri(assertion.get("badge")), "assertion badge must be the badge class IRI")
        badge = self.badge_class(assertion["badge"])
        # Hosted verification: without issuer instructions, assertion and badge class share the issuer's origin.
        origin = urlsplit(badge["issuer"]).netloc
        check(urlsplit(url).netloc == origin == urlsplit(assertion["badge"]).netloc, "origins differ")
        if identity is not None:
            algorithm, digest = recipient["identity"].split("$", 1)
            expected = hashlib.new(algorithm, (identity + recipient.get("salt", "")).encode()).hexdigest()
            check(digest == expected, "the recipient hash does not match the identity and salt")
        if "expires" in assertion:
            check(datetime.fromisoformat(assertion["expires"]) > timezone.now(), "the assertion has expired")
        return assertion


BASE = "http://testserver"


def assertion_url(certificate) -> str:
    return f"{BASE}/certificates/{certificate.uuid}/assertion.json"


def test_an_issued_certificate_validates_as_a_hosted_open_badge(cert, client):
    retailer = cert.world.retailer
    retailer.email = "Li.Chunmei@Example.cn"
    retailer.save()
    meet_programme(cert, retailer)
    certificate = Certificate.objects.get(recipient=retailer)

    validator = HostedBadgeValidator(client)
    assertion = validator.assertion(assertion_url(certificate), identity="li.chunmei@example.cn")

    assert assertion["recipient"]["type"] == "email"
    assert assertion["recipient"]["hashed"] is True
    assert "Example.cn" not in json.dumps(assertion)  # the address is published only as a salted hash
    assert assertion["badge"] == f"{BASE}/certificates/programmes/retail-basic/badge.json"
    assert assertion["evidence"][0]["narrative"].splitlines() == [
        "- 卷烟陈列技巧",
        "- 烟草专卖法规",
        "- 初级认证考试: 90%",
    ]
    assert set(validator.fetched) == {
        assertion_url(certificate),
        f"{BASE}/certificates/programmes/retail-basic/badge.json",
        f"{BASE}/certificates/issuers/{cert.issuer.pk}.json",
    }
    badge = validator.fetched[assertion["badge"]][1]
    assert badge["name"] == "卷烟零售专业认证（初级）"
    assert badge["criteria"]["narrative"] == "学完两门必修课并以 80 分以上通过结业考试。"
    assert badge["tags"] == ["零售", "陈列"]
    issuer = validator.fetched[badge["issuer"]][1]
    assert issuer["name"] == "市烟草专卖局（公司）培训中心"
    with pytest.raises(Invalid, match="does not match"):
        validator.assertion(assertion_url(certificate), identity="someone.else@example.cn")


def test_without_an_email_the_recipient_is_the_telephone_then_a_profile_url(cert, client):
    world = cert.world
    world.retailer.phone = "138 0571 0001"
    world.retailer.save()
    by_phone, _ = certificate_issue(user=world.retailer, programme=cert.programme)
    by_url, _ = certificate_issue(user=world.member, programme=cert.programme)

    validator = HostedBadgeValidator(client)
    phone = validator.assertion(assertion_url(by_phone), identity="+8613805710001")
    assert phone["recipient"]["type"] == "telephone"
    url = validator.assertion(assertion_url(by_url), identity="http://localhost:8000/people/wang_member")
    assert url["recipient"]["type"] == "url"


def test_the_recipient_hash_is_the_one_in_the_specification(cert):
    from content.certification.openbadges import identity_hash

    assert identity_hash("mayze", "") == "sha256$" + hashlib.sha256(b"mayze").hexdigest()
    assert identity_hash("a@b.cn", "salt") == "sha256$" + hashlib.sha256(b"a@b.cnsalt").hexdigest()


def test_a_revoked_assertion_answers_410_with_revoked_and_the_reason(cert, client):
    certificate, _ = certificate_issue(user=cert.world.retailer, programme=cert.programme)
    certificate_revoke(certificate=certificate, by=cert.world.editor, reason="考试作弊，证书撤销")

    response = client.get(f"/certificates/{certificate.uuid}/assertion.json")

    assert response.status_code == 410
    assert response["Content-Type"].startswith("application/ld+json")
    assert json.loads(response.content) == {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": assertion_url(certificate),
        "revoked": True,
        "revocationReason": "考试作弊，证书撤销",
    }
    revoked = HostedBadgeValidator(client).assertion(assertion_url(certificate))
    assert revoked["revoked"] is True


def test_an_expired_assertion_still_validates_as_data_but_says_when_it_expired(cert, client):
    certificate, _ = certificate_issue(
        user=cert.world.retailer, programme=cert.programme, issued_at=timezone.now() - timedelta(days=800)
    )
    validator = HostedBadgeValidator(client)
    with pytest.raises(Invalid, match="expired"):
        validator.assertion(assertion_url(certificate))
    status, document = validator.fetched[assertion_url(certificate)]
    assert status == 200
    assert datetime.fromisoformat(document["expires"]) == certificate.expires_at.replace(microsecond=0)


def test_a_client_asking_only_for_json_gets_json(cert, client):
    response = client.get(f"/certificates/issuers/{cert.issuer.pk}.json", HTTP_ACCEPT="application/json")
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["id"] == f"{BASE}/certificates/issuers/{cert.issuer.pk}.json"


def test_unknown_documents_are_404(cert, client):
    assert client.get("/certificates/00000000-0000-0000-0000-000000000000/assertion.json").status_code == 404
    assert client.get("/certificates/programmes/nope/badge.json").status_code == 404
    assert client.get("/certificates/issuers/999999.json").status_code == 404
