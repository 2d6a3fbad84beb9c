"""Verb and activity-type IRIs the platform records, from the ADL and Tin Can registries where
they exist and under the platform's own namespace where they do not. These IRIs are part of the
stored data: never change one, add a new one."""

from django.utils.translation import gettext_lazy as _

ADL = "http://adlnet.gov/expapi/verbs/"
TINCAN = "http://id.tincanapi.com/verb/"
PLATFORM = "https://w3id.org/xapi/xianfeng/verbs/"


class Verb:
    EXPERIENCED = ADL + "experienced"
    PROGRESSED = ADL + "progressed"
    COMPLETED = ADL + "completed"
    ANSWERED = ADL + "answered"
    ATTEMPTED = ADL + "attempted"
    PASSED = ADL + "passed"
    FAILED = ADL + "failed"
    REGISTERED = ADL + "registered"
    VOIDED = ADL + "voided"
    EARNED = TINCAN + "earned"
    ADOPTED = TINCAN + "adopted"
    WATCHED = PLATFORM + "watched"
    CONFIRMED_HOURS = PLATFORM + "confirmed-hours"
    RESOLVED = PLATFORM + "resolved"


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


class ActivityType:
    COURSE = "http://adlnet.gov/expapi/activities/course"
    LESSON = "http://adlnet.gov/expapi/activities/lesson"
    ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
    QUESTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
    CERTIFICATE = "https://w3id.org/xapi/xianfeng/activity-types/certificate"
    LIVESTREAM = "https://w3id.org/xapi/xianfeng/activity-types/livestream"
    PROPOSAL = "https://w3id.org/xapi/xianfeng/activity-types/proposal"
    VOLUNTEER_ACTIVITY = "https://w3id.org/xapi/xianfeng/activity-types/volunteer-activity"
    HELP_REQUEST = "https://w3id.org/xapi/xianfeng/activity-types/help-request"
