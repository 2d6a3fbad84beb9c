"""What certification needs to know about a person's learning, read from the statement store.

Statements are the contract between learning and certification: the learning app records "completed" for a
course and, for each quiz attempt, "answered" then "passed"/"failed" with a scaled score, with the page's
`activity_iri` as the object. This module reads a person's record from them; it never touches the learning
app's tables.
"""

from __future__ import annotations

from core.activity.models import Statement
from core.activity.vocabulary import ActivityType, Verb


def page_activity_id(page) -> str:
    """The activity IRI statements use for a course or quiz page (the learning page types' `activity_iri`)."""
    return page.activity_iri


def completed_course_ids(*, user, course_ids: dict[str, int]) -> set[int]:
    """Of the courses `course_ids` (activity IRI -> page id), the page ids `user` has completed."""
    if not course_ids:
        return set()
    done = Statement.objects.filter(
        actor_user=user,
        verb_id=Verb.COMPLETED,
        activity_type=ActivityType.COURSE,
        object_id__in=list(course_ids),
        voided=False,
    ).values_list("object_id", flat=True)
    return {course_ids[object_id] for object_id in done}


def quiz_best_score(*, user, quiz) -> float | None:
    """The best scaled score (0..1) `user` reached in `quiz`; None if never submitted.

    Every submitted attempt is recorded as "answered" with its score (passed/failed follow it, and "passed" is
    recorded only once), so all three are read."""
    best: float | None = None
    rows = Statement.objects.filter(
        actor_user=user,
        verb_id__in=[Verb.ANSWERED, Verb.PASSED, Verb.FAILED],
        activity_type=ActivityType.ASSESSMENT,
        object_id=page_activity_id(quiz),
        voided=False,
    ).values_list("full", flat=True)
    for full in rows:
        score = ((full.get("result") or {}).get("score") or {}).get("scaled")
        if isinstance(score, int | float) and (best is None or score > best):
            best = float(score)
    return best
