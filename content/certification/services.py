"""Writes about certificates: issue (at once, when a person meets a programme), revoke, and the statement handler
that ties certificates to learning.

Issuing and revoking check permissions first, then write in one transaction together with their statement
("earned") or their audit row (revocation, in Wagtail's log).
"""

from __future__ import annotations

import calendar
import secrets
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from core.activity.models import Statement
from core.activity.services import activity_record
from core.activity.vocabulary import ActivityType, Verb
from core.errors import ApplicationError, PermissionDenied

from . import learning
from .models import Certificate, Programme

REVOKED_ACTION = "certification.revoke"
MAX_REASON_LENGTH = 300


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus whole calendar months; the 31st becomes the last day of a shorter month."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def certificate_expiry(*, programme: Programme, issued_at: datetime) -> datetime | None:
    if not programme.validity_months:
        return None
    return add_months(issued_at, programme.validity_months)


def recipient_identity(user) -> tuple[str, str]:
    """How the Open Badges assertion identifies the person: e-mail if known, else telephone, else a profile URL
    (the three Profile identifier properties of the specification, in that order)."""
    if user.email:
        return Certificate.RecipientType.EMAIL, user.email.strip().lower()
    phone = "".join(ch for ch in (user.phone or "") if ch.isdigit() or ch == "+")
    if phone:
        if not phone.startswith("+"):
            phone = "+86" + phone
        return Certificate.RecipientType.TELEPHONE, phone
    return Certificate.RecipientType.URL, f"{settings.XAPI_ACCOUNT_HOMEPAGE.rstrip('/')}/people/{user.username}"


def assertion_url(certificate: Certificate) -> str:
    return settings.SITE_URL.rstrip("/") + certificate.get_assertion_path()


def _may_issue(by) -> bool:
    return by is None or by.is_superuser or by.has_perm("certification.add_certificate")


def certificate_issue(
    *,
    user,
    programme: Programme,
    issued_at: datetime | None = None,
    evidence: list[dict] | None = None,
    by=None,
) -> tuple[Certificate, bool]:
    """Give `user` a valid certificate of `programme`, once: returns (certificate, created).

    Idempotent: when `user` already holds a valid certificate of the programme, that one is returned and
    nothing is written. An expired or revoked one does not count, so passing again renews the certification.
    `by=None` is the platform itself (the statement handler, the demo); a person needs the add permission.
    The certificate and its "earned" statement are written in one transaction.
    """
    if not _may_issue(by):
        raise PermissionDenied(_("You may not issue certificates."))
    issued_at = issued_at or timezone.now()
    with transaction.atomic():
        # One issuer at a time per person, so two statements arriving together cannot issue twice.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        existing = Certificate.objects.valid().filter(recipient=user, programme=programme).first()
        if existing is not None:
            return existing, False
        recipient_type, identity = recipient_identity(user)
        certificate = Certificate.objects.create(
            recipient=user,
            programme=programme,
            issued_at=issued_at,
            expires_at=certificate_expiry(programme=programme, issued_at=issued_at),
            evidence=evidence or [],
            recipient_type=recipient_type,
            recipient_identity=identity,
            salt=secrets.token_hex(8),
        )
        activity_record(
            actor=user,
            verb=Verb.EARNED,
            object_id=assertion_url(certificate),
            activity_type=ActivityType.CERTIFICATE,
            name=programme.title,
            result={"success": True, "completion": True},
            context={"extensions": {_EXT_PROGRAMME: programme.slug}},
            natural_key=("certificate-earned", certificate.uuid),
            timestamp=issued_at,
        )
    return certificate, True


_EXT_PROGRAMME = "https://w3id.org/xapi/xianfeng/extensions/programme"


def programme_requirements(*, user, programme: Programme) -> tuple[bool, list[dict]]:
    """Whether `user` meets `programme` now, and the evidence (courses completed, final quiz score)."""
    courses = [link.course for link in programme.required_courses.select_related("course")]
    by_activity = {learning.page_activity_id(course): course.pk for course in courses}
    done = learning.completed_course_ids(user=user, course_ids=by_activity)
    evidence: list[dict] = [
        {"course": course.title, "activity": learning.page_activity_id(course)}
        for course in courses
        if course.pk in done
    ]
    met = len(done) == len(courses)
    if programme.final_quiz_id:
        quiz = programme.final_quiz
        best = learning.quiz_best_score(user=user, quiz=quiz)
        if best is None or round(best * 100, 6) < programme.pass_mark:
            met = False
        else:
            evidence.append({"quiz": quiz.title, "activity": learning.page_activity_id(quiz), "score": round(best, 4)})
    elif not courses:
        met = False  # a programme with no requirement at all is issued by hand only
    return met, evidence


def programme_check(*, user, programme: Programme) -> Certificate | None:
    """Issue `programme`'s certificate to `user` when they meet it and hold no valid one; returns the new one."""
    if not programme.active:
        return None
    if Certificate.objects.valid().filter(recipient=user, programme=programme).exists():
        return None
    met, evidence = programme_requirements(user=user, programme=programme)
    if not met:
        return None
    certificate, created = certificate_issue(user=user, programme=programme, evidence=evidence)
    return certificate if created else None


def _programmes_touching(object_id: str) -> list[Programme]:
    programmes = (
        Programme.objects.filter(active=True).select_related("final_quiz").prefetch_related("required_courses__course")
    )
    found = []
    for programme in programmes:
        pages = [link.course for link in programme.required_courses.all()]
        if programme.final_quiz is not None:
            pages.append(programme.final_quiz)
        if any(learning.page_activity_id(page) == object_id for page in pages):
            found.append(programme)
    return found


def on_statement(statement: Statement) -> None:
    """Statement handler: a completed course or a scored quiz attempt may complete a programme; issue at once."""
    if statement.actor_user_id is None or statement.voided:
        return
    is_course_completed = statement.verb_id == Verb.COMPLETED and statement.activity_type == ActivityType.COURSE
    # Any scored attempt counts: a programme's pass mark may be above the quiz's own, and "passed" is
    # recorded once per quiz while every attempt is recorded as "answered".
    is_quiz_scored = statement.verb_id in (Verb.PASSED, Verb.ANSWERED) and (
        statement.activity_type == ActivityType.ASSESSMENT
    )
    if not (is_course_completed or is_quiz_scored):
        return
    programmes = _programmes_touching(statement.object_id)
    if not programmes:
        return
    user = get_user_model().objects.get(pk=statement.actor_user_id)
    for programme in programmes:
        programme_check(user=user, programme=programme)


def _may_revoke(by) -> bool:
    return by is not None and (by.is_superuser or by.has_perm("certification.revoke_certificate"))


def certificate_revoke(*, certificate: Certificate, by, reason: str) -> Certificate:
    """Revoke `certificate` for `reason` (published in its assertion); only editors may."""
    if not _may_revoke(by):
        raise PermissionDenied(_("You may not revoke certificates."))
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give the reason for the revocation."), extra={"field": "reason"})
    if len(reason) > MAX_REASON_LENGTH:
        raise ApplicationError(
            _("The reason may have at most %(max)d characters.") % {"max": MAX_REASON_LENGTH},
            extra={"field": "reason"},
        )
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is not None:
            raise ApplicationError(_("This certificate is already revoked."), status=409)
        locked.revoked_at = timezone.now()
        locked.revoked_by = by
        locked.revocation_reason = reason
        locked.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
        log(instance=locked, action=REVOKED_ACTION, user=by, data={"reason": reason})
    return locked
