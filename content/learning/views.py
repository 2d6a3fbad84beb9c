"""Thin views behind the pages' routes: they call selectors and services and render templates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core.errors import ApplicationError

from . import selectors, services
from .media import ranged_file_response
from .models import Category
from .outcomes import quiz_outcomes
from .page_cache import page_cache_render


def catalogue(request, page):
    category = request.GET.get("category") or ""
    if category not in Category.values:
        category = ""
    version = selectors.catalogue_version()
    context = {
        "category": category,
        "categories": Category.choices,
        "catalogue_version": version,
        "courses": selectors.catalogue_courses(category=category or None, catalogue=page),
    }

    def render(overrides: dict):
        return page.render(request, template="learning/course_index_page.html", context_overrides=context | overrides)

    return page_cache_render(request, render, page=page, version=version)


def search(request, page):
    query = (request.GET.get("q") or "").strip()[:100]
    results = selectors.search_learning(query=query) if query else {"query": "", "courses": [], "lessons": []}
    return page.render(request, template="learning/search.html", context_overrides={"results": results, "q": query})


def my_learning(request, page):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return page.render(
        request, template="learning/my_learning.html", context_overrides=selectors.my_learning(user=request.user)
    )


def course_enrol(request, course):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.is_authenticated:
        return redirect_to_login(course.url)
    services.course_enrol(user=request.user, course=course)
    messages.success(request, _("You are enrolled. Start with the first lesson."))
    state = selectors.course_state(course=course, user=request.user)
    return redirect(state["resume_page"].url if state["resume_page"] else course.url)


def lesson(request, page):
    if request.user.is_authenticated:
        services.lesson_view(user=request.user, lesson=page)
    return page.render(request, template="learning/lesson_page.html")


def lesson_media(request, page):
    if not page.media_id or not page.media.file:
        raise Http404
    return ranged_file_response(request, page.media.file)


def quiz(request, page):
    """GET shows the open attempt (or the way to start one); POST starts an attempt (`start`) or submits one."""
    if not request.user.is_authenticated:
        return redirect_to_login(page.url)
    context: dict = {"result": None, "attempt": None, "error": None}
    if request.method == "POST" and "start" in request.POST:
        try:
            services.quiz_start(user=request.user, quiz=page)
        except ApplicationError as exc:
            context["error"] = exc.message
        else:
            return redirect(page.url)
    elif request.method == "POST":
        answers = {}
        for key in request.POST:
            if key.startswith("q-"):
                answers[key[2:]] = request.POST.getlist(key)
        try:
            context["result"] = services.quiz_submit(
                user=request.user, quiz=page, attempt_id=int(request.POST.get("attempt") or 0), answers=answers
            )
        except (ApplicationError, ValueError) as exc:
            context["error"] = getattr(exc, "message", str(exc))
    if context["result"] is None:
        context["attempt"] = selectors.quiz_open_attempt(user=request.user, quiz=page)
        if context["attempt"] is not None:
            context["questions"] = selectors.attempt_questions(attempt=context["attempt"])
    context["attempts_left"] = services.quiz_attempts_left(user=request.user, quiz=page)
    context["best"] = selectors.quiz_best(user=request.user, quiz=page)
    context["course"] = page.course
    if context["result"] is not None or context["best"] is not None:
        context["outcomes"] = quiz_outcomes(user=request.user, quiz=page)
    return page.render(request, template="learning/quiz_page.html", context_overrides=context)
