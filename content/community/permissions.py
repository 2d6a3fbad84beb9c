"""Who may change what: editors keep the catalogue and every station; a host shop's owner keeps their own
stations; the staff of a unit answer its direct-line requests. Also what the editors' group is granted."""

from __future__ import annotations

from django.apps import apps as global_apps

from core.people.models import Role
from core.people.permissions import editor_permissions_grant

EDITOR_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "servicecategory": ("add", "change", "view"),
    "servicekind": ("add", "change", "view"),
    "partner": ("add", "change", "delete", "view"),
    "station": ("add", "change", "delete", "view"),
    "offer": ("add", "change", "delete", "view"),
    "requestcategory": ("add", "change", "view"),
    "directlineunit": ("add", "change", "delete", "view"),
    "directrequest": ("view",),
}


def editor_community_permissions_grant(*, apps=global_apps, using: str = "default"):
    return editor_permissions_grant(app_label="community", permissions=EDITOR_PERMISSIONS, apps=apps, using=using)


def is_editor(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.has_perm("community.change_station")


def may_edit_station(user, station) -> bool:
    """An editor, or the owner of the shop that hosts the station."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return is_editor(user) or station.shop.owner_id == user.pk


def is_staff_member(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_role(Role.STAFF))


def may_handle_request(user, request) -> bool:
    """The request's answering unit's responsible staff, staff of that unit or of a unit above it, staff of the
    unit it was first sent to, or a superuser."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    from .models import DirectLineUnit

    if DirectLineUnit.objects.filter(unit_id=request.unit_id, responders=user).exists():
        return True
    if not is_staff_member(user) or user.org_unit_id is None:
        return False
    mine = user.org_unit
    return request.unit.path.startswith(mine.path) or request.origin_unit.path.startswith(mine.path)
