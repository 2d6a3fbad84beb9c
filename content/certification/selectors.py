"""Reads about certificates: one certificate for its public page, a person's certificates, and the staff
dashboard, whose figures come from a fixed handful of aggregate queries whatever the number of shops."""

from __future__ import annotations

from django.db.models import Count, Max, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.activity.models import Statement
from core.activity.vocabulary import ActivityType, Verb
from core.errors import NotFound, PermissionDenied
from core.people.models import OrgUnit, Role, Shop

from .models import Certificate, Programme

TOP_COURSES = 10


def certificate_get(*, uuid) -> Certificate:
    return get_object_or_404(
        Certificate.objects.select_related("recipient", "programme", "programme__issuer", "programme__badge_image"),
        uuid=uuid,
    )


def programme_get(*, slug: str) -> Programme:
    return get_object_or_404(Programme.objects.select_related("issuer", "badge_image"), slug=slug)


def certificates_of(*, user) -> list[Certificate]:
    """Everything `user` holds or held, newest first."""
    return list(
        Certificate.objects.filter(recipient=user)
        .select_related("programme", "programme__issuer")
        .order_by("-issued_at")
    )


# --- the staff dashboard ------------------------------------------------------------------------------------


def may_see_dashboard(user) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or bool(user.role_codes() & {Role.STAFF, Role.EDITOR})


def dashboard_units_allowed(user):
    """The units `user` may look at: all for editors and administrators, their own subtree for staff."""
    if user.is_superuser or user.has_role(Role.EDITOR):
        return OrgUnit.objects.all()
    if user.org_unit is None:
        return OrgUnit.objects.none()
    return user.org_unit.subtree()


def dashboard_unit(*, user, unit_id: int | None) -> OrgUnit:
    """The unit `user` asked for (their own by default), after the permission checks."""
    if not may_see_dashboard(user):
        raise PermissionDenied(_("Only staff and editors may see the dashboard."))
    allowed = dashboard_units_allowed(user)
    if unit_id is None:
        unit = user.org_unit if user.org_unit_id else allowed.filter(depth=1).order_by("path").first()
        if unit is None:
            raise NotFound(_("No organisation unit to show."))
        return unit
    unit = OrgUnit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(_("No such organisation unit."))
    if not allowed.filter(pk=unit.pk).exists():
        raise PermissionDenied(_("You may only see the units you work in."))
    return unit


def dashboard_ancestors(*, user, unit: OrgUnit) -> list[OrgUnit]:
    """The units above `unit` that `user` may also look at, top first (the dashboard's breadcrumbs)."""
    above = [ancestor.pk for ancestor in unit.get_ancestors()]
    return list(dashboard_units_allowed(user).filter(pk__in=above).order_by("depth"))


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def dashboard_figures(*, unit: OrgUnit, at=None) -> dict:
    """Certification and learning figures for `unit` and everything under it.

    - shops: how many shops, how many of them have an owner holding a valid certificate, and the share;
    - children: the same per unit directly below (one grouped query);
    - programmes: valid certificates per programme held by people of the unit;
    - courses: per course, people who enrolled and who completed it (from the statement store), the
      completion rate, most-taken first.
    """
    at = at or timezone.now()
    valid = Certificate.objects.valid(at)
    # Two grouped scans of the unit's shops (all of them, and those whose owner is among the valid
    # certificates' holders: a hashed semi-join), keyed by the unit directly below each shop's grid.
    shops = Shop.objects.filter(grid__path__startswith=unit.path)
    prefix_length = (unit.depth + 1) * OrgUnit.steplen
    by_prefix = Substr("grid__path", 1, prefix_length)
    all_shops = dict(shops.values_list(by_prefix).annotate(n=Count("id")).order_by())
    certified_shops = dict(
        shops.filter(owner_id__in=valid.values("recipient_id"))
        .values_list(by_prefix)
        .annotate(n=Count("id"))
        .order_by()
    )
    totals = {"total": sum(all_shops.values()), "certified": sum(certified_shops.values())}

    children = list(unit.get_children().order_by("path").values("id", "name", "path", "kind"))
    child_rows = []
    for child in children:
        total, certified = all_shops.get(child["path"], 0), certified_shops.get(child["path"], 0)
        child_rows.append(
            {
                "id": child["id"],
                "name": child["name"],
                "kind": child["kind"],
                "shops": total,
                "certified": certified,
                "share": _share(certified, total),
            }
        )

    people = Q(recipient__org_unit__path__startswith=unit.path)
    programme_rows = list(
        Programme.objects.order_by("title")
        .annotate(
            holders=Count(
                "certificates",
                filter=Q(certificates__in=valid.filter(people).values("pk")),
            )
        )
        .values("slug", "title", "holders")
    )

    learning = (
        Statement.objects.filter(
            activity_type=ActivityType.COURSE,
            verb_id__in=[Verb.REGISTERED, Verb.COMPLETED],
            voided=False,
            actor_user__org_unit__path__startswith=unit.path,
        )
        .values("object_id")
        .annotate(
            enrolled=Count("actor_user", distinct=True, filter=Q(verb_id=Verb.REGISTERED)),
            completed=Count("actor_user", distinct=True, filter=Q(verb_id=Verb.COMPLETED)),
            title=Max(KT("full__object__definition__name__zh-CN")),
        )
        .order_by()
    )
    courses = sorted(
        (
            {
                "activity": row["object_id"],
                "title": row["title"] or row["object_id"],
                "enrolled": row["enrolled"],
                "completed": row["completed"],
                "rate": _share(row["completed"], max(row["enrolled"], row["completed"])),
            }
            for row in learning
        ),
        key=lambda row: (-row["enrolled"], -row["completed"], row["title"]),
    )
    enrolled_total = sum(row["enrolled"] for row in courses)
    completed_total = sum(row["completed"] for row in courses)
    return {
        "unit": {"id": unit.pk, "name": unit.name, "kind": unit.kind, "path": unit.path_names},
        "shops": {
            "total": totals["total"],
            "certified": totals["certified"],
            "share": _share(totals["certified"], totals["total"]),
        },
        "children": child_rows,
        "programmes": programme_rows,
        "completion": {
            "enrolments": enrolled_total,
            "completions": completed_total,
            "rate": _share(completed_total, max(enrolled_total, completed_total)),
        },
        "top_courses": courses[:TOP_COURSES],
        "at": at.isoformat(timespec="seconds"),
    }


