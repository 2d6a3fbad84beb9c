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
    Verb.PROPOSED: _("proposed"),
    Verb.SUPPORTED: _("supported"),
    Verb.COMMENTED: _("commented on"),
    Verb.REJECTED: _("had rejected"),
    Verb.IMPLEMENTED: _("implemented"),
    Verb.CLAIMED: _("claimed"),
    Verb.DELIVERED: _("delivered"),
    Verb.ACCEPTED: _("had accepted"),
    Verb.ASKED: _("asked"),
    Verb.REQUESTED: _("requested"),
    Verb.CONFIRMED: _("confirmed"),
    Verb.RATED: _("rated"),
    Verb.SERVED: _("served"),
    Verb.CHECKED_IN: _("checked in to"),
    Verb.ATTENDED: _("attended"),
    Verb.VISITED: _("visited"),
    Verb.CLOSED: _("closed"),
    Verb.RESPONDED: _("responded to"),
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
    Verb.PROPOSED: "proposed",
    Verb.SUPPORTED: "supported",
    Verb.COMMENTED: "commented",
    Verb.REJECTED: "rejected",
    Verb.IMPLEMENTED: "implemented",
    Verb.CLAIMED: "claimed",
    Verb.DELIVERED: "delivered",
    Verb.ACCEPTED: "accepted",
    Verb.ASKED: "asked",
    Verb.REQUESTED: "requested",
    Verb.CONFIRMED: "confirmed",
    Verb.RATED: "rated",
    Verb.SERVED: "served",
    Verb.CHECKED_IN: "checked in",
    Verb.ATTENDED: "attended",
    Verb.VISITED: "visited",
    Verb.CLOSED: "closed",
    Verb.RESPONDED: "responded",
}
