"""``{% load qa_tags %}{% lesson_questions page %}``: a lesson's questions and answers, with the forms to ask,
answer, accept and (for editors) hide or restore. Renders nothing for a page that is not a live lesson."""

from django import template
from django.template.loader import render_to_string

from ..selectors import is_editor, is_teacher, lesson_for_page, visible_questions

register = template.Library()

TEMPLATE = "qa/lesson_questions.html"


@register.simple_tag(takes_context=True)
def lesson_questions(context, page):
    request = context.get("request")
    lesson = lesson_for_page(page)
    if request is None or lesson is None:
        return ""
    viewer = getattr(request, "user", None)
    context_data = {
        "lesson": lesson,
        "questions": visible_questions(lesson=lesson, viewer=viewer),
        "teacher": is_teacher(viewer, lesson),
        "editor": is_editor(viewer),
    }
    return render_to_string(TEMPLATE, context_data, request=request)
