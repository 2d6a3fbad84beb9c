"""The statement vocabulary: verb, activity-type and extension IRIs the platform records, from the ADL and
Tin Can registries where they exist and under the platform's own namespace where they do not, with their
display names. The IRIs live in iris.py (pure Python, so the recommender's engine reads them too). They are
part of the stored data: never change one, add a new one."""

from django.utils.translation import gettext_lazy as _

from .iris import ADL, PLATFORM, TINCAN, ActivityType, Extension, Verb

__all__ = ["ADL", "PLATFORM", "TINCAN", "VERB_DISPLAY", "VERB_EN", "ActivityType", "Extension", "Verb"]

VERB_DISPLAY = {
    Verb.EXPERIENCED: _("viewed"),
    Verb.PROGRESSED: _("progressed"),
    Verb.COMPLETED: _("completed"),
    Verb.ANSWERED: _("answered"),
    Verb.ATTEMPTED: _("attempted"),
    Verb.PASSED: _("passed"),
    Verb.FAILED: _("failed"),
    Verb.REGISTERED: _("enrolled in"),
    Verb.VOIDED: _("voided"),
    Verb.EARNED: _("earned"),
    Verb.ADOPTED: _("had adopted"),
    Verb.WATCHED: _("watched"),
    Verb.CONFIRMED_HOURS: _("had volunteer hours confirmed for"),
    Verb.RESOLVED: _("resolved"),
}

# English display names stored inside statements (the display language map is data, not UI).
VERB_EN = {
    Verb.EXPERIENCED: "experienced",
    Verb.PROGRESSED: "progressed",
    Verb.COMPLETED: "completed",
    Verb.ANSWERED: "answered",
    Verb.ATTEMPTED: "attempted",
    Verb.PASSED: "passed",
    Verb.FAILED: "failed",
    Verb.REGISTERED: "registered",
    Verb.VOIDED: "voided",
    Verb.EARNED: "earned",
    Verb.ADOPTED: "adopted",
    Verb.WATCHED: "watched",
    Verb.CONFIRMED_HOURS: "confirmed hours",
    Verb.RESOLVED: "resolved",
}
