"""Public certificate pages and the Open Badges documents, plus "my certificates" and the staff dashboard.

Thin: they read through selectors and render; the documents come from openbadges.py.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.http import require_GET

from core.errors import NotFound, PermissionDenied

from . import openbadges, selectors
from .charts import bar_chart_svg
from .models import Certificate, Issuer
from .qr import qr_svg


def site_base(request) -> str:
    """Scheme and host this request reached the platform at: every published id and link starts with it."""
    return request.build_absolute_uri("/").rstrip("/")


def badge_json_response(request, document: dict, *, status: int = 200) -> HttpResponse:
    """Open Badges documents are JSON-LD; a client that asks only for application/json gets that type."""
    accept = request.headers.get("Accept", "")
    wants_plain_json = "application/json" in accept and "application/ld+json" not in accept
    content_type = "application/json" if wants_plain_json else openbadges.JSON_LD
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2),
        content_type=f"{content_type}; charset=utf-8",
        status=status,
    )
    response["Access-Control-Allow-Origin"] = "*"
    response["Vary"] = "Accept"
    return response


@require_GET
def assertion_json(request, uuid):
    certificate = selectors.certificate_get(uuid=uuid)
    document = openbadges.assertion_document(certificate, base=site_base(request))
    # The specification: a revoked hosted assertion answers 410 Gone, with revoked and its reason.
    return badge_json_response(request, document, status=410 if certificate.revoked_at else 200)


@require_GET
def badge_json(request, slug):
    programme = selectors.programme_get(slug=slug)
    return badge_json_response(request, openbadges.badge_class_document(programme, base=site_base(request)))


@require_GET
def issuer_json(request, pk):
    try:
        issuer = Issuer.objects.select_related("image").get(pk=pk)
    except Issuer.DoesNotExist as exc:
        raise Http404 from exc
    return badge_json_response(request, openbadges.issuer_document(issuer, base=site_base(request)))


@require_GET
def badge_image(request, slug):
    """A plain seal for programmes without their own badge image."""
    programme = selectors.programme_get(slug=slug)
    title = escape(programme.title)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="200" height="200">'
        '<circle cx="100" cy="100" r="96" fill="#b71c1c"/>'
        '<circle cx="100" cy="100" r="80" fill="none" stroke="#ffd54f" stroke-width="4"/>'
        '<path d="M100 38l14 29 32 4-23 22 6 32-29-15-29 15 6-32-23-22 32-4z" fill="#ffd54f"/>'
        f'<text x="100" y="160" font-size="15" text-anchor="middle" fill="#fff">{title[:12]}</text>'
        "</svg>"
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _certificate_context(request, certificate: Certificate) -> dict:
    base = site_base(request)
    verify_url = base + certificate.get_absolute_url()
    return {
        "certificate": certificate,
        "programme": certificate.programme,
        "issuer": certificate.programme.issuer,
        "status": certificate.status,
        "verify_url": verify_url,
        "assertion_url": base + certificate.get_assertion_path(),
        "qr": qr_svg(verify_url),
        "now": timezone.now(),
    }


@require_GET
def certificate_verify(request, uuid):
    certificate = selectors.certificate_get(uuid=uuid)
    return render(request, "certification/verify.html", _certificate_context(request, certificate))


@require_GET
def certificate_print(request, uuid):
    certificate = selectors.certificate_get(uuid=uuid)
    return render(request, "certification/print.html", _certificate_context(request, certificate))


@require_GET
def programme_detail(request, slug):
    programme = selectors.programme_get(slug=slug)
    return render(
        request,
        "certification/programme.html",
        {
            "programme": programme,
            "path": selectors.programme_path(user=request.user, programme=programme),
            "badge_url": programme.get_badge_path(),
        },
    )


@login_required
@require_GET
def my_certificates(request):
    return render(
        request,
        "certification/my_certificates.html",
        {
            "certificates": selectors.certificates_of(user=request.user),
            "paths": selectors.programmes_in_reach(user=request.user),
        },
    )


@login_required
@require_GET
def dashboard(request):
    unit_id = request.GET.get("unit")
    try:
        unit = selectors.dashboard_unit(user=request.user, unit_id=int(unit_id) if unit_id else None)
    except ValueError as exc:
        raise Http404 from exc
    except PermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except NotFound as exc:
        raise Http404(exc.message) from exc
    figures = selectors.dashboard_figures(unit=unit)
    chart = bar_chart_svg(
        [(row["name"], row["share"], f"{row['certified']}/{row['shops']}") for row in figures["children"]]
    )
    course_chart = bar_chart_svg(
        [(row["title"], row["rate"], f"{row['completed']}/{row['enrolled']}") for row in figures["top_courses"]]
    )
    return render(
        request,
        "certification/dashboard.html",
        {
            "figures": figures,
            "unit": unit,
            "ancestors": selectors.dashboard_ancestors(user=request.user, unit=unit),
            "chart": chart,
            "course_chart": course_chart,
        },
    )
