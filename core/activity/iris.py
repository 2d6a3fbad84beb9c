"""The statement contract's IRIs: verbs, activity types, extensions, and the mapping between an item id
(`kind:pk`) and its activity IRI. Pure Python on purpose: the recommender's Django-free engine reads them
too (`vocabulary.py` adds the display names; `items.py` binds the mapping to this site's address).

These IRIs are part of the stored data: never change one, add a new one.
"""

from __future__ import annotations

import re

ADL = "http://adlnet.gov/expapi/verbs/"
TINCAN = "http://id.tincanapi.com/verb/"
PLATFORM = "https://w3id.org/xapi/xianfeng/verbs/"
PLATFORM_TYPES = "https://w3id.org/xapi/xianfeng/activity-types/"
PLATFORM_EXTENSIONS = "https://w3id.org/xapi/xianfeng/extensions/"


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
    # Ideas and challenges
    PROPOSED = PLATFORM + "proposed"
    SUPPORTED = PLATFORM + "supported"
    COMMENTED = ADL + "commented"
    REJECTED = PLATFORM + "rejected"
    IMPLEMENTED = PLATFORM + "implemented"
    CLAIMED = PLATFORM + "claimed"
    DELIVERED = PLATFORM + "delivered"
    ACCEPTED = PLATFORM + "accepted"
    # Questions and answers on lessons
    ASKED = ADL + "asked"
    # The direct line and stations
    REQUESTED = PLATFORM + "requested"
    CONFIRMED = PLATFORM + "confirmed"
    RATED = PLATFORM + "rated"
    SERVED = PLATFORM + "served"
    # Volunteering
    CHECKED_IN = PLATFORM + "checked-in"
    # Livestreams
    ATTENDED = ADL + "attended"
    # Field work
    VISITED = PLATFORM + "visited"
    CLOSED = PLATFORM + "closed"
    RESPONDED = ADL + "responded"


class ActivityType:
    COURSE = "http://adlnet.gov/expapi/activities/course"
    LESSON = "http://adlnet.gov/expapi/activities/lesson"
    ASSESSMENT = "http://adlnet.gov/expapi/activities/assessment"
    QUESTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
    CERTIFICATE = PLATFORM_TYPES + "certificate"
    LIVESTREAM = PLATFORM_TYPES + "livestream"
    PROPOSAL = PLATFORM_TYPES + "proposal"
    VOLUNTEER_ACTIVITY = PLATFORM_TYPES + "volunteer-activity"
    HELP_REQUEST = PLATFORM_TYPES + "help-request"
    COMMENT = PLATFORM_TYPES + "comment"
    CHALLENGE = PLATFORM_TYPES + "challenge"
    LESSON_QUESTION = PLATFORM_TYPES + "lesson-question"
    STATION_SERVICE = PLATFORM_TYPES + "station-service"
    SHOP_VISIT = PLATFORM_TYPES + "shop-visit"
    WORK_TASK = PLATFORM_TYPES + "work-task"
    FIELD_PROBLEM = PLATFORM_TYPES + "field-problem"
    QUESTIONNAIRE = PLATFORM_TYPES + "questionnaire"


class Extension:
    # The item id (`kind:pk`) a statement is about, in context.extensions.
    ITEM = PLATFORM_EXTENSIONS + "item"
    # The certification programme an "earned" statement is about (its slug), in context.extensions.
    PROGRAMME = PLATFORM_EXTENSIONS + "programme"
    # cmi5's progress (per cent), in result.extensions.
    PROGRESS = "https://w3id.org/xapi/cmi5/result/extensions/progress"


# An item's activity IRI is the site's address, this path, the kind and the primary key.
ACTIVITIES_PATH = "/xapi/activities/"
_ITEM_IRI = re.compile(r"/xapi/activities/([a-z][a-z0-9_-]*)/(\d+)$")


def activity_iri(item_id: str, *, site_url: str) -> str:
    """The statement object id of an item id: "course:12" -> "{site_url}/xapi/activities/course/12"."""
    kind, sep, pk = item_id.partition(":")
    if not sep or not kind or not pk.isdigit():
        raise ValueError(f"not an item id (kind:pk): {item_id!r}")
    return f"{site_url.rstrip('/')}{ACTIVITIES_PATH}{kind}/{pk}"


def item_id_for_iri(iri: str) -> str | None:
    """The item id an activity IRI names ("…/xapi/activities/course/12" -> "course:12"), or None when the
    IRI is not an item's. Any host: the site's address may have changed since the statement was stored."""
    match = _ITEM_IRI.search(iri or "")
    return f"{match.group(1)}:{match.group(2)}" if match else None


def item_kind(item_id: str) -> str:
    """The kind of an item id ("course:12" -> "course")."""
    return item_id.partition(":")[0]
