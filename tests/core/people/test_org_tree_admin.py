"""The organisation tree in the Wagtail admin, as the page explorer shows pages: units nested under their parents,
open and closed, the people and shops of each unit with everything below it, and moving a unit (only by those who
may change the tree, only to a place the tree's rule allows)."""

import re

import pytest
from django.contrib.auth.models import Group, Permission

from core.people.models import OrgUnit, Shop, User

pytestmark = pytest.mark.django_db

TREE = "/admin/people/units/tree/"


@pytest.fixture
def editor_client(client, world):
    client.force_login(world.editor)
    return client


def rows(html: str) -> dict[str, tuple[str, str]]:
    """unit name -> (people, shops) as the tree writes them."""
    found = {}
    for item in re.findall(r'<li id="unit-\d+".*?</span>\s*</span>', html, re.S):
        name = re.search(r'data-testid="org-unit-name">([^<]+)<', item).group(1)
        people = re.search(r'data-testid="org-unit-people">([^<]+)<', item).group(1).strip()
        shops = re.search(r'data-testid="org-unit-shops">([^<]+)<', item).group(1).strip()
        found[name] = (people, shops)
    return found


def test_the_tree_nests_units_and_counts_people_and_shops_below_each(editor_client, world):
    html = editor_client.get(TREE).content.decode()
    assert "组织架构树" in html
    assert rows(html) == {
        "浙江省": ("4 人", "1 个零售终端"),
        "杭州市": ("4 人", "1 个零售终端"),
        "西湖区": ("3 人", "1 个零售终端"),
        "城西市场部": ("3 人", "1 个零售终端"),
        "城西一网格": ("1 人", "1 个零售终端"),
        "城东市场部": ("0 人", "0 个零售终端"),
        "城东一网格": ("0 人", "0 个零售终端"),
    }
    # Nested: the grid's item sits inside its department's list; the province and city start open.
    department = html[html.index('data-unit="330106-01"') :]
    assert department.index('data-unit="330106-01-01"') < department.index('data-unit="330106-02"')
    assert re.search(r'data-unit="3301">\s*<details open>', html)
    assert re.search(r'data-unit="330106">\s*<details>', html)
    assert "全部展开" in html and "全部收起" in html
    assert f'href="/admin/people/units/move/{world.grid.pk}/"' in html


def test_the_menu_opens_the_tree(editor_client, world):
    html = editor_client.get("/admin/").content.decode()
    assert '"url": "/admin/people/units/tree/"' in html.replace("&quot;", '"')


def test_the_tree_costs_the_same_queries_however_large(editor_client, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert editor_client.get(TREE).status_code == 200
        return len(captured)

    before = queries()
    for i in range(2, 12):
        grid = OrgUnit.objects.get(pk=world.department.pk).add_child(
            name=f"城西{i}网格", code=f"330106-01-{i:02d}", kind=OrgUnit.Kind.GRID
        )
        Shop.objects.create(licence_number=f"3301061000{i:02d}", name=f"店{i}", tier=3, grid=grid)
    assert queries() == before
    assert rows(editor_client.get(TREE).content.decode())["城西市场部"] == ("3 人", "11 个零售终端")


def test_moving_a_grid_to_another_department_moves_its_people_and_shops(editor_client, world):
    page = editor_client.get(f"/admin/people/units/move/{world.grid.pk}/").content.decode()
    assert "移动 城西一网格" in page
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', page)
    assert options == [(str(world.other_department.pk), "浙江省 / 杭州市 / 西湖区 / 城东市场部")]
    response = editor_client.post(f"/admin/people/units/move/{world.grid.pk}/", {"parent": world.other_department.pk})
    assert response.status_code == 302
    assert response["Location"] == f"{TREE}?open={world.grid.pk}#unit-{world.grid.pk}"
    world.grid.refresh_from_db()
    assert world.grid.path_names == "浙江省 / 杭州市 / 西湖区 / 城东市场部 / 城西一网格"
    html = editor_client.get(response["Location"]).content.decode()
    assert "城西一网格 现在位于 浙江省 / 杭州市 / 西湖区 / 城东市场部。" in html
    counted = rows(html)
    assert counted["城东市场部"] == ("1 人", "1 个零售终端") and counted["城西市场部"] == ("2 人", "0 个零售终端")
    assert re.search(r'data-unit="330106-02">\s*<details open>', html)  # where the grid now sits, opened
    assert OrgUnit.find_problems() == ([], [], [], [], [])  # the materialised paths are still a valid tree


def test_a_move_the_tree_forbids_changes_nothing(editor_client, world):
    for target in (world.county, world.grid, world.department):  # a county, itself, its own parent
        response = editor_client.post(f"/admin/people/units/move/{world.grid.pk}/", {"parent": target.pk})
        assert response.status_code == 200
        assert "选择一个有效的选项" in response.content.decode()
    world.grid.refresh_from_db()
    assert world.grid.get_parent() == world.department
    assert editor_client.get(f"/admin/people/units/move/{world.province.pk}/").status_code == 200
    response = editor_client.post(f"/admin/people/units/move/{world.province.pk}/", {"parent": world.city.pk})
    assert response.status_code == 200 and OrgUnit.objects.get(pk=world.province.pk).depth == 1


def test_who_may_only_look_sees_the_tree_but_cannot_move(client, world):
    viewer = User.objects.create(username="viewer", display_name="只读", is_staff=True)
    group = Group.objects.create(name="Tree viewers")
    group.permissions.add(
        Permission.objects.get(codename="access_admin"), Permission.objects.get(codename="view_orgunit")
    )
    viewer.groups.add(group)
    client.force_login(viewer)
    html = client.get(TREE).content.decode()
    assert "城西一网格" in html and "/admin/people/units/move/" not in html
    # Wagtail answers a refused admin view by sending the person back to the dashboard with a message.
    for response in (
        client.get(f"/admin/people/units/move/{world.grid.pk}/"),
        client.post(f"/admin/people/units/move/{world.grid.pk}/", {"parent": world.other_department.pk}),
    ):
        assert (response.status_code, response["Location"]) == (302, "/admin/")
    world.grid.refresh_from_db()
    assert world.grid.get_parent() == world.department


def test_someone_without_admin_access_cannot_open_the_tree(client, world):
    client.force_login(world.staff)
    assert client.get(TREE).status_code == 302
