"""Writes about people and organisations: checks first, then one transaction.

The admin screens (wagtail_hooks.py, forms.py) call these; so can anything else that changes people.
`by` is the person acting; `by=None` means the platform itself (management commands, the demo seed).
Role changes and moves in the tree leave an audit row naming `by` in Wagtail's log (the admin's
"History"); the admin views log plain creates and edits themselves.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from core.errors import ApplicationError, PermissionDenied

from .models import OrgUnit, Role, RoleAssignment, User, Village
from .permissions import EDITORS_GROUP

ROLES_CHANGED = "people.roles_changed"
UNIT_MOVED = "people.unit_moved"


def _may_manage_people(by: User | None) -> bool:
    return by is None or by.is_superuser or by.has_perm("people.change_person")


def _check_may_manage_people(by: User | None) -> None:
    if not _may_manage_people(by):
        raise PermissionDenied(_("You may not change people's details."))


def _clean_roles(roles: Iterable[str]) -> set[str]:
    wanted = set(roles)
    unknown = wanted - set(Role.values)
    if unknown:
        raise ApplicationError(
            _("Unknown role: %(roles)s.") % {"roles": ", ".join(sorted(unknown))}, extra={"roles": sorted(unknown)}
        )
    return wanted


@transaction.atomic
def person_roles_set(*, user: User, roles: Iterable[str], by: User | None) -> tuple[set[str], set[str]]:
    """Give `user` exactly `roles`; returns (added, removed).

    Granting or taking away the editor role also adds to or removes from the editors' group (which opens
    the Wagtail admin), so only an administrator may do it."""
    _check_may_manage_people(by)
    wanted = _clean_roles(roles)
    have = set(RoleAssignment.objects.select_for_update().filter(user=user).values_list("role", flat=True))
    added, removed = wanted - have, have - wanted
    if Role.EDITOR in added | removed and by is not None and not by.is_superuser:
        raise PermissionDenied(_("Only an administrator may grant or take away the editor role."))
    if removed:
        RoleAssignment.objects.filter(user=user, role__in=removed).delete()
    if added:
        RoleAssignment.objects.bulk_create([RoleAssignment(user=user, role=role) for role in sorted(added)])
    if Role.EDITOR in added | removed:
        group, _created = Group.objects.get_or_create(name=EDITORS_GROUP)
        if Role.EDITOR in added:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    if added or removed:
        # The prefetched roles, if any, no longer hold.
        getattr(user, "_prefetched_objects_cache", {}).pop("roles", None)
        log(
            instance=user,
            action=ROLES_CHANGED,
            user=by,
            data={"added": sorted(added), "removed": sorted(removed)},
        )
    return added, removed


@transaction.atomic
def person_create(
    *,
    username: str,
    display_name: str,
    by: User | None,
    phone: str = "",
    org_unit: OrgUnit | None = None,
    village: Village | None = None,
    roles: Iterable[str] = (),
    password: str | None = None,
    is_active: bool = True,
) -> User:
    """Add a person. Without a password they cannot sign in until one is set."""
    _check_may_manage_people(by)
    username = username.strip()
    if not username:
        raise ApplicationError(_("A username is needed."))
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(_("The username %(username)s is taken.") % {"username": username})
    user = User(
        username=username,
        display_name=display_name.strip(),
        phone=phone.strip(),
        org_unit=org_unit,
        village=village,
        is_active=is_active,
        password=make_password(password or None),
    )
    user.full_clean(exclude=["password"])
    user.save()
    person_roles_set(user=user, roles=roles, by=by)
    return user


@transaction.atomic
def person_update(
    *,
    user: User,
    by: User | None,
    display_name: str,
    phone: str = "",
    org_unit: OrgUnit | None = None,
    village: Village | None = None,
    roles: Iterable[str] | None = None,
    is_active: bool | None = None,
) -> User:
    """Change a person's name, phone, unit, village and (when given) roles, all or nothing."""
    _check_may_manage_people(by)
    if by is not None and by.pk == user.pk and is_active is False:
        raise ApplicationError(_("You cannot deactivate your own account."))
    if user.is_superuser and by is not None and not by.is_superuser:
        raise PermissionDenied(_("Only an administrator may change an administrator."))
    user.display_name = display_name.strip()
    user.phone = phone.strip()
    user.org_unit = org_unit
    user.village = village
    if is_active is not None:
        user.is_active = is_active
    user.full_clean(exclude=["password", "username"])
    user.save(update_fields=["display_name", "phone", "org_unit", "village", "is_active"])
    if roles is not None:
        person_roles_set(user=user, roles=roles, by=by)
    return user


