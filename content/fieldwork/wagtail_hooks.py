"""Admin screens: editors build work list templates (tasks with cadence, deadline, evidence), objectives,
questionnaires (questions, skip logic, scope), and keep field workers and shop locations; menu links to the
results of questionnaires and to the cockpit."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import FieldWorker, Objective, Questionnaire, ShopPlace, WorkListTemplate


class WorkListTemplateViewSet(SnippetViewSet):
    model = WorkListTemplate
    icon = "list-ul"
    list_display = ["name", "role", "active"]
    list_filter = ["role", "active"]


class QuestionnaireViewSet(SnippetViewSet):
    model = Questionnaire
    icon = "form"
    list_display = ["title", "status", "scope", "created_at"]
    list_filter = ["status", "scope"]


class ObjectiveViewSet(SnippetViewSet):
    model = Objective
    icon = "success"
    list_display = ["title", "unit", "person", "month"]


class FieldWorkerViewSet(SnippetViewSet):
    model = FieldWorker
    icon = "user"
    list_display = ["user", "role"]
    list_filter = ["role"]


class ShopPlaceViewSet(SnippetViewSet):
    model = ShopPlace
    icon = "site"
    list_display = ["shop", "latitude", "longitude"]


class FieldworkGroup(SnippetViewSetGroup):
    items = (WorkListTemplateViewSet, QuestionnaireViewSet, ObjectiveViewSet, FieldWorkerViewSet, ShopPlaceViewSet)
    menu_icon = "clipboard-list"
    menu_label = _("Field work")
    menu_name = "fieldwork"


register_snippet(FieldworkGroup)


@hooks.register("register_admin_menu_item")
def cockpit_menu_item():
    return MenuItem(_("Digital cockpit"), "/cockpit/", icon_name="view", order=901)
