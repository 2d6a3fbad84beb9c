"""Writes about certificates: issue (at once, when a person meets a programme), revoke, and the statement batch
handler that ties certificates to learning.

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
from core.activity.vocabulary import ActivityType, Extension, Verb
from core.errors import ApplicationError, PermissionDenied

from . import learning
from .models import Certificate, Issuer, Programme

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
            context={"extensions": {Extension.PROGRAMME: programme.slug}},
            natural_key=("certificate-earned", certificate.uuid),
            timestamp=issued_at,
        )
    return certificate, True


def badge_award(
    *,
    user,
    slug: str,
    title: str,
    description: str,
    criteria: str,
    evidence: list[dict] | None = None,
    issued_at: datetime | None = None,
) -> tuple[Certificate, bool]:
    """Issue the badge `slug` to `user` for something another app decided (a volunteer's star, say): the
    programme is created on first use with the site's first issuer, has no courses and no quiz (so learning never
    issues it), and the certificate is an ordinary Open Badges 2.0 hosted assertion with its "earned" statement.
    Idempotent like `certificate_issue`. Evidence items may be `{"text": ...}` lines."""
    programme = Programme.objects.filter(slug=slug).first()
    if programme is None:
        issuer = Issuer.objects.order_by("pk").first()
        if issuer is None:
            issuer = Issuer.objects.create(
                name=settings.WAGTAIL_SITE_NAME,
                url=settings.SITE_URL.rstrip("/") + "/",
                email="badges@example.cn",
            )
        programme, _created = Programme.objects.get_or_create(
            slug=slug,
            defaults={"title": title, "description": description, "criteria": criteria, "issuer": issuer},
        )
    return certificate_issue(user=user, programme=programme, issued_at=issued_at, evidence=evidence)


def _active_programmes() -> list[Programme]:
    """Every active programme with its courses and final quiz (three queries)."""
    return list(
        Programme.objects.filter(active=True).select_related("final_quiz").prefetch_related("required_courses__course")
    )


def programme_requirements(*, user, programme: Programme) -> tuple[bool, list[dict]]:
    """Whether `user` meets `programme` now, and the evidence (courses completed, final quiz score)."""
    completed, scores = learning.learning_records(user_ids={user.pk}, programmes=[programme])
    return learning.programme_met(user_id=user.pk, programme=programme, completed=completed, scores=scores)


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


def statements_certify(statements: list[Statement]) -> list[Certificate]:
    """The statement batch handler: completed courses and scored quiz attempts may complete programmes; issue
    their certificates at once, in the statements' transaction. Returns the certificates issued.

    A batch costs a fixed number of queries whatever its size (none when no statement is about learning; else
    the active programmes, the people's valid certificates and their learning records), plus one issue per
    certificate earned. Handlers see only statements the trust rule lets change state (core.activity)."""
    relevant = [
        s
        for s in statements
        if s.actor_user_id is not None
        and not s.voided
        and (learning.is_course_completed(s) or learning.is_quiz_scored(s))
    ]
    if not relevant:
        return []
    programmes = _active_programmes()
    by_iri: dict[str, list[Programme]] = {}
    for programme in programmes:
        courses, quiz = learning.programme_steps(programme)
        for page in [*courses, *([quiz] if quiz is not None else [])]:
            by_iri.setdefault(learning.page_activity_id(page), []).append(programme)
    touched: dict[int, list[Programme]] = {}  # person -> programmes, in statement then programme order
    # A certificate is dated when its holder met the programme: their latest statement of the batch, never later
    # than now (the demo replays months of history through the same services).
    met_at: dict[int, datetime] = {}
    now = timezone.now()
    for statement in relevant:
        latest = max(statement.timestamp, met_at.get(statement.actor_user_id, statement.timestamp))
        met_at[statement.actor_user_id] = min(latest, now)
    for statement in relevant:
        for programme in by_iri.get(statement.object_id, []):
            if programme not in touched.setdefault(statement.actor_user_id, []):
                touched[statement.actor_user_id].append(programme)
    if not touched:
        return []
    held = set(
        Certificate.objects.valid()
        .filter(recipient_id__in=touched, programme__in={p.pk for ps in touched.values() for p in ps})
        .values_list("recipient_id", "programme_id")
    )
    pending = {
        user_id: [p for p in ps if (user_id, p.pk) not in held]
        for user_id, ps in touched.items()
        if any((user_id, p.pk) not in held for p in ps)
    }
    if not pending:
        return []
    completed, scores = learning.learning_records(
        user_ids=set(pending), programmes=list({p.pk: p for ps in pending.values() for p in ps}.values())
    )
    earned = [
        (user_id, programme, evidence)
        for user_id, ps in pending.items()
        for programme in ps
        for met, evidence in [
            learning.programme_met(user_id=user_id, programme=programme, completed=completed, scores=scores)
        ]
        if met
    ]
    if not earned:
        return []
    users = get_user_model().objects.in_bulk({user_id for user_id, _p, _e in earned})
    issued = []
    for user_id, programme, evidence in earned:
        certificate, created = certificate_issue(
            user=users[user_id], programme=programme, evidence=evidence, issued_at=met_at[user_id]
        )
        if created:
            issued.append(certificate)
    return issued


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
