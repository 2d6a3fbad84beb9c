"""Admin screens for people and organisations: the organisation tree, people, party branches, shops, villages.

Every list searches with the database (icontains on plain columns), so rows the demo seed bulk-creates are
found without a search index. Writes that have rules (roles, the tree) go through services.py.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Substr
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.panels import FieldPanel, MultipleChooserPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import DeleteView, IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from core.errors import ApplicationError

from .models import OrgUnit, PartyBranch, Person, Role, Shop, User, Village
from .selectors import org_tree, org_unit_move_targets
from .services import (
    ROLES_CHANGED,
    UNIT_MOVED,
    org_unit_create,
    org_unit_delete_check,
    org_unit_move,
    org_unit_update,
    person_create,
    person_update,
)

# "People" is a proxy of the user model: without its own policy Wagtail would apply the user model's
# (user management), and editors, who hold the person permissions, could not open it.
register_permission_policy(Person, ModelPermissionPolicy(Person), exact_class=True)


@hooks.register("register_log_actions")
def register_people_log_actions(actions):
    actions.register_action(ROLES_CHANGED, _("Change roles"), _("Roles changed"))
    actions.register_action(UNIT_MOVED, _("Move unit"), _("Unit moved in the organisation tree"))


def _list_view(queryset):
    """An index view whose rows come from `queryset()` (select/prefetch what the columns show)."""

    class ListView(IndexView):
        def get_base_queryset(self):
            return queryset()

    return ListView


def _units_of_kind(kind: str):
    return OrgUnit.objects.filter(kind=kind).order_by("path")


# --- choosing a person (34,000 retailers do not fit in a <select>) ------------------------------------------


class PersonSearchForm(BaseFilterForm):
    q = forms.CharField(
        label=_("Search term"), required=False, widget=forms.TextInput(attrs={"placeholder": _("Name or phone")})
    )

    def filter(self, objects):
        objects = super().filter(objects)
        query = self.cleaned_data.get("q", "").strip()
        if query:
            self.is_searching = True
            self.search_query = query
            objects = objects.filter(
                Q(display_name__icontains=query) | Q(username__icontains=query) | Q(phone__icontains=query)
            )
        return objects


class UserChooserViewSet(ChooserViewSet):
    model = User
    icon = "user"
    choose_one_text = _("Choose a person")
    choose_another_text = _("Choose another person")
    edit_item_text = _("Edit this person")
    filter_form_class = PersonSearchForm
    ordering = ["display_name", "username"]
    per_page = 20


user_chooser_viewset = UserChooserViewSet("people_user_chooser", url_prefix="people/choose-person")


@hooks.register("register_admin_viewset")
def register_user_chooser():
    return user_chooser_viewset


# --- the organisation tree -----------------------------------------------------------------------------


class OrgUnitForm(WagtailAdminModelForm):
    """Name, code and the parent unit; the kind follows from the parent (services decide)."""

    parent = forms.ModelChoiceField(
        label=_("parent unit"),
        queryset=OrgUnit.objects.exclude(kind=OrgUnit.Kind.GRID).order_by("path"),
        required=False,
        help_text=_("Leave empty for a province. A unit under a market department is a grid, and so on."),
    )

    class Meta:
        model = OrgUnit
        fields = ["name", "code", "parent"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["parent"].initial = self.instance.get_parent()
            self.fields["parent"].queryset = self.fields["parent"].queryset.exclude(path__startswith=self.instance.path)

    def clean(self):
        cleaned = super().clean()
        try:
            if self.instance.pk is None:
                from .services import org_unit_kind_below

                org_unit_kind_below(cleaned.get("parent"))
        except ApplicationError as error:
            self.add_error("parent", error.message)
        return cleaned

    def _post_clean(self):
        # The tree fields (path, depth, kind) are set by services when saving, not by the form.
        pass

    def save(self, commit=True):
        by = getattr(self, "for_user", None)
        data = self.cleaned_data
        try:
            if self.instance.pk is None:
                unit = org_unit_create(parent=data["parent"], name=data["name"], code=data["code"], by=by)
            else:
                unit = org_unit_update(
                    unit=self.instance, name=data["name"], code=data["code"], parent=data["parent"], by=by
                )
        except ApplicationError as error:
            raise forms.ValidationError(error.message) from error
        self.instance = unit
        return unit


class OrgUnitDeleteView(DeleteView):
    def form_valid(self, form):
        try:
            org_unit_delete_check(unit=self.object)
        except ApplicationError as error:
            messages.error(self.request, error.message)
            return redirect(self.index_url_name)
        return super().form_valid(form)


class UnitSubtreeFilter(django_filters.ModelChoiceFilter):
    """Units of one kind; keeps rows whose unit lies under the chosen one."""

    def __init__(self, *args, kind: str, through: str, **kwargs):
        kwargs.setdefault("queryset", _units_of_kind(kind))
        kwargs.setdefault("method", self.under)
        self.through = through
        super().__init__(*args, **kwargs)

    def under(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(**{f"{self.through}__path__startswith": value.path})


class OrgUnitFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=OrgUnit.Kind.choices)
    within = django_filters.ModelChoiceFilter(
        label=_("within"),
        queryset=OrgUnit.objects.exclude(kind=OrgUnit.Kind.GRID).order_by("path"),
        method="in_subtree",
    )

    class Meta:
        model = OrgUnit
        fields = ["kind"]

    def in_subtree(self, queryset, name, value):
        return queryset.filter(path__startswith=value.path) if value else queryset


MAX_DEPTH = 5  # province > city > county > department > grid


def org_units_with_ancestor_names():
    """Units annotated with the names of their ancestors (ancestor_1 is the province), so a list shows
    each unit's path without a query per row."""
    return OrgUnit.objects.annotate(
        **{
            f"ancestor_{level}": Subquery(
                OrgUnit.objects.filter(path=Substr(OuterRef("path"), 1, OrgUnit.steplen * level)).values("name")[:1]
            )
            for level in range(1, MAX_DEPTH)
        }
    )


