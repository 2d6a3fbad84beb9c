"""Writes about people and organisations: roles, the editors' group, the tree's rules, who may do what."""

import pytest
from django.contrib.auth.models import Group, Permission
from wagtail.models import ModelLogEntry

from core.errors import ApplicationError, PermissionDenied
from core.people.models import OrgUnit, Role, User
from core.people.permissions import EDITOR_PERMISSIONS, EDITORS_GROUP, editor_group_permissions_grant
from core.people.services import (
    ROLES_CHANGED,
    org_unit_create,
    org_unit_delete_check,
    org_unit_update,
    person_create,
    person_roles_set,
    person_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(world):
    return User.objects.create_superuser("root", password="pass12345")


def test_roles_set_adds_and_removes_and_logs_who_did_it(world, admin, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        added, removed = person_roles_set(user=world.staff, roles=[Role.VOLUNTEER, Role.PARTY_MEMBER], by=admin)
    assert (added, removed) == ({Role.VOLUNTEER, Role.PARTY_MEMBER}, {Role.STAFF})
    assert world.staff.role_codes() == {Role.VOLUNTEER, Role.PARTY_MEMBER}
    entry = ModelLogEntry.objects.get(action=ROLES_CHANGED, object_id=str(world.staff.pk))
    assert entry.user == admin
    assert entry.data == {"added": ["party_member", "volunteer"], "removed": ["staff"]}


def test_setting_the_same_roles_changes_and_logs_nothing(world):
    assert person_roles_set(user=world.retailer, roles=[Role.RETAILER], by=world.editor) == (set(), set())
    assert not ModelLogEntry.objects.filter(action=ROLES_CHANGED).exists()


def test_unknown_role_is_refused_and_nothing_changes(world):
    with pytest.raises(ApplicationError) as error:
        person_roles_set(user=world.retailer, roles=[Role.RETAILER, "king"], by=None)
    assert error.value.message == "未知角色：king。"
    assert world.retailer.role_codes() == {Role.RETAILER}


def test_the_editor_role_brings_the_editors_group_and_only_an_admin_grants_it(world, admin):
    with pytest.raises(PermissionDenied) as error:
        person_roles_set(user=world.staff, roles=[Role.STAFF, Role.EDITOR], by=world.editor)
    assert error.value.message == "只有管理员可以授予或取消编辑角色。"
    assert not world.staff.groups.exists()

    person_roles_set(user=world.staff, roles=[Role.STAFF, Role.EDITOR], by=admin)
    assert world.staff.groups.filter(name=EDITORS_GROUP).exists()
    staff = User.objects.get(pk=world.staff.pk)  # fresh permission cache
    assert staff.has_perm("wagtailadmin.access_admin")
    assert staff.has_perm("people.change_shop")

    person_roles_set(user=world.staff, roles=[Role.STAFF], by=admin)
    assert not world.staff.groups.exists()


def test_someone_without_the_person_permission_may_not_change_people(world):
    with pytest.raises(PermissionDenied):
        person_roles_set(user=world.retailer, roles=[], by=world.staff)
    with pytest.raises(PermissionDenied):
        person_update(user=world.retailer, display_name="x", by=world.villager)


def test_person_create_checks_the_username_and_sets_no_usable_password(world):
    person = person_create(username=" new_one ", display_name=" 新人 ", roles=[Role.VILLAGER], by=world.editor)
    assert person.username == "new_one"
    assert person.display_name == "新人"
    assert person.role_codes() == {Role.VILLAGER}
    assert not person.has_usable_password()
    with pytest.raises(ApplicationError) as error:
        person_create(username="LI_RETAILER", display_name="x", by=world.editor)
    assert error.value.message == "用户名 LI_RETAILER 已被使用。"


def test_person_update_refuses_a_bad_phone_and_changes_nothing(world):
    with pytest.raises(Exception):  # noqa: B017 - Django's ValidationError
        person_update(user=world.retailer, display_name="新名字", phone="abc", by=world.editor)
    world.retailer.refresh_from_db()
    assert world.retailer.display_name == "李春梅"


def test_an_editor_may_not_change_an_administrator(world, admin):
    with pytest.raises(PermissionDenied):
        person_update(user=admin, display_name="x", by=world.editor)


def test_nobody_deactivates_themselves(world):
    with pytest.raises(ApplicationError):
        person_update(user=world.editor, display_name="陈编辑", is_active=False, by=world.editor)


def test_a_new_units_kind_follows_from_its_parent(world):
    grid = org_unit_create(parent=world.department, name="城西二网格", code="330106-01-02", by=world.editor)
    assert grid.kind == OrgUnit.Kind.GRID
    assert grid.path_names == "浙江省 / 杭州市 / 西湖区 / 城西市场部 / 城西二网格"
    with pytest.raises(ApplicationError) as error:
        org_unit_create(parent=grid, name="x", code="x", by=world.editor)
    assert error.value.message == "网格是最小单位，下面不能再添加单位。"
    with pytest.raises(ApplicationError) as error:
        org_unit_create(parent=world.department, name="y", code="330106-01-02", by=world.editor)
    assert error.value.message == "单位编码 330106-01-02 已被使用。"


def test_a_grid_moves_to_another_department_with_its_shops_but_not_up_a_level(world):
    moved = org_unit_update(
        unit=world.grid, name="城西一网格", code=world.grid.code, parent=world.other_department, by=world.editor
    )
    assert moved.get_parent() == world.other_department
    assert world.shop.grid_id == moved.pk
    with pytest.raises(ApplicationError) as error:
        org_unit_update(unit=moved, name="城西一网格", code=moved.code, parent=world.county, by=world.editor)
    assert error.value.message == "网格只能移到另一个市场部下。"


def test_units_still_in_use_cannot_be_deleted(world):
    with pytest.raises(ApplicationError):
        org_unit_delete_check(unit=world.grid)
    empty = org_unit_create(parent=world.department, name="空网格", code="330106-01-09", by=None)
    org_unit_delete_check(unit=empty)


def test_someone_without_unit_permissions_may_not_change_the_tree(world):
    with pytest.raises(PermissionDenied):
        org_unit_create(parent=world.department, name="x", code="x", by=world.retailer)


def test_editor_group_permissions_grant_is_idempotent_and_complete(world):
    group = editor_group_permissions_grant()
    before = set(group.permissions.values_list("pk", flat=True))
    assert editor_group_permissions_grant().permissions.count() == len(before)
    codenames = set(
        Permission.objects.filter(pk__in=before, content_type__app_label="people").values_list("codename", flat=True)
    )
    assert codenames >= {f"{a}_{m}" for m, actions in EDITOR_PERMISSIONS.items() for a in actions}
    assert "delete_orgunit" not in codenames
    assert "delete_person" not in codenames
    assert Group.objects.filter(name=EDITORS_GROUP).count() == 1
