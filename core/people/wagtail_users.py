"""Wagtail's own user admin (Settings > Users), extended with what a person is here: display name, phone,
organisation unit, village and roles. Roles change through services.person_roles_set, so the editor role
keeps the editors' group in step and the change is logged with who made it.

INSTALLED_APPS names `core.people.users_app.PeopleUsersAppConfig` instead of `wagtail.users` to use it (the app
config lives apart because this module imports models, which an app config module must not).
Editors without user-management permission use the "People" screen (wagtail_hooks.PersonViewSet) instead.
"""

from __future__ import annotations

from django import forms
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views import users as user_views

from .models import Role
from .services import person_roles_set

PERSON_FIELDS = ["display_name", "phone", "org_unit", "village"]


class PersonFieldsMixin(forms.ModelForm):
    people_roles = forms.MultipleChoiceField(
        label=_("roles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, acting_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.acting_user = acting_user
        # People here go by their display name and phone; many have no e-mail address.
        for name in ("email", "first_name", "last_name"):
            if name in self.fields:
                self.fields[name].required = False
        if self.instance.pk:
            self.fields["people_roles"].initial = sorted(self.instance.role_codes())

    @transaction.atomic
    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            person_roles_set(user=user, roles=self.cleaned_data.get("people_roles") or [], by=self.acting_user)
        return user


class PeopleUserCreationForm(PersonFieldsMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = [*UserCreationForm.Meta.fields, *PERSON_FIELDS]


class PeopleUserEditForm(PersonFieldsMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = [*UserEditForm.Meta.fields, *PERSON_FIELDS]


class CreateView(user_views.CreateView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "acting_user": self.request.user}


class EditView(user_views.EditView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "acting_user": self.request.user}


class PeopleUserViewSet(user_views.UserViewSet):
    add_view_class = CreateView
    edit_view_class = EditView
    create_template_name = "people/users/create.html"
    edit_template_name = "people/users/edit.html"

    def get_form_class(self, for_update=False):
        return PeopleUserEditForm if for_update else PeopleUserCreationForm