class UnitPathColumn(Column):
    def get_value(self, instance):
        if not hasattr(instance, "ancestor_1"):
            return instance.path_names
        names = [getattr(instance, f"ancestor_{level}", None) for level in range(1, min(instance.depth, MAX_DEPTH))]
        return " / ".join([*(name for name in names if name), instance.name])


class OrgUnitTreeView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """The organisation as a tree, as the page explorer shows pages: expand and collapse each unit, the people and
    shops under it, and for those who may change the tree, moving a unit (`OrgUnitMoveView`)."""

    model = OrgUnit
    any_permission_required = ["add", "change", "delete", "view"]
    template_name = "people/admin/org_tree.html"
    page_title = _("Organisation tree")
    header_icon = "site"
    url_namespace = ""

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": _("Organisation tree")}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # ?open=<unit id>: that unit and its ancestors open (after a move, the unit where it now sits).
        opened = (
            OrgUnit.objects.filter(pk=self.request.GET["open"]).first()
            if self.request.GET.get("open", "").isdigit()
            else None
        )
        opened_paths = (
            {opened.path[: OrgUnit.steplen * level] for level in range(1, opened.depth + 1)} if opened else set()
        )
        context.update(
            tree=org_tree(),
            opened_paths=opened_paths,
            may_change=self.user_has_permission("change"),
            may_add=self.user_has_permission("add"),
            url_namespace=self.url_namespace,
            list_url=reverse(f"{self.url_namespace}:index"),
            add_url=reverse(f"{self.url_namespace}:add"),
        )
        return context


class OrgUnitMoveForm(forms.Form):
    parent = forms.ModelChoiceField(label=_("new parent unit"), queryset=OrgUnit.objects.none())

    def __init__(self, *args, unit: OrgUnit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = org_unit_move_targets(unit=unit)
        self.fields["parent"].label_from_instance = lambda target: target.path_names


class OrgUnitMoveView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """Move a unit with everything below it under another unit of its parent's kind; the service checks the
    permission and the tree's rule, and logs the move."""

    model = OrgUnit
    permission_required = "change"
    template_name = "people/admin/org_unit_move.html"
    header_icon = "site"
    url_namespace = ""

    @cached_property
    def unit(self) -> OrgUnit:
        return get_object_or_404(OrgUnit, pk=self.kwargs["pk"])

    def get_page_title(self):
        return _("Move %(unit)s") % {"unit": self.unit.name}

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(f"{self.url_namespace}:tree"), "label": _("Organisation tree")},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            unit=self.unit,
            form=form or OrgUnitMoveForm(unit=self.unit),
            tree_url=reverse(f"{self.url_namespace}:tree"),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = OrgUnitMoveForm(request.POST, unit=self.unit)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            unit = org_unit_move(unit=self.unit, parent=form.cleaned_data["parent"], by=request.user)
        except ApplicationError as error:
            form.add_error("parent", error.message)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(
            request,
            _("%(unit)s now sits under %(parent)s.")
            % {"unit": unit.name, "parent": form.cleaned_data["parent"].path_names},
        )
        return redirect(f"{reverse(f'{self.url_namespace}:tree')}?open={unit.pk}#unit-{unit.pk}")


