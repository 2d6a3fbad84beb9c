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
                "grid": (2, 1, 0.5, 0.25),
                "department": (3, 2, 1, 0.5),
                "county": (8, 5, 3, 1),
                "default": (20, 12, 6, 2),
            },
            paced=True,
            order=90,
            help_text=_(
                "Golden ideas adopted this month, once for each of their authors in the unit; coloured by its pace."
            ),
        )
    )
