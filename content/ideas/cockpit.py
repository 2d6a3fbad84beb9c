"""The cockpit indicator golden ideas own, registered from apps.py: ideas adopted this month.

An adoption is one "adopted" statement per author (co-authors included), counted for the author's unit: a unit is
credited with each adopted idea its people wrote, and an idea written across two units counts for both."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.activity.iris import ActivityType, Verb
from core.cockpit.indicators import COUNT, HIGHER, MONTH, Indicator


def ideas_adopted_count(statement):
    if statement.verb_id == Verb.ADOPTED and statement.activity_type == ActivityType.PROPOSAL:
        return (1, 0)
    return None


def responsible(unit_ids: list[int]) -> dict[int, str]:
    """The staff of each unit (who post and gather its ideas): two names."""
    from core.people.models import Role, User

    names: dict[int, list[str]] = {}
    for unit_id, name, username in (
        User.objects.filter(org_unit__in=unit_ids, roles__role=Role.STAFF, is_active=True)
        .order_by("pk")
        .values_list("org_unit", "display_name", "username")
    ):
        names.setdefault(unit_id, []).append(name or username)
    return {unit_id: "、".join(people[:2]) for unit_id, people in names.items()}


def register() -> None:
    from core.cockpit.indicators import indicator_register

    indicator_register(
        Indicator(
            key="ideas-adopted",
            label=_("Golden ideas adopted this month"),
            owner="ideas",
            count=ideas_adopted_count,
            period=MONTH,
            better=HIGHER,
            display=COUNT,
            thresholds={
                "grid": (1, 0, 0, 0),  # ideas come from departments' staff: a grid is not flagged for none
                "department": (3, 2, 1, 0.5),
                "county": (8, 5, 3, 1),
                "default": (20, 12, 6, 2),
            },
            paced=True,
            responsible=responsible,
            order=90,
            help_text=_(
                "Golden ideas adopted this month, once for each of their authors in the unit; coloured by its pace."
            ),
        )
    )