class OrgUnitViewSet(ModelViewSet):
    model = OrgUnit
    icon = "site"
    menu_label = _("Organisation")
    add_to_admin_menu = False
    copy_view_enabled = False
    search_fields = ["name", "code"]
    search_backend_name = None
    filterset_class = OrgUnitFilterSet
    ordering = ["path"]
    list_per_page = 50
    delete_view_class = OrgUnitDeleteView
    list_display = [
        "name",
        UnitPathColumn("path_names", label=_("Path")),
        Column("kind", label=_("kind"), accessor="get_kind_display"),
        "code",
    ]
    edit_handler = ObjectList(
        [FieldPanel("name"), FieldPanel("code"), FieldPanel("parent")], base_form_class=OrgUnitForm
    )

    index_view_class = _list_view(lambda: org_units_with_ancestor_names())

    # The tree is where admins start (the menu opens it); the list stays for searching and filtering.
    def get_urlpatterns(self):
        return [
            path("tree/", OrgUnitTreeView.as_view(url_namespace=self.url_namespace), name="tree"),
            path("move/<int:pk>/", OrgUnitMoveView.as_view(url_namespace=self.url_namespace), name="move"),
            *super().get_urlpatterns(),
        ]


# --- people ---------------------------------------------------------------------------------------------


class PersonForm(WagtailAdminModelForm):
    roles = forms.MultipleChoiceField(
        label=_("roles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Person
        fields = ["username", "display_name", "phone", "org_unit", "village", "is_active", "roles"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["username"].disabled = True
            self.fields["roles"].initial = sorted(self.instance.role_codes())

    def clean(self):
        cleaned = super().clean()
        by = getattr(self, "for_user", None)
        before = self.instance.role_codes() if self.instance.pk else set()
        changed = before ^ set(cleaned.get("roles") or [])
        if Role.EDITOR in changed and by is not None and not by.is_superuser:
            self.add_error("roles", _("Only an administrator may grant or take away the editor role."))
        if self.instance.pk and self.instance.is_superuser and by is not None and not by.is_superuser:
            raise forms.ValidationError(_("Only an administrator may change an administrator."))
        return cleaned

    def save(self, commit=True):
        by = getattr(self, "for_user", None)
        data = self.cleaned_data
        details = dict(
            display_name=data.get("display_name", ""),
            phone=data.get("phone", ""),
            org_unit=data.get("org_unit"),
            village=data.get("village"),
            roles=data.get("roles") or [],
        )
        try:
            if self.instance.pk is None:
                user = person_create(username=data["username"], is_active=data.get("is_active", True), by=by, **details)
                self.instance.pk = user.pk
                self.instance._state.adding = False
            else:
                person_update(user=self.instance, is_active=data.get("is_active"), by=by, **details)
        except ApplicationError as error:
            raise forms.ValidationError(error.message) from error
        return self.instance


class RoleColumn(Column):
    def get_value(self, instance):
        return ", ".join(str(assignment.get_role_display()) for assignment in instance.roles.all())


class PersonFilterSet(WagtailFilterSet):
    role = django_filters.ChoiceFilter(label=_("role"), choices=Role.choices, field_name="roles__role", distinct=True)
    unit = django_filters.ModelChoiceFilter(
        label=_("organisation unit"),
        queryset=OrgUnit.objects.exclude(kind=OrgUnit.Kind.GRID).order_by("path"),
        method="in_unit",
    )

    class Meta:
        model = Person
        fields = ["is_active"]

    def in_unit(self, queryset, name, value):
        return queryset.filter(org_unit__path__startswith=value.path) if value else queryset


class PersonViewSet(ModelViewSet):
    model = Person
    icon = "user"
    menu_label = _("People")
    copy_view_enabled = False
    search_fields = ["username", "display_name", "phone"]
    search_backend_name = None
    filterset_class = PersonFilterSet
    ordering = ["username"]
    list_per_page = 50
    list_display = [
        "display_name",
        "username",
        RoleColumn("roles", label=_("roles")),
        "org_unit",
        "phone",
        "is_active",
    ]
    edit_handler = ObjectList(
        [
            FieldPanel("username"),
            FieldPanel("display_name"),
            FieldPanel("phone"),
            FieldPanel("org_unit"),
            FieldPanel("village"),
            FieldPanel("roles"),
            FieldPanel("is_active"),
        ],
        base_form_class=PersonForm,
    )

    index_view_class = _list_view(lambda: Person.objects.select_related("org_unit").prefetch_related("roles"))


# --- party branches, shops, villages --------------------------------------------------------------------


class PartyBranchViewSet(ModelViewSet):
    model = PartyBranch
    icon = "group"
    menu_label = _("Party branches")
    copy_view_enabled = False
    search_fields = ["name", "code"]
    search_backend_name = None
    list_filter = ["org_unit"]
    ordering = ["code"]
    list_display = ["name", "code", "org_unit", "secretary"]
    panels = [
        FieldPanel("name"),
        FieldPanel("code"),
        FieldPanel("org_unit"),
        FieldPanel("secretary"),
        MultipleChooserPanel(
            "memberships",
            label=_("members"),
            chooser_field_name="user",
            panels=[FieldPanel("user"), FieldPanel("joined_on")],
        ),
    ]

    index_view_class = _list_view(lambda: PartyBranch.objects.select_related("org_unit", "secretary"))


class ShopForm(WagtailAdminModelForm):
    def clean_licence_number(self):
        number = self.cleaned_data["licence_number"].strip()
        holder = Shop.objects.filter(licence_number=number).exclude(pk=self.instance.pk).first()
        if holder is not None:
            raise forms.ValidationError(
                _("Licence number %(number)s is already held by %(shop)s: each shop has its own licence.")
                % {"number": number, "shop": holder.name}
            )
        return number

    def validate_unique(self):
        # clean_licence_number says it more clearly than the generic "already exists".
        exclude = self._get_validation_exclusions()
        exclude.add("licence_number")
        try:
            self.instance.validate_unique(exclude=exclude)
        except forms.ValidationError as error:
            self._update_errors(error)


class ShopFilterSet(WagtailFilterSet):
    tier_min = django_filters.NumberFilter(label=_("tier from"), field_name="tier", lookup_expr="gte")
    tier_max = django_filters.NumberFilter(label=_("tier to"), field_name="tier", lookup_expr="lte")
    county = UnitSubtreeFilter(label=_("county"), kind=OrgUnit.Kind.COUNTY, through="grid")
    department = UnitSubtreeFilter(label=_("market department"), kind=OrgUnit.Kind.DEPARTMENT, through="grid")
    grid = django_filters.ModelChoiceFilter(label=_("grid"), queryset=_units_of_kind(OrgUnit.Kind.GRID))

    class Meta:
        model = Shop
        fields = ["delivery_cycle"]


class ShopViewSet(ModelViewSet):
    model = Shop
    icon = "home"
    menu_label = _("Shops")
    copy_view_enabled = False
    search_fields = ["licence_number", "name", "owner__display_name", "owner__username"]
    search_backend_name = None
    filterset_class = ShopFilterSet
    ordering = ["licence_number"]
    list_per_page = 50
    list_display = ["name", "licence_number", "tier", "grid", "owner", "village"]
    edit_handler = ObjectList(
        [
            FieldPanel("licence_number"),
            FieldPanel("name"),
            FieldPanel("tier"),
            FieldPanel("delivery_cycle"),
            FieldPanel("grid"),
            FieldPanel("owner"),
            FieldPanel("village"),
            FieldPanel("address"),
        ],
        base_form_class=ShopForm,
    )

    index_view_class = _list_view(lambda: Shop.objects.select_related("grid", "owner", "village"))


class VillageViewSet(ModelViewSet):
    model = Village
    icon = "globe"
    menu_label = _("Villages")
    copy_view_enabled = False
    search_fields = ["name", "code", "township"]
    search_backend_name = None
    list_filter = ["county"]
    ordering = ["code"]
    list_display = ["name", "code", "county", "township", "population"]
    form_fields = ["name", "code", "county", "township", "population"]

    index_view_class = _list_view(lambda: Village.objects.select_related("county"))


class PeopleGroup(ModelViewSetGroup):
    menu_label = _("People and organisations")
    menu_icon = "group"
    menu_order = 250
    items = (
        OrgUnitViewSet("org_units", url_prefix="people/units"),
        PersonViewSet("people", url_prefix="people/people"),
        PartyBranchViewSet("party_branches", url_prefix="people/branches"),
        ShopViewSet("shops", url_prefix="people/shops"),
        VillageViewSet("villages", url_prefix="people/villages"),
    )


@hooks.register("register_admin_viewset")
def register_people_admin():
    return PeopleGroup()
