"""Reads of the learning app.

Item ids and activity IRIs
--------------------------
Other apps (the recommender, contests, certification) name learning items by an *item id* and read
statements whose object id is the matching *activity IRI*. Both are stable: they only use the page id.

| item | item id | statement object id (activity IRI) | activity type |
| --- | --- | --- | --- |
| course | `course:<page id>` | `{SITE_URL}/xapi/activities/course/<page id>` | ActivityType.COURSE |
| lesson | `lesson:<page id>` | `{SITE_URL}/xapi/activities/lesson/<page id>` | ActivityType.LESSON |
| quiz | `quiz:<page id>` | `{SITE_URL}/xapi/activities/quiz/<page id>` | ActivityType.ASSESSMENT |

Every statement the app records also carries the item id in `context.extensions[Extension.ITEM]`, and
lesson and quiz statements name their course in `context.contextActivities.parent`. The mapping both ways is
core.activity's (`core.activity.items.item_iri`, `item_id_of`); the pages get it from `ItemIdentityMixin`.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Prefetch

from core.activity.items import Item

from .models import Category, CoursePage, Enrolment, LessonPage, LessonProgress, QuizAttempt, QuizPage
from .text import BODY, LABEL, TITLE, best_first, characters_matched, parse_query, rank, word_matches

CATALOGUE_VERSION_KEY = "learning:catalogue-version"


def catalogue_version() -> int:
    """Bumped whenever a course, lesson or quiz is published or unpublished (see apps.py)."""
    version = cache.get(CATALOGUE_VERSION_KEY)
    if version is None:
        version = 1
        cache.add(CATALOGUE_VERSION_KEY, version, None)
    return version


def catalogue_invalidate() -> None:
    try:
        cache.incr(CATALOGUE_VERSION_KEY)
    except ValueError:
        cache.set(CATALOGUE_VERSION_KEY, 2, None)


LESSON_FIELDS = ("id", "title", "kind", "duration_seconds", "path", "depth", "live")


def live_lesson(*, lesson_id: int) -> LessonPage | None:
    """A live lesson with the fields progress reports need (LESSON_FIELDS), or None.

    Players report progress every few seconds, so the row is cached under the catalogue version: any
    publish, unpublish or deletion makes the next report read it afresh. Missing ids are not cached.
    """
    key = f"learning:lesson:{lesson_id}"
    found = cache.get_many([CATALOGUE_VERSION_KEY, key])
    entry = found.get(key)
    if entry is not None and entry[0] == found.get(CATALOGUE_VERSION_KEY):
        return entry[1]
    version = catalogue_version()
    lesson = LessonPage.objects.live().only(*LESSON_FIELDS).filter(pk=lesson_id).first()
    if lesson is not None:
        cache.set(key, (version, lesson), 3600)
    return lesson


def progress_state(progress: LessonProgress) -> dict:
    """What the player is told after a report: the credited percent, the position and the course's progress.
    The progress API and the progress socket answer with this same shape."""
    course_percent = getattr(progress, "course_progress_percent", None)
    if course_percent is None:
        enrolment = Enrolment.objects.filter(user_id=progress.user_id, course_id=progress.course_id).first()
        course_percent = enrolment.progress_percent if enrolment else 0
    return {
        "lesson_id": progress.lesson_id,
        "percent": progress.percent,
        "position_seconds": progress.position_seconds,
        "completed": progress.completed_at is not None,
        "course_progress_percent": course_percent,
    }


def catalogue_courses(*, category: str | None = None, catalogue=None):
    """Live courses, newest first, optionally of one category and under one catalogue page."""
    courses = CoursePage.objects.live().select_related("cover").prefetch_related("tags")
    if catalogue is not None:
        courses = courses.child_of(catalogue)
    if category and category in Category.values:
        courses = courses.filter(category=category)
    return courses.order_by("-first_published_at", "-pk")


SEARCH_CANDIDATES = 300


def _search_row(parsed, fields: list[tuple[str, float]], page) -> tuple:
    texts = [text for text, _weight in fields]
    return (
        rank(parsed, fields),
        word_matches(parsed, texts),
        characters_matched(parsed, texts),
        page.title,
        page,
    )


def search_learning(*, query: str, limit: int = 30) -> dict:
    """Courses and lessons matching `query`, best first.

    Any word or single character the person types matches, in simplified or traditional characters
    (text.py cuts the query like the index). The full-text index finds the candidates; `text.rank`
    orders them the same way on SQLite and PostgreSQL: title above tags and instructor above summary and
    body, the whole query and whole words above single characters.
    """
    parsed = parse_query(query)
    if parsed is None:
        return {"query": query, "courses": [], "lessons": []}
    terms = parsed.index_terms
    course_ids = [p.pk for p in CoursePage.objects.live().search(terms, operator="or")[:SEARCH_CANDIDATES]]
    lesson_ids = [p.pk for p in LessonPage.objects.live().search(terms, operator="or")[:SEARCH_CANDIDATES]]
    courses = CoursePage.objects.filter(pk__in=course_ids).prefetch_related("tags")
    lessons = LessonPage.objects.filter(pk__in=lesson_ids)

    def course_row(course: CoursePage):
        labels = [tag.name for tag in course.tags.all()] + [course.instructor, str(course.get_category_display())]
        fields = [(course.title, TITLE), *((label, LABEL) for label in labels), (course.summary, BODY)]
        return _search_row(parsed, fields, course)

    def lesson_row(lesson: LessonPage):
        fields = [(lesson.title, TITLE), (lesson.summary, BODY), (lesson.body_text(), BODY)]
        return _search_row(parsed, fields, lesson)

    return {
        "query": query,
        "courses": best_first(parsed, [course_row(c) for c in courses])[:limit],
        "lessons": best_first(parsed, [lesson_row(lesson) for lesson in lessons])[:limit],
    }


def recommendable_courses() -> list[Item]:
    """Every live course, for the item registry (the recommender's training and titles)."""
    return [
        Item(
            item_id=course.item_id,
            title=course.title,
            url=course.url,
            summary=course.summary,
            tags=" ".join(tag.name for tag in course.tags.all()),
            category=course.category,
            audience=tuple(course.audience_roles or ()),
            first_published_at=course.first_published_at,
        )
        for course in CoursePage.objects.live().prefetch_related("tags").order_by("pk")
    ]


def recommendable_lessons() -> list[Item]:
    """Every live lesson, with its course's tags, category and audience, for the item registry."""
    courses_by_path = {course.path: course for course in CoursePage.objects.live().prefetch_related("tags")}
    items = []
    for lesson in LessonPage.objects.live().order_by("path"):
        parent = courses_by_path.get(lesson.path[: -lesson.steplen])
        items.append(
            Item(
                item_id=lesson.item_id,
                title=lesson.title,
                url=lesson.url,
                summary=lesson.summary,
                tags=" ".join(tag.name for tag in parent.tags.all()) if parent else "",
                category=parent.category if parent else "",
                audience=tuple(parent.audience_roles or ()) if parent else (),
                first_published_at=lesson.first_published_at,
                part_of=parent.item_id if parent else "",
            )
        )
    return items


# --- a learner's view -------------------------------------------------------------------------------


def course_outline(*, course: CoursePage) -> list:
    """The course's live lessons and quizzes, in tree order."""
    return [page.specific for page in course.get_children().live().type(LessonPage, QuizPage).order_by("path")]


def course_state(*, course: CoursePage, user) -> dict:
    """What the course page shows one person: the outline with their state, progress, where to resume."""
    outline = course_outline(course=course)
    enrolment = None
    progress: dict[int, LessonProgress] = {}
    passed: set[int] = set()
    if user is not None and user.is_authenticated:
        enrolment = Enrolment.objects.filter(user=user, course=course).first()
        progress = {p.lesson_id: p for p in LessonProgress.objects.filter(user=user, course=course)}
        passed = set(
            QuizAttempt.objects.filter(
                user=user, quiz__in=[p for p in outline if isinstance(p, QuizPage)], passed=True
            ).values_list("quiz_id", flat=True)
        )
    steps = []
    for page in outline:
        if isinstance(page, LessonPage):
            p = progress.get(page.pk)
            p_percent = 0
            if p is not None:
                p.lesson = page
                p_percent = p.percent
            steps.append({"page": page, "kind": page.kind, "done": bool(p and p.completed_at), "percent": p_percent})
        else:
            steps.append(
                {"page": page, "kind": "quiz", "done": page.pk in passed, "percent": 100 if page.pk in passed else 0}
            )
    resume = None
    if enrolment is not None:
        resume = next((s["page"] for s in steps if not s["done"]), None)
    return {
        "enrolment": enrolment,
        "steps": steps,
        "progress_percent": enrolment.progress_percent if enrolment else 0,
        "resume_page": resume,
    }


def lesson_state(*, lesson: LessonPage, user) -> dict:
    from .services.progress import MEDIA_COMPLETE_SHARE, reading_seconds_required

    progress = None
    if user is not None and user.is_authenticated:
        progress = LessonProgress.objects.filter(user=user, lesson=lesson).first()
        if progress is not None:
            progress.lesson = lesson
    parent = lesson.get_parent()
    siblings = list(parent.get_children().live().order_by("path").specific())
    index = next((i for i, p in enumerate(siblings) if p.pk == lesson.pk), 0)
    return {
        "progress": progress,
        "course": parent.specific,
        "next_page": siblings[index + 1] if index + 1 < len(siblings) else None,
        "previous_page": siblings[index - 1] if index > 0 else None,
        "reading_seconds": reading_seconds_required(lesson),
        "complete_share": MEDIA_COMPLETE_SHARE,
    }


def my_learning(*, user, limit: int | None = None) -> dict:
    """A person's courses in progress (most recent first, with where to resume) and finished."""
    enrolments = list(
        Enrolment.objects.filter(user=user)
        .select_related("course", "last_page")
        .prefetch_related(Prefetch("course__tags"))
        .order_by("-last_activity_at")
    )
    in_progress = [e for e in enrolments if e.completed_at is None][:limit]
    finished = sorted((e for e in enrolments if e.completed_at), key=lambda e: e.completed_at, reverse=True)
    for enrolment in in_progress:
        enrolment.resume_url = _resume_url(enrolment)
    return {"in_progress": in_progress, "finished": finished}


def _resume_url(enrolment: Enrolment) -> str:
    state = course_state(course=enrolment.course, user=enrolment.user)
    page = state["resume_page"]
    return page.url if page is not None else enrolment.course.url


def attempt_questions(*, attempt: QuizAttempt) -> list[dict]:
    """The attempt's questions in the order shown, with choices but never which are correct."""
    from .models import QuizQuestion

    questions = {q.pk: q for q in QuizQuestion.objects.filter(page_id=attempt.quiz_id)}
    shown = []
    for number, (qid, choice_order) in enumerate(attempt.order, start=1):
        question = questions.get(qid)
        if question is None:
            continue
        labels = [label for label, _ok in question.parsed_choices()]
        shown.append(
            {
                "id": qid,
                "number": number,
                "kind": question.kind,
                "text": question.text,
                "choices": [{"id": i, "label": labels[i]} for i in choice_order if i < len(labels)],
            }
        )
    return shown


def quiz_open_attempt(*, user, quiz: QuizPage) -> QuizAttempt | None:
    """The attempt the learner started and has not submitted yet, if any (reading a quiz starts nothing)."""
    return QuizAttempt.objects.filter(user=user, quiz=quiz, submitted_at__isnull=True).order_by("-number").first()


def quiz_best(*, user, quiz: QuizPage) -> QuizAttempt | None:
    """The learner's best submitted attempt (a passed one first)."""
    return (
        QuizAttempt.objects.filter(user=user, quiz=quiz, submitted_at__isnull=False)
        .order_by("-passed", "-score_percent", "number")
        .first()
    )


def courses_progress(*, user, course_ids) -> dict[int, int]:
    """How far `user` got in each of these courses they enrolled in, in per cent, by course id (one query; the
    progress the course page shows). Other apps (certification's paths) show it beside their own steps."""
    if user is None or not user.is_authenticated:
        return {}
    return dict(
        Enrolment.objects.filter(user=user, course_id__in=list(course_ids)).values_list("course_id", "progress_percent")
    )
