"""Reads about people, tuned for the pages and the API."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch

from .models import BranchMembership, OrgUnit, Shop, User


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


@dataclass
class OrgTreeNode:
    """One unit of the organisation tree with what lies under it: people and shops of its whole subtree."""

    unit: OrgUnit
    people: int = 0
    shops: int = 0
    children: list["OrgTreeNode"] = field(default_factory=list)

    @property
    def units_below(self) -> int:
        return sum(1 + child.units_below for child in self.children)


def org_tree(*, root: OrgUnit | None = None) -> list[OrgTreeNode]:
    """The organisation tree (the whole of it, or `root`'s subtree), nested, each unit with the people whose unit
    lies in its subtree and the shops of its grids. Three queries, whatever the size of the tree."""
    units = OrgUnit.objects.order_by("path")
    if root is not None:
        units = units.filter(path__startswith=root.path)
    units = list(units)
    people = dict(
        User.objects.filter(org_unit__isnull=False)
        .values("org_unit_id")
        .annotate(n=Count("pk"))
        .values_list("org_unit_id", "n")
    )
    shops = dict(Shop.objects.values("grid_id").annotate(n=Count("pk")).values_list("grid_id", "n"))
    nodes = {unit.path: OrgTreeNode(unit, people.get(unit.pk, 0), shops.get(unit.pk, 0)) for unit in units}
    roots = []
    for unit in units:  # by path: a parent comes before its children
        parent = nodes.get(unit.path[: -OrgUnit.steplen])
        if parent is None:
            roots.append(nodes[unit.path])
        else:
            parent.children.append(nodes[unit.path])
    for unit in sorted(units, key=lambda u: -u.depth):  # the deepest first: sums climb one level at a time
        parent = nodes.get(unit.path[: -OrgUnit.steplen])
        if parent is not None:
            parent.people += nodes[unit.path].people
            parent.shops += nodes[unit.path].shops
    return roots


def org_unit_move_targets(*, unit: OrgUnit):
    """The units `unit` may move under: those of its parent's kind, other than its parent (`org_unit_move`)."""
    parent = unit.get_parent()
    if parent is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(kind=parent.kind).exclude(pk=parent.pk).order_by("path")