# --- the path to a certificate --------------------------------------------------------------------------------


def _paths(*, user, programmes: list[Programme]) -> list[dict]:
    """Each programme's path for `user`: its steps (required courses, then the final exam) with their state,
    read like the issuing rule reads them (learning.programme_met, from trusted statements), plus the course progress
    the course pages show. A fixed number of queries whatever the number of programmes."""
    from content.learning.selectors import courses_progress

    from . import learning

    signed_in = user is not None and user.is_authenticated
    completed, scores, percents, held = {}, {}, {}, {}
    if signed_in and programmes:
        completed, scores = learning.learning_records(user_ids={user.pk}, programmes=programmes)
        course_ids = {course.pk for p in programmes for course in learning.programme_steps(p)[0]}
        percents = courses_progress(user=user, course_ids=course_ids)
        held = {
            c.programme_id: c
            for c in Certificate.objects.valid().filter(recipient=user, programme__in=programmes).order_by("issued_at")
        }
    paths = []
    for programme in programmes:
        courses, quiz = learning.programme_steps(programme)
        done = completed.get(user.pk, set()) if signed_in else set()
        steps = []
        for course in courses:
            finished = learning.page_activity_id(course) in done
            percent = 100 if finished else percents.get(course.pk, 0)
            steps.append(
                {
                    "kind": "course",
                    "title": course.title,
                    "url": course.url,
                    "done": finished,
                    "started": finished or course.pk in percents,
                    "percent": percent,
                }
            )
        if quiz is not None:
            best = scores.get((user.pk, learning.page_activity_id(quiz))) if signed_in else None
            best_percent = None if best is None else round(best * 100)
            steps.append(
                {
                    "kind": "exam",
                    "title": quiz.title,
                    "url": quiz.url,
                    "done": best is not None and round(best * 100, 6) >= programme.pass_mark,
                    "started": best is not None,
                    "percent": best_percent or 0,
                    "best": best_percent,
                    "pass_mark": programme.pass_mark,
                }
            )
        met = (
            signed_in
            and learning.programme_met(user_id=user.pk, programme=programme, completed=completed, scores=scores)[0]
        )
        done_count = sum(1 for step in steps if step["done"])
        paths.append(
            {
                "programme": programme,
                "steps": steps,
                "done": done_count,
                "total": len(steps),
                "percent": done_count * 100 // len(steps) if steps else 0,
                "missing": [step for step in steps if not step["done"]],
                "met": met,
                "certificate": held.get(programme.pk),
                "exam": steps[-1] if quiz is not None else None,
            }
        )
    return paths


def programme_path(*, user, programme: Programme) -> dict:
    """The path to `programme`'s certificate and how far `user` is on it (see _paths)."""
    programme = (
        Programme.objects.select_related("final_quiz", "issuer")
        .prefetch_related("required_courses__course")
        .get(pk=programme.pk)
    )
    return _paths(user=user, programmes=[programme])[0]


def programmes_in_reach(*, user) -> list[dict]:
    """The active programmes `user` holds no valid certificate of, each with their path: furthest first. Badges
    other apps award (a volunteer's star, a challenge accepted) have no path through learning and are left out."""
    programmes = list(
        Programme.objects.filter(active=True)
        .filter(Q(final_quiz__isnull=False) | Q(required_courses__isnull=False))
        .distinct()
        .exclude(certificates__in=Certificate.objects.valid().filter(recipient=user))
        .select_related("final_quiz", "issuer")
        .prefetch_related("required_courses__course")
        .order_by("title")
    )
    paths = _paths(user=user, programmes=programmes)
    return sorted(paths, key=lambda path: (-path["percent"], path["programme"].title))


def final_exam_outcomes(*, user, quiz) -> list[dict]:
    """For a quiz that is a programme's final exam: the certificate it led to (held now), or what is still
    missing. Reads only: the certificate, when earned, was issued in the quiz's own transaction."""
    programmes = list(
        Programme.objects.filter(active=True, final_quiz_id=quiz.pk)
        .select_related("final_quiz", "issuer")
        .prefetch_related("required_courses__course")
        .order_by("title")
    )
    return _paths(user=user, programmes=programmes)
