"""Reads of questions and answers: the lesson a question is about, who teaches it, what a person may see.

Lessons are the learning app's pages; this app reaches them through Wagtail's page tree, never through the
learning app's models: a lesson is a live page whose class says ``item_kind = "lesson"`` (learning's item ids
are ``lesson:<page id>``, see content/learning/selectors.py), and its course is its parent page.

Teachers of a lesson: the owner of its course page (the person who created it in the admin) and every editor
(the role ``editor``, or a superuser): the course pages name their instructor by text only, so the editors, who
run the courses, answer for them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q
from wagtail.models import Page

from core.people.models import Role

from .models import Answer, Question

LESSON_KIND = "lesson"


@dataclass(frozen=True)
class Lesson:
    """A lesson people may ask about."""

    page_id: int
    title: str
    url: str
    course_id: int
    course_title: str
    course_owner_id: int | None

    @property
    def item_id(self) -> str:
        return f"{LESSON_KIND}:{self.page_id}"

    @property
    def course_item_id(self) -> str:
        return f"course:{self.course_id}"


def lesson_for_page(page) -> Lesson | None:
    """The lesson of a page already in hand (the lesson page's template), or None when it is not a live lesson
    without view restrictions (a restricted lesson's questions would reach people who may not read it)."""
    if page is None or not page.live or getattr(page.specific_class, "item_kind", None) != LESSON_KIND:
        return None
    if page.get_view_restrictions().exists():
        return None
    parent = page.get_parent()
    if parent is None:
        return None
    return Lesson(
        page_id=page.pk,
        title=page.title,
        url=page.url or "",
        course_id=parent.pk,
        course_title=parent.title,
        course_owner_id=parent.owner_id,
    )


def lesson_find(*, lesson_id: int) -> Lesson | None:
    """A live, unrestricted lesson by its page id, or None."""
    page = Page.objects.live().filter(pk=lesson_id).select_related("content_type").first()
    return lesson_for_page(page)


def is_editor(user) -> bool:
    """Editors moderate questions and answers everywhere."""
    return bool(user is not None and user.is_authenticated and (user.is_superuser or user.has_role(Role.EDITOR)))


def is_teacher(user, lesson: Lesson) -> bool:
    """The course's owner or an editor."""
    if user is None or not user.is_authenticated:
        return False
    return user.pk == lesson.course_owner_id or is_editor(user)


def _shown(viewer):
    """Questions with their answers (oldest first) in ``shown_answers``, hidden ones left out for non-editors."""
    editor = is_editor(viewer)
    questions = Question.objects.select_related("asker")
    answers = Answer.objects.select_related("author").order_by("created_at", "pk")
    if not editor:
        questions = questions.filter(hidden=False)
        answers = answers.filter(hidden=False)
    return questions.prefetch_related(Prefetch("answers", answers, to_attr="shown_answers"))


def visible_questions(*, lesson: Lesson, viewer) -> list[Question]:
    """The lesson's questions, newest first, each with its answers (oldest first) in ``shown_answers``. Hidden
    questions and answers are left out unless the viewer is an editor. Three queries whatever the number: the
    viewer's roles, the questions with their askers, the answers with their authors."""
    return list(_shown(viewer).filter(lesson_id=lesson.page_id).order_by("-created_at", "-pk"))


def question_shown(*, question_id: int, viewer) -> Question | None:
    """One question as ``visible_questions`` gives it, or None when the viewer may not see it."""
    return _shown(viewer).filter(pk=question_id).first()


def question_find(*, question_id: int, viewer) -> Question | None:
    """A question the viewer may see (a hidden one: editors only), with its lesson page."""
    qs = Question.objects.filter(pk=question_id).select_related("lesson", "asker")
    if not is_editor(viewer):
        qs = qs.filter(hidden=False)
    return qs.first()


def answer_find(*, answer_id: int, viewer) -> Answer | None:
    """An answer the viewer may see (hidden, or under a hidden question: editors only)."""
    qs = Answer.objects.filter(pk=answer_id).select_related("question", "author")
    if not is_editor(viewer):
        qs = qs.filter(Q(hidden=False) & Q(question__hidden=False))
    return qs.first()


def recent_posts_by(*, user, since) -> tuple[int, int]:
    """(questions, answers) the person wrote since ``since``: what the rate limits count."""
    return (
        Question.objects.filter(asker=user, created_at__gt=since).count(),
        Answer.objects.filter(author=user, created_at__gt=since).count(),
    )
