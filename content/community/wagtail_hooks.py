"""Admin screens: the service catalogue (categories and services: the taxonomy editors maintain), partners,
stations with their hours, exceptions and photos, offered services, request categories with their targets,
units' direct lines, and the requests (read-only: staff answer them on the site, where the states are kept)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import (
    DirectLineUnit,
    DirectRequest,
    Offer,
    Partner,
    RequestCategory,
    ServiceCategory,
    ServiceKind,
    Station,
)


class ServiceCategoryViewSet(SnippetViewSet):
    model = ServiceCategory
    icon = "folder-open-inverse"
    menu_label = _("Service categories")
    list_display = ["name", "code", "sort_order"]


class ServiceKindViewSet(SnippetViewSet):
    model = ServiceKind
    icon = "list-ul"
    menu_label = _("Service catalogue")
    list_display = ["name", "category", "code", "has_capacity", "active"]
    list_filter = ["category", "active", "has_capacity"]


class PartnerViewSet(SnippetViewSet):
    model = Partner
    icon = "group"
    menu_label = _("Partners")
    list_display = ["name", "website"]


class StationViewSet(SnippetViewSet):
    model = Station
    icon = "site"
    menu_label = _("Stations")
    list_display = ["name", "kind", "village", "shop", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "address"]


class OfferViewSet(SnippetViewSet):
    model = Offer
    icon = "tick"
    menu_label = _("Offered services")
    list_display = ["kind", "station", "capacity", "active"]
    list_filter = ["active"]


class RequestCategoryViewSet(SnippetViewSet):
    model = RequestCategory
    icon = "time"
    menu_label = _("Request categories")
    list_display = ["name", "code", "amber_after_hours", "target_hours"]


class DirectLineUnitViewSet(SnippetViewSet):
    model = DirectLineUnit
    icon = "user"
    menu_label = _("Units' direct lines")
    list_display = ["unit", "allow_anonymous"]


class DirectRequestViewSet(SnippetViewSet):
    model = DirectRequest
    icon = "mail"
    menu_label = _("Direct-line requests")
    inspect_view_enabled = True
    list_display = ["category", "state", "unit", "created_at", "due_at"]
    list_filter = ["state", "category"]
    ordering = ["-created_at"]
    # No requester, no contact: anonymous or not, the admin list does not show who asked.
    inspect_view_fields = [
        "uuid",
        "category",
        "text",
        "state",
        "unit",
        "origin_unit",
        "station",
        "assignee",
        "created_at",
        "due_at",
        "resolved_at",
        "closed_at",
        "rating",
        "escalation_level",
    ]


class CommunityGroup(SnippetViewSetGroup):
    items = (
        StationViewSet,
        OfferViewSet,
        ServiceKindViewSet,
        ServiceCategoryViewSet,
        PartnerViewSet,
        RequestCategoryViewSet,
        DirectLineUnitViewSet,
        DirectRequestViewSet,
    )
    menu_icon = "site"
    menu_label = _("Community services")
    menu_name = "community"


register_snippet(CommunityGroup)
