"""What certification needs to know about people's learning, read from the statement store.

Statements are the contract between learning and certification: the learning app records "completed" for a
course and, for each quiz attempt, "answered" then "passed"/"failed" with a scaled score, with the page's
activity IRI as the object. This module reads people's records from them, many people at once; it never
touches the learning app's tables. Only statements the trust rule lets change state count
(`Statement.objects.trusted()`): an untrusted xAPI client cannot complete a course for anyone.
"""

from __future__ import annotations

from collections import defaultdict

from core.activity.models import Statement
from core.activity.vocabulary import ActivityType, Verb


def page_activity_id(page) -> str:
    """The activity IRI statements use for a course or quiz page (the learning page types' `activity_iri`)."""
    return page.activity_iri


def is_course_completed(statement: Statement) -> bool:
    return statement.verb_id == Verb.COMPLETED and statement.activity_type == ActivityType.COURSE


def is_quiz_scored(statement: Statement) -> bool:
    # Any scored attempt counts: a programme's pass mark may be above the quiz's own, and "passed" is
    # recorded once per quiz while every attempt is recorded as "answered".
    return statement.verb_id in (Verb.PASSED, Verb.ANSWERED) and statement.activity_type == ActivityType.ASSESSMENT


def completed_courses(*, user_ids: set[int], course_iris: set[str]) -> dict[int, set[str]]:
    """Of the courses `course_iris`, those each of `user_ids` has completed (one query)."""
    if not user_ids or not course_iris:
        return {}
    done: dict[int, set[str]] = defaultdict(set)
    rows = Statement.objects.trusted().filter(
        actor_user_id__in=user_ids,
        verb_id=Verb.COMPLETED,
        activity_type=ActivityType.COURSE,
        object_id__in=course_iris,
        voided=False,
    )
    for user_id, object_id in rows.values_list("actor_user_id", "object_id"):
        done[user_id].add(object_id)
    return done


def best_quiz_scores(*, user_ids: set[int], quiz_iris: set[str]) -> dict[tuple[int, str], float]:
    """The best scaled score (0..1) each of `user_ids` reached in each quiz of `quiz_iris`, by (user id, quiz
    IRI); a pair never submitted is absent (one query).

    Every submitted attempt is recorded as "answered" with its score (passed/failed follow it, and "passed" is
    recorded only once), so all three are read."""
    if not user_ids or not quiz_iris:
        return {}
    best: dict[tuple[int, str], float] = {}
    rows = Statement.objects.trusted().filter(
        actor_user_id__in=user_ids,
        verb_id__in=[Verb.ANSWERED, Verb.PASSED, Verb.FAILED],
        activity_type=ActivityType.ASSESSMENT,
        object_id__in=quiz_iris,
        voided=False,
    )
    for user_id, object_id, score in rows.values_list("actor_user_id", "object_id", "full__result__score__scaled"):
        if isinstance(score, int | float) and not isinstance(score, bool):
            key = (user_id, object_id)
            if key not in best or score > best[key]:
                best[key] = float(score)
    return best


# --- a programme's requirements, met or not (the issuing rule; the path pages read the same) ---------------


def programme_steps(programme) -> tuple[list, object | None]:
    """The programme's courses (in order) and final quiz, from prefetched relations."""
    return [link.course for link in programme.required_courses.all()], programme.final_quiz


def programme_met(
    *, user_id: int, programme, completed: dict[int, set[str]], scores: dict[tuple[int, str], float]
) -> tuple[bool, list[dict]]:
    """Whether the person meets `programme`, and the evidence (courses completed, final quiz score), from
    records read for many people at once."""
    courses, quiz = programme_steps(programme)
    done = completed.get(user_id, set())
    evidence: list[dict] = [
        {"course": course.title, "activity": page_activity_id(course)}
        for course in courses
        if page_activity_id(course) in done
    ]
    met = len(evidence) == len(courses)
    if quiz is not None:
        best = scores.get((user_id, page_activity_id(quiz)))
        if best is None or round(best * 100, 6) < programme.pass_mark:
            met = False
        else:
            evidence.append({"quiz": quiz.title, "activity": page_activity_id(quiz), "score": round(best, 4)})
    elif not courses:
        met = False  # a programme with no requirement at all is issued by hand only
    return met, evidence


def learning_records(*, user_ids: set[int], programmes: list):
    """The records `programme_met` reads for these people and programmes: completed courses and best quiz scores
    (two queries)."""
    course_iris, quiz_iris = set(), set()
    for programme in programmes:
        courses, quiz = programme_steps(programme)
        course_iris.update(page_activity_id(course) for course in courses)
        if quiz is not None:
            quiz_iris.add(page_activity_id(quiz))
    completed = completed_courses(user_ids=user_ids, course_iris=course_iris)
    scores = best_quiz_scores(user_ids=user_ids, quiz_iris=quiz_iris)
    return completed, scores
