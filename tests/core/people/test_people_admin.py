"""The Wagtail admin screens for people and organisations, as an editor and an administrator use them."""

import pytest
from django.contrib.auth.models import Group

from core.people.models import OrgUnit, Person, Role, Shop, User

pytestmark = pytest.mark.django_db

LISTS = ["units", "people", "branches", "shops", "villages"]


def listed(response):
    return list(response.context["object_list"])


@pytest.fixture
def editor_client(client, world):
    client.force_login(world.editor)
    return client


@pytest.fixture
def admin_user(world):
    return User.objects.create_superuser("root", password="pass12345", display_name="管理员")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("screen", LISTS)
def test_editor_and_admin_open_every_list(client, world, admin_user, screen):
    for person in (world.editor, admin_user):
        client.force_login(person)
        response = client.get(f"/admin/people/{screen}/")
        assert response.status_code == 200, (person, screen)
        assert listed(response), screen


@pytest.mark.parametrize("screen", LISTS)
def test_someone_without_admin_access_cannot_open_them(client, world, screen):
    client.force_login(world.staff)
    response = client.get(f"/admin/people/{screen}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_admin_user_outside_the_editors_group_is_refused(client, world):
    world.editor.groups.clear()
    world.editor.user_permissions.add(*Group.objects.get(name="Editors").permissions.filter(codename="access_admin"))
    client.force_login(world.editor)
    assert client.get("/admin/people/shops/").status_code in (302, 403)


def test_shop_search_by_licence_name_and_owner(editor_client, world):
    other = Shop.objects.create(licence_number="330106100002", name="龙井超市", tier=20, grid=world.other_grid)
    for query in ("100001", "西湖", "李春梅"):
        assert listed(editor_client.get("/admin/people/shops/", {"q": query})) == [world.shop], query
    assert listed(editor_client.get("/admin/people/shops/", {"q": "龙井"})) == [other]


def test_shop_filters_by_tier_and_place(editor_client, world):
    other = Shop.objects.create(licence_number="330106100002", name="龙井超市", tier=20, grid=world.other_grid)
    url = "/admin/people/shops/"
    assert listed(editor_client.get(url, {"tier_min": 13})) == [other]
    assert listed(editor_client.get(url, {"tier_max": 12})) == [world.shop]
    assert listed(editor_client.get(url, {"department": world.department.pk})) == [world.shop]
    assert listed(editor_client.get(url, {"grid": world.other_grid.pk})) == [other]
    assert set(listed(editor_client.get(url, {"county": world.county.pk}))) == {world.shop, other}


def test_shop_with_a_duplicate_licence_is_refused_with_a_clear_message(editor_client, world):
    response = editor_client.post(
        "/admin/people/shops/new/",
        {
            "licence_number": "330106100001",
            "name": "另一家店",
            "tier": 5,
            "delivery_cycle": "weekly",
            "grid": world.grid.pk,
        },
    )
    assert response.status_code == 200
    assert "许可证号 330106100001 已由 西湖便利店 使用" in response.content.decode()
    assert Shop.objects.count() == 1


def test_shop_licence_must_have_twelve_digits_and_tier_1_to_30(editor_client, world):
    response = editor_client.post(
        "/admin/people/shops/new/",
        {"licence_number": "12345", "name": "小店", "tier": 31, "delivery_cycle": "weekly", "grid": world.grid.pk},
    )
    html = response.content.decode()
    assert "许可证号为 12 位数字。" in html
    assert Shop.objects.count() == 1


def test_editor_adds_a_shop(editor_client, world):
    response = editor_client.post(
        "/admin/people/shops/new/",
        {
            "licence_number": "330106100009",
            "name": "新开便利店",
            "tier": 8,
            "delivery_cycle": "weekly",
            "grid": world.grid.pk,
            "owner": world.retailer.pk,
        },
    )
    assert response.status_code == 302
    assert Shop.objects.get(licence_number="330106100009").owner == world.retailer


def test_org_units_show_their_path_and_filter_by_kind_and_name(editor_client, world):
    response = editor_client.get("/admin/people/units/", {"kind": "grid"})
    assert set(listed(response)) == {world.grid, world.other_grid}
    assert "浙江省 / 杭州市 / 西湖区 / 城西市场部 / 城西一网格" in response.content.decode()
    assert listed(editor_client.get("/admin/people/units/", {"q": "城东"})) == [
        world.other_department,
        world.other_grid,
    ]
    assert set(listed(editor_client.get("/admin/people/units/", {"within": world.other_department.pk}))) == {
        world.other_department,
        world.other_grid,
    }


def test_a_unit_added_under_a_department_is_a_grid(editor_client, world):
    response = editor_client.post(
        "/admin/people/units/new/", {"name": "城西二网格", "code": "330106-01-02", "parent": world.department.pk}
    )
    assert response.status_code == 302
    unit = OrgUnit.objects.get(code="330106-01-02")
    assert unit.kind == OrgUnit.Kind.GRID
    assert unit.get_parent() == world.department


def test_nothing_can_be_added_under_a_grid(editor_client, world):
    form = editor_client.get("/admin/people/units/new/").context["form"]
    assert world.grid not in form.fields["parent"].queryset
    response = editor_client.post("/admin/people/units/new/", {"name": "x", "code": "x1", "parent": world.grid.pk})
    assert response.status_code == 200
    assert not OrgUnit.objects.filter(code="x1").exists()


def test_people_search_and_role_filter(editor_client, world):
    assert listed(editor_client.get("/admin/people/people/", {"q": "李春"})) == [
        Person.objects.get(pk=world.retailer.pk)
    ]
    members = listed(editor_client.get("/admin/people/people/", {"role": Role.PARTY_MEMBER}))
    assert [person.pk for person in members] == [world.member.pk]
    in_department = {p.pk for p in listed(editor_client.get("/admin/people/people/", {"unit": world.department.pk}))}
    assert in_department == {world.retailer.pk, world.member.pk, world.staff.pk}


def _person_form(user, **changes):
    data = {
        "display_name": user.display_name,
        "phone": user.phone,
        "org_unit": user.org_unit_id or "",
        "village": user.village_id or "",
        "is_active": "on",
        "roles": sorted(user.role_codes()),
    }
    data.update(changes)
    return data


def test_editor_changes_a_persons_details_and_roles(editor_client, world):
    response = editor_client.post(
        f"/admin/people/people/edit/{world.staff.pk}/",
        _person_form(world.staff, display_name="赵敏敏", roles=[Role.STAFF, Role.VOLUNTEER]),
    )
    assert response.status_code == 302
    world.staff.refresh_from_db()
    assert world.staff.display_name == "赵敏敏"
    assert world.staff.role_codes() == {Role.STAFF, Role.VOLUNTEER}


def test_only_an_administrator_grants_the_editor_role(editor_client, client, world, admin_user):
    response = editor_client.post(
        f"/admin/people/people/edit/{world.staff.pk}/", _person_form(world.staff, roles=[Role.STAFF, Role.EDITOR])
    )
    assert response.status_code == 200
    assert "只有管理员可以授予或取消编辑角色。" in response.content.decode()
    assert not world.staff.has_role(Role.EDITOR)

    client.force_login(admin_user)
    response = client.post(
        f"/admin/people/people/edit/{world.staff.pk}/", _person_form(world.staff, roles=[Role.STAFF, Role.EDITOR])
    )
    assert response.status_code == 302
    assert world.staff.groups.filter(name="Editors").exists()
    # Now in the editors' group, they can open the admin screens.
    client.force_login(world.staff)
    assert client.get("/admin/people/shops/").status_code == 200


def test_editor_adds_a_person_with_roles(editor_client, world):
    response = editor_client.post(
        "/admin/people/people/new/",
        {
            "username": "new_retailer",
            "display_name": "新店主",
            "phone": "13900000000",
            "org_unit": world.grid.pk,
            "is_active": "on",
            "roles": [Role.RETAILER],
        },
    )
    assert response.status_code == 302
    person = User.objects.get(username="new_retailer")
    assert person.role_codes() == {Role.RETAILER}
    assert not person.has_usable_password()


def test_branch_edit_page_has_the_member_chooser(editor_client, world):
    response = editor_client.get(f"/admin/people/branches/edit/{world.branch.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "王建国" in html
    chooser = editor_client.get("/admin/people/choose-person/", {"q": "王建"})
    assert chooser.status_code == 200
    assert "王建国" in chooser.json()["html"]


def test_villages_search_and_county_filter(editor_client, world):
    assert listed(editor_client.get("/admin/people/villages/", {"q": "龙坞"})) == [world.village]
    assert listed(editor_client.get("/admin/people/villages/", {"q": "转塘"})) == [world.village]
    assert listed(editor_client.get("/admin/people/villages/", {"county": world.county.pk})) == [world.village]


def test_editor_moves_a_grid_to_another_department(editor_client, world):
    response = editor_client.post(
        f"/admin/people/units/edit/{world.grid.pk}/",
        {"name": "城西一网格", "code": world.grid.code, "parent": world.other_department.pk},
    )
    assert response.status_code == 302
    world.grid.refresh_from_db()
    assert world.grid.path_names == "浙江省 / 杭州市 / 西湖区 / 城东市场部 / 城西一网格"


def test_a_unit_in_use_is_not_deleted(admin_client, world):
    response = admin_client.post(f"/admin/people/units/delete/{world.grid.pk}/", follow=True)
    assert "还有单位、人员、零售终端、村或党支部" in response.content.decode()
    assert OrgUnit.objects.filter(pk=world.grid.pk).exists()


def test_the_unit_list_shows_paths_without_a_query_per_row(editor_client, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            response = editor_client.get("/admin/people/units/")
        assert response.status_code == 200
        return len(context.captured_queries)

    queries()  # warm the session and permission caches
    few = queries()
    for number in range(2, 12):
        OrgUnit.objects.get(pk=world.department.pk).add_child(
            name=f"城西{number}号网格", code=f"330106-01-{number:02d}", kind=OrgUnit.Kind.GRID
        )
    assert queries() == few
    html = editor_client.get("/admin/people/units/").content.decode()
    assert "浙江省 / 杭州市 / 西湖区 / 城西市场部 / 城西11号网格" in html
