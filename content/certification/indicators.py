"""The cockpit indicators this app owns (certification rate) and the learning activity its dashboard already
showed, both counted from statements."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.activity.iris import ActivityType, Verb
from core.cockpit.indicators import BASE_PEOPLE, BASE_SHOPS, HIGHER, MONTH, RATIO, RUNNING, Indicator

LEARNING_DONE = {
    (Verb.COMPLETED, ActivityType.LESSON),
    (Verb.COMPLETED, ActivityType.COURSE),
    (Verb.PASSED, ActivityType.ASSESSMENT),
}


def certificates_count(statement):
    if statement.verb_id == Verb.EARNED and statement.activity_type == ActivityType.CERTIFICATE:
        return (1, 0)
    return None


def learning_count(statement):
    return (1, 0) if (statement.verb_id, statement.activity_type) in LEARNING_DONE else None


def register() -> None:
    from core.cockpit.indicators import indicator_register

    indicator_register(
        Indicator(
            key="certification-rate",
            label=_("Certificates per shop"),
            owner="certification",
            count=certificates_count,
            base=BASE_SHOPS,
            period=RUNNING,
            better=HIGHER,
            display=RATIO,  # certificates, not certified shops: more than one a shop is possible
            thresholds=(0.75, 0.6, 0.45, 0.3),
            order=60,
            help_text=_("Certificates earned by the unit's people, per shop of the unit."),
        )
    )
    indicator_register(
        Indicator(
            key="learning-activity",
            label=_("Learning this month, per person"),
            owner="certification",
            count=learning_count,
            base=BASE_PEOPLE,
            period=MONTH,
            better=HIGHER,
            display=RATIO,
            thresholds=(2.0, 1.0, 0.5, 0.2),
            order=70,
            help_text=_("Lessons and courses completed and quizzes passed this month, per person of the unit."),
        )
    )
