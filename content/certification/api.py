"""Certification API: my certificates, public verification, and the staff dashboard."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.utils.translation import gettext as _
from ninja import Router, Schema

from core.api import signed_in
from core.errors import NotFound

from . import selectors
from .models import Certificate
from .views import site_base

router = Router(tags=["certification"])


class CertificateOut(Schema):
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


class VerificationOut(CertificateOut):
    valid: bool
    badge_url: str
    issuer_url: str


class ErrorOut(Schema):
    message: str
    extra: dict


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    path: str


class ShopsOut(Schema):
    total: int
    certified: int
    share: float


class ChildOut(Schema):
    id: int
    name: str
    kind: str
    shops: int
    certified: int
    share: float


class ProgrammeHoldersOut(Schema):
    slug: str
    title: str
    holders: int


class CompletionOut(Schema):
    enrolments: int
    completions: int
    rate: float


class CourseOut(Schema):
    activity: str
    title: str
    enrolled: int
    completed: int
    rate: float


class DashboardOut(Schema):
    unit: UnitOut
    shops: ShopsOut
    children: list[ChildOut]
    programmes: list[ProgrammeHoldersOut]
    completion: CompletionOut
    top_courses: list[CourseOut]
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


@router.get("/certificates/mine", response={200: list[CertificateOut], 401: ErrorOut}, auth=signed_in)
def my_certificates(request):
    """The signed-in person's certificates, valid, expired and revoked, newest first."""
    certificates = selectors.certificates_of(user=request.user)
    for certificate in certificates:
        certificate.recipient = request.user
    return [_certificate_out(request, certificate) for certificate in certificates]


@router.get("/certificates/{uuid}", response={200: VerificationOut, 404: ErrorOut})
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


@router.get("/dashboard", response={200: DashboardOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}, auth=signed_in)
def dashboard(request, unit: int | None = None):
    """Staff and editors: certified-shop share, per-unit breakdown, completion rates and the most-taken courses
    for an organisation unit and everything under it (the person's own unit by default)."""
    org_unit = selectors.dashboard_unit(user=request.user, unit_id=unit)
    return selectors.dashboard_figures(unit=org_unit)
