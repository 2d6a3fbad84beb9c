"""Wagtail's user admin extended with display name, phone, unit, village and roles (core.people.wagtail_users)."""

import pytest
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from wagtail.models import ModelLogEntry

from core.people.models import Role, User
from core.people.services import ROLES_CHANGED
from core.people.wagtail_users import PeopleUserCreationForm, PeopleUserEditForm, PeopleUserViewSet

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(world):
    return User.objects.create_superuser("root", password="pass12345")


def edit_data(user, **changes):
    data = {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "display_name": user.display_name,
        "phone": user.phone,
        "org_unit": user.org_unit_id or "",
        "village": user.village_id or "",
        "people_roles": sorted(user.role_codes()),
    }
    data.update(changes)
    return data


def test_edit_form_changes_person_fields_and_roles_through_the_service(world, admin):
    form = PeopleUserEditForm(
        edit_data(world.staff, display_name="赵敏敏", phone="13800000001", people_roles=[Role.STAFF, Role.EDITOR]),
        instance=world.staff,
        acting_user=admin,
    )
    assert form.is_valid(), form.errors
    form.save()
    world.staff.refresh_from_db()
    assert world.staff.display_name == "赵敏敏"
    assert world.staff.phone == "13800000001"
    assert world.staff.role_codes() == {Role.STAFF, Role.EDITOR}
    assert world.staff.groups.filter(name="Editors").exists()
    assert ModelLogEntry.objects.get(action=ROLES_CHANGED).user == admin


def test_creation_form_adds_a_person_with_unit_and_roles(world, admin):
    form = PeopleUserCreationForm(
        {
            "username": "new_retailer",
            "email": "",
            "first_name": "",
            "last_name": "",
            "password1": "a-long-Secret-9",
            "password2": "a-long-Secret-9",
            "display_name": "新店主",
            "org_unit": world.grid.pk,
            "people_roles": [Role.RETAILER],
        },
        acting_user=admin,
    )
    assert form.is_valid(), form.errors
    user = form.save()
    assert user.display_name == "新店主"
    assert user.org_unit == world.grid
    assert user.role_codes() == {Role.RETAILER}


def test_the_user_edit_page_shows_the_person_fields(world, admin):
    viewset = PeopleUserViewSet("wagtailusers_users", url_prefix="users")
    request = RequestFactory().get(f"/admin/users/{world.retailer.pk}/")
    request.user = admin
    request.session = {}
    request._messages = FallbackStorage(request)
    response = viewset.edit_view(request, pk=world.retailer.pk)
    response.render()
    html = response.content.decode()
    assert "显示名称" in html
    assert "李春梅" in html
    assert 'value="retailer" checked' in html or "零售户" in html
