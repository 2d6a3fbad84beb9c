"""Reads about people, tuned for the pages and the API."""

from django.db.models import Prefetch

from .models import BranchMembership, Shop, User


def person_profile(*, user: User) -> dict:
    """What "my page" shows: roles, unit, branch and shop, in a fixed number of queries."""
    user = (
        User.objects.select_related("org_unit", "village", "village__county")
        .prefetch_related(
            "roles",
            Prefetch("memberships", queryset=BranchMembership.objects.select_related("branch", "branch__org_unit")),
            Prefetch("shops", queryset=Shop.objects.select_related("grid")),
        )
        .get(pk=user.pk)
    )
    unit = user.org_unit
    return {
        "user": user,
        "roles": sorted(user.roles.all(), key=lambda assignment: assignment.role),
        "unit": unit,
        "unit_path": unit.path_names if unit else "",
        "branches": [membership.branch for membership in user.memberships.all()],
        "shops": list(user.shops.all()),
        "village": user.village,
    }
