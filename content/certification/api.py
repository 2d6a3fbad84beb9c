"""Certification API: my certificates, public verification, and the staff dashboard."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from core.errors import NotFound, errors
from core.people.auth import request_person, signed_in

from . import selectors
from .models import Certificate
from .views import site_base

router = Router(tags=["certification"])


class CertificationCertificateOut(Schema):
    uuid: UUID
    programme: str
    programme_title: str
    issuer: str
    holder: str
    status: str
    issued_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    revocation_reason: str
    verification_url: str
    assertion_url: str


class CertificationVerificationOut(CertificationCertificateOut):
    valid: bool
    badge_url: str
    issuer_url: str


class CertificationUnitOut(Schema):
    id: int
    name: str
    kind: str
    path: str


class CertificationShopsOut(Schema):
    total: int
    certified: int
    share: float


class CertificationChildOut(Schema):
    id: int
    name: str
    kind: str
    shops: int
    certified: int
    share: float


class CertificationProgrammeHoldersOut(Schema):
    slug: str
    title: str
    holders: int


class CertificationCompletionOut(Schema):
    enrolments: int
    completions: int
    rate: float


class CertificationCourseOut(Schema):
    activity: str
    title: str
    enrolled: int
    completed: int
    rate: float


class CertificationDashboardOut(Schema):
    unit: CertificationUnitOut
    shops: CertificationShopsOut
    children: list[CertificationChildOut]
    programmes: list[CertificationProgrammeHoldersOut]
    completion: CertificationCompletionOut
    top_courses: list[CertificationCourseOut]
    at: datetime


def _certificate_out(request, certificate: Certificate) -> dict:
    base = site_base(request)
    return {
        "uuid": certificate.uuid,
        "programme": certificate.programme.slug,
        "programme_title": certificate.programme.title,
        "issuer": certificate.programme.issuer.name,
        "holder": str(certificate.recipient),
        "status": certificate.status,
        "issued_at": certificate.issued_at,
        "expires_at": certificate.expires_at,
        "revoked_at": certificate.revoked_at,
        "revocation_reason": certificate.revocation_reason,
        "verification_url": base + certificate.get_absolute_url(),
        "assertion_url": base + certificate.get_assertion_path(),
    }


@router.get("/certificates/mine", response={200: list[CertificationCertificateOut], **errors(401)}, auth=signed_in)
def my_certificates(request):
    """The signed-in person's certificates, valid, expired and revoked, newest first."""
    person = request_person(request)
    certificates = selectors.certificates_of(user=person)
    for certificate in certificates:
        certificate.recipient = person
    return [_certificate_out(request, certificate) for certificate in certificates]


@router.get("/certificates/{uuid}", response={200: CertificationVerificationOut, **errors(404, 422)})
def certificate_verify(request, uuid: UUID):
    """Public: whether a certificate is valid, expired or revoked (with the reason). No sign-in needed."""
    certificate = (
        Certificate.objects.select_related("recipient", "programme", "programme__issuer").filter(uuid=uuid).first()
    )
    if certificate is None:
        raise NotFound(_("No such certificate."))
    base = site_base(request)
    return {
        **_certificate_out(request, certificate),
        "valid": certificate.is_valid,
        "badge_url": base + certificate.programme.get_badge_path(),
        "issuer_url": base + certificate.programme.issuer.get_json_path(),
    }


@router.get("/dashboard", response={200: CertificationDashboardOut, **errors(401, 403, 404, 422)}, auth=signed_in)
def dashboard(request, unit: int | None = Query(None, ge=1, le=2**31 - 1)):
    """Staff and editors: certified-shop share, per-unit breakdown, completion rates and the most-taken courses
    for an organisation unit and everything under it (the person's own unit by default)."""
    org_unit = selectors.dashboard_unit(user=request_person(request), unit_id=unit)
    return selectors.dashboard_figures(unit=org_unit)
