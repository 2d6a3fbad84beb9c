"""The public verification page (valid, expired, revoked with the reason), its QR code, the print-ready
certificate, "my certificates", the programme page, and revocation in the Wagtail admin."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from content.certification.models import Certificate
from content.certification.qr import qr_matrix
from content.certification.services import certificate_issue, certificate_revoke

pytestmark = pytest.mark.django_db

MODULE = re.compile(r"M(\d+(?:\.\d+)?),(\d+(?:\.\d+)?)H")


def qr_of(html: str) -> tuple[str, set[tuple[int, int]]]:
    """The URL a page's QR code carries (data-url) and the dark modules its SVG path draws."""
    svg = re.search(r'<svg class="qr"[^>]*>.*?</svg>', html, re.S).group(0)
    url = re.search(r'data-url="([^"]+)"', svg).group(1)
    path = re.search(r'<path d="([^"]+)"', svg).group(1)
    return url, {(int(float(x)), int(float(y))) for x, y in MODULE.findall(path)}


def dark_modules(data: str) -> set[tuple[int, int]]:
    return {(x, y) for y, row in enumerate(qr_matrix(data)) for x, dark in enumerate(row) if dark}


def test_the_verification_page_shows_a_valid_certificate_and_a_qr_code_of_its_own_address(cert, client):
    certificate, _ = certificate_issue(user=cert.world.retailer, programme=cert.programme)

    response = client.get(f"/certificates/{certificate.uuid}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="valid"' in html
    assert "李春梅" in html
    assert "卷烟零售专业认证（初级）" in html
    assert "市烟草专卖局（公司）培训中心" in html
    assert "证书有效" in html and "扫码核验" in html
    assert timezone.localtime(certificate.issued_at).strftime("%Y-%m-%d") in html
    assert timezone.localtime(certificate.expires_at).strftime("%Y-%m-%d") in html
    verify_url = f"http://testserver/certificates/{certificate.uuid}/"
    url, modules = qr_of(html)
    assert url == verify_url
    assert modules == dark_modules(verify_url)  # the drawn code is exactly the encoding of that address
    assert modules != dark_modules(verify_url + "x")
    assert f'href="{verify_url}" data-testid="qr-link"' in html
    assert "li_retailer" not in html and "@" not in re.sub(r"<[^>]+>", "", html).split("Open Badges")[0]


def test_an_expired_certificate_says_so(cert, client):
    certificate, _ = certificate_issue(
        user=cert.world.retailer, programme=cert.programme, issued_at=timezone.now() - timedelta(days=800)
    )
    html = client.get(certificate.get_absolute_url()).content.decode()
    assert 'data-status="expired"' in html
    assert timezone.localtime(certificate.expires_at).strftime("%Y-%m-%d") in html


def test_a_revoked_certificate_says_so_with_the_reason(cert, client):
    certificate, _ = certificate_issue(user=cert.world.retailer, programme=cert.programme)
    certificate_revoke(certificate=certificate, by=cert.world.editor, reason="冒名顶替参加考试")
    html = client.get(certificate.get_absolute_url()).content.decode()
    assert 'data-status="revoked"' in html
    assert "冒名顶替参加考试" in html


def test_the_english_page_speaks_english(cert, client):
    certificate, _ = certificate_issue(user=cert.world.retailer, programme=cert.programme)
    html = client.get(certificate.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Valid certificate" in html
    assert "Scan to verify" in html


def test_the_print_page_is_an_a4_landscape_sheet_with_the_qr_code(cert, client):
    certificate, _ = certificate_issue(user=cert.world.retailer, programme=cert.programme)
    response = client.get(certificate.get_print_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "certification/print.css" in html
    assert 'data-testid="certificate-sheet" data-status="valid"' in html
    assert qr_of(html)[0] == f"http://testserver/certificates/{certificate.uuid}/"
    css = client.get("/static/certification/print.css")
    assert b"size: A4 landscape" in b"".join(css.streaming_content if css.streaming else [css.content])


def test_my_certificates_lists_only_mine(cert, client):
    mine, _ = certificate_issue(user=cert.world.retailer, programme=cert.programme)
    certificate_issue(user=cert.world.member, programme=cert.programme)
    assert client.get("/certificates/mine/").status_code == 302  # to the login page

    client.force_login(cert.world.retailer)
    html = client.get("/certificates/mine/").content.decode()

    assert html.count('data-testid="my-certificate"') == 1
    assert str(mine.uuid) in html


def test_the_programme_page_shows_the_criteria_and_courses(cert, client):
    html = client.get("/certificates/programmes/retail-basic/").content.decode()
    assert "学完两门必修课并以 80 分以上通过结业考试。" in html
    assert "卷烟陈列技巧" in html and "烟草专卖法规" in html


def test_an_editor_revokes_in_the_admin_with_a_reason(cert, client):
    certificate, _ = certificate_issue(user=cert.world.retailer, programme=cert.programme)
    revoke_url = reverse("wagtailsnippets_certification_certificate:revoke", args=[certificate.pk])
    client.force_login(cert.world.editor)

    listing = client.get(reverse("wagtailsnippets_certification_certificate:list"))
    assert listing.status_code == 200
    assert revoke_url in listing.content.decode()
    assert client.post(revoke_url, {"reason": ""}).status_code == 200  # the form again, with the error
    response = client.post(revoke_url, {"reason": "证书信息有误"})

    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert certificate.revocation_reason == "证书信息有误"
    assert certificate.revoked_by == cert.world.editor


def test_staff_without_the_permission_cannot_revoke(cert, client):
    certificate, _ = certificate_issue(user=cert.world.retailer, programme=cert.programme)
    client.force_login(cert.world.staff)
    response = client.post(
        reverse("wagtailsnippets_certification_certificate:revoke", args=[certificate.pk]), {"reason": "x"}
    )
    assert response.status_code in {302, 403}
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
