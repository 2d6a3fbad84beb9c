"""Contests in the Wagtail admin: indices, dimensions, scoring rules (each change is a new rules version),
contests, and read-only views of the ledger, final standings and awards."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template import engines
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from core.errors import ApplicationError

from .models import Award, Contest, Dimension, FinalStanding, Index, PointsEntry, Rule, RuleSetVersion
from .services.rules import contest_recompute, ruleset_version_create


class IndexViewSet(SnippetViewSet):
    model = Index
    icon = "pick"
    menu_label = gettext_lazy("Indices")
    list_display = ["name", "slug", "scope", "daily_limit", "rules_version"]
    search_fields = ["name"]


class DimensionViewSet(SnippetViewSet):
    model = Dimension
    icon = "list-ul"
    menu_label = gettext_lazy("Dimensions")
    list_display = ["name", "index", "weight"]
    list_filter = ["index"]


class RuleViewSet(SnippetViewSet):
    model = Rule
    icon = "tasks"
    menu_label = gettext_lazy("Scoring rules")
    list_display = ["name", "dimension", "points", "daily_cap", "min_dwell_seconds", "active"]
    list_filter = ["active", "dimension__index"]
    search_fields = ["name", "verb"]


class ContestViewSet(SnippetViewSet):
    model = Contest
    icon = "pick"
    menu_label = gettext_lazy("Contests")
    list_display = ["name", "slug", "index", "ranking", "starts_at", "ends_at", "frozen_at"]
    list_filter = ["ranking", "index", "is_public"]
    search_fields = ["name", "slug"]


class ContestsGroup(SnippetViewSetGroup):
    items = (ContestViewSet, IndexViewSet, DimensionViewSet, RuleViewSet)
    menu_icon = "pick"
    menu_label = gettext_lazy("Contests")
    menu_name = "contests"
    menu_order = 300


class ReadOnlyViewSet(ModelViewSet):
    # Ledger rows are written in bulk and deleted by the thousand (a recomputation): in Wagtail's reference index
    # each delete would cost its own queries, and a bulk insert is never indexed anyway.
    add_to_reference_index = False
    add_view_enabled = False
    edit_view_enabled = False
    copy_view_enabled = False
    inspect_view_enabled = True
    add_to_admin_menu = False
    search_backend_name = None


class PointsEntryViewSet(ReadOnlyViewSet):
    model = PointsEntry
    icon = "list-ol"
    menu_label = gettext_lazy("Points ledger")
    list_display = ["occurred_at", "user", "index", "dimension", "rule", "points", "rules_version"]
    list_filter = ["index", "dimension"]
    ordering = ["-occurred_at"]
    form_fields = []


class RuleSetVersionViewSet(ReadOnlyViewSet):
    model = RuleSetVersion
    icon = "history"
    menu_label = gettext_lazy("Rules versions")
    list_display = ["index", "number", "created_by", "created_at"]
    list_filter = ["index"]
    form_fields = []


class FinalStandingViewSet(ReadOnlyViewSet):
    model = FinalStanding
    icon = "list-ol"
    menu_label = gettext_lazy("Final standings")
    list_display = ["contest", "rank", "name", "score"]
    list_filter = ["contest"]
    form_fields = []


class AwardViewSet(ReadOnlyViewSet):
    model = Award
    icon = "success"
    menu_label = gettext_lazy("Awards")
    list_display = ["title", "contest", "user", "branch", "rank", "awarded_at"]
    list_filter = ["contest", "kind"]
    form_fields = []


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [
        ContestsGroup(),
        PointsEntryViewSet("points_ledger"),
        RuleSetVersionViewSet("rules_versions"),
        FinalStandingViewSet("final_standings"),
        AwardViewSet("contest_awards"),
    ]


def _index_of(instance):
    if isinstance(instance, Rule):
        return instance.dimension.index
    if isinstance(instance, Dimension):
        return instance.index
    if isinstance(instance, Index):
        return instance
    return None


def _new_rules_version(request, instance) -> None:
    index = _index_of(instance)
    if index is None:
        return
    version = ruleset_version_create(index=index, by=request.user)
    messages.info(
        request,
        _(
            "Rules of %(index)s are now version %(version)d. Points already earned keep their value; "
            "recompute a contest to apply the new rules to its past."
        )
        % {"index": index.name, "version": version.number},
    )


@hooks.register("after_create_snippet")
def rules_created(request, instance):
    if isinstance(instance, (Rule, Dimension)):
        _new_rules_version(request, instance)


@hooks.register("after_edit_snippet")
def rules_edited(request, instance):
    _new_rules_version(request, instance)


@hooks.register("after_delete_snippet")
def rules_deleted(request, instances):
    for instance in instances:
        if isinstance(instance, Rule):
            # The rule is gone; its dimension (and index) remain.
            dimension = Dimension.objects.filter(pk=instance.dimension_id).select_related("index").first()
            if dimension is not None:
                _new_rules_version(request, dimension)


# --- recomputing a contest on purpose ------------------------------------------------------------------------

_CONFIRM = engines["django"].from_string(
    """{% extends "wagtailadmin/base.html" %}{% load i18n %}
{% block titletag %}{{ heading }}{% endblock %}
{% block content %}
<div class="nice-padding" data-testid="recompute-contest">
  <h1>{{ heading }}</h1>
  <p>{{ explanation }}</p>
  <form method="post">{% csrf_token %}
    <button type="submit" class="button">{{ confirm }}</button>
    <a href="{{ back }}" class="button button-secondary">{% translate "Cancel" %}</a>
  </form>
</div>
{% endblock %}"""
)


@require_http_methods(["GET", "POST"])
def contest_recompute_view(request, pk: int):
    contest = get_object_or_404(Contest.objects.select_related("index"), pk=pk)
    if not request.user.has_perm("realtime.change_rule"):
        raise DjangoPermissionDenied
    back = reverse("wagtailsnippets_realtime_contest:list")
    if request.method == "POST":
        try:
            written = contest_recompute(contest=contest, by=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(contest)s was recomputed under the current rules: %(count)d points entries.")
                % {"contest": contest.name, "count": written},
            )
        return redirect(back)
    context = {
        "heading": _("Recompute %(contest)s") % {"contest": contest.name},
        "explanation": _(
            "Every statement in the contest's period is scored again under the current rules of %(index)s; "
            "points earned under earlier versions are replaced, in this contest and in any other contest on the "
            "same days."
        )
        % {"index": contest.index.name},
        "confirm": _("Recompute"),
        "back": back,
    }
    return HttpResponse(_CONFIRM.render(context, request))


@hooks.register("register_admin_urls")
def recompute_urls():
    return [path("contests/<int:pk>/recompute/", contest_recompute_view, name="realtime_contest_recompute")]


@hooks.register("register_snippet_listing_buttons")
def recompute_button(snippet, user, next_url=None):
    if isinstance(snippet, Contest) and snippet.frozen_at is None and user.has_perm("realtime.change_rule"):
        yield Button(
            _("Recompute under the current rules"),
            url=reverse("realtime_contest_recompute", args=[snippet.pk]),
            icon_name="resubmit",
            priority=50,
        )
