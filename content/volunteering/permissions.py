"""Who may do what in volunteer services (read by services, selectors and views alike)."""

from __future__ import annotations

from core.people.models import OrgUnit, Role

from .models import Activity, Team, TeamMembership


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_leader(user, team: Team) -> bool:
    if not _signed_in(user):
        return False
    if user.is_superuser:
        return True
    return TeamMembership.objects.filter(
        team=team, user=user, role=TeamMembership.Role.LEADER, status=TeamMembership.Status.ACTIVE
    ).exists()


def is_member(user, team: Team) -> bool:
    if not _signed_in(user):
        return False
    return TeamMembership.objects.filter(team=team, user=user, status=TeamMembership.Status.ACTIVE).exists()


def in_unit(user, unit: OrgUnit) -> bool:
    """The person belongs to `unit` or below it, or lives in a village of a county at or below it."""
    if not _signed_in(user):
        return False
    if (
        user.org_unit_id is not None
        and OrgUnit.objects.filter(pk=user.org_unit_id, path__startswith=unit.path).exists()
    ):
        return True
    village = getattr(user, "village", None)
    return bool(village and OrgUnit.objects.filter(pk=village.county_id, path__startswith=unit.path).exists())


def may_see(user, activity: Activity) -> bool:
    if activity.visibility == Activity.Visibility.PUBLIC:
        return True
    if not _signed_in(user):
        return False
    if user.is_superuser or is_member(user, activity.team):
        return True
    return activity.visibility == Activity.Visibility.UNIT and in_unit(user, activity.team.org_unit)


def may_join(user, activity: Activity) -> bool:
    return _signed_in(user) and may_see(user, activity)


def may_lead_unit(user, unit: OrgUnit) -> bool:
    """Staff of `unit` or of a unit above it, and editors, may create its teams."""
    if not _signed_in(user):
        return False
    if user.is_superuser or user.has_role(Role.EDITOR):
        return True
    if not user.has_role(Role.STAFF) or user.org_unit_id is None:
        return False
    return unit.path.startswith(user.org_unit.path)


def may_see_unit_reports(user, unit: OrgUnit) -> bool:
    return may_lead_unit(user, unit) or (
        _signed_in(user)
        and TeamMembership.objects.filter(
            user=user, role=TeamMembership.Role.LEADER, status="active", team__org_unit__path__startswith=unit.path
        ).exists()
    )