# --- the organisation tree -----------------------------------------------------------------------------


def org_unit_kind_below(parent: OrgUnit | None) -> str:
    """The kind a new unit under `parent` has: the tree's rule decides, never the editor."""
    if parent is None:
        return OrgUnit.Kind.PROVINCE
    kind = OrgUnit.CHILD_KIND.get(parent.kind)
    if kind is None:
        raise ApplicationError(_("A grid is the smallest unit: nothing can be added under it."))
    return kind


def _check_unit_code(code: str, *, exclude_pk: int | None = None) -> str:
    code = code.strip()
    if not code:
        raise ApplicationError(_("A unit needs a code."))
    taken = OrgUnit.objects.filter(code=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ApplicationError(_("The unit code %(code)s is taken.") % {"code": code})
    return code


def _check_may_manage_units(by: User | None, action: str) -> None:
    if by is not None and not by.has_perm(f"people.{action}_orgunit"):
        raise PermissionDenied(_("You may not change the organisation tree."))


@transaction.atomic
def org_unit_create(*, parent: OrgUnit | None, name: str, code: str, by: User | None) -> OrgUnit:
    """Add a unit under `parent` (a province when there is no parent); its kind follows from the parent."""
    _check_may_manage_units(by, "add")
    kind = org_unit_kind_below(parent)
    code = _check_unit_code(code)
    name = name.strip()
    if not name:
        raise ApplicationError(_("A unit needs a name."))
    if parent is None:
        unit = OrgUnit.add_root(name=name, code=code, kind=kind)
    else:
        parent = OrgUnit.objects.get(pk=parent.pk)  # fresh path and numchild
        unit = parent.add_child(name=name, code=code, kind=kind)
    return unit


@transaction.atomic
def org_unit_update(*, unit: OrgUnit, name: str, code: str, parent: OrgUnit | None, by: User | None) -> OrgUnit:
    """Rename a unit and, when `parent` changes, move it with everything below it.

    A unit keeps its level: it can move only under another unit of its parent's kind (a grid to
    another market department, a department to another county)."""
    _check_may_manage_units(by, "change")
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    current_parent = unit.get_parent()
    new_parent_pk = parent.pk if parent else None
    moved = new_parent_pk != (current_parent.pk if current_parent else None)
    if moved and (parent is None or current_parent is None or parent.kind != current_parent.kind):
        raise ApplicationError(
            _("A %(kind)s can only move under another %(parent_kind)s.")
            % {
                "kind": unit.get_kind_display(),
                "parent_kind": current_parent.get_kind_display() if current_parent else _("nothing"),
            }
        )
    unit.name = name.strip()
    unit.code = _check_unit_code(code, exclude_pk=unit.pk)
    if not unit.name:
        raise ApplicationError(_("A unit needs a name."))
    unit.save(update_fields=["name", "code"])
    if moved:
        old_path = unit.path_names
        unit.move(OrgUnit.objects.get(pk=parent.pk), pos="sorted-child")
        unit = OrgUnit.objects.get(pk=unit.pk)
        log(instance=unit, action=UNIT_MOVED, user=by, data={"from": old_path, "to": unit.path_names})
    return unit


def org_unit_move(*, unit: OrgUnit, parent: OrgUnit, by: User | None) -> OrgUnit:
    """Move a unit, with everything below it, under another unit of its parent's kind (the tree's rule, checked in
    `org_unit_update`, as is the permission to change the tree)."""
    unit = OrgUnit.objects.get(pk=unit.pk)
    return org_unit_update(unit=unit, name=unit.name, code=unit.code, parent=parent, by=by)


def org_unit_delete_check(*, unit: OrgUnit) -> None:
    """Refuse to delete a unit while anything still belongs to it or to a unit below it."""
    subtree = unit.subtree()
    if (
        subtree.filter(depth__gt=unit.depth).exists()
        or User.objects.filter(org_unit__in=subtree).exists()
        or unit.shops.exists()
        or unit.villages.exists()
        or unit.branches.exists()
    ):
        raise ApplicationError(
            _("%(unit)s still has units, people, shops, villages or branches: move them first.") % {"unit": unit.name}
        )
