"""`manage.py seed_demo` and `manage.py welcome`: a deterministic demo city, safe to run twice, with demo
logins that work."""

import io
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction

from core.people.demo import DEMO_LOGINS, DEMO_PASSWORD, cn_number
from core.people.management.commands.seed_demo import demo_modules
from core.people.models import BranchMembership, OrgUnit, PartyBranch, Role, RoleAssignment, Shop, User, Village

pytestmark = pytest.mark.django_db

SHOPS = 50


def seed(shops=SHOPS, seed_value=3) -> str:
    out = io.StringIO()
    # Only the people app's demo: other apps' demos are theirs to test (the e2e fixture runs them all).
    call_command(
        "seed_demo", "--shops", str(shops), "--seed", str(seed_value), "--no-progress", "--only", "people", stdout=out
    )
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [OrgUnit, Village, Shop, User, RoleAssignment, PartyBranch, BranchMembership]
    return {model.__name__: model.objects.count() for model in models}


def snapshot() -> dict:
    """What a person would see of the demo: names, numbers and who is where."""
    return {
        "units": list(OrgUnit.objects.order_by("code").values_list("code", "name", "kind", "depth")),
        "villages": list(Village.objects.order_by("code").values_list("code", "name", "township", "population")),
        "shops": list(
            Shop.objects.order_by("licence_number").values_list(
                "licence_number", "name", "tier", "grid__code", "owner__username", "owner__display_name", "address"
            )
        ),
        "people": list(
            User.objects.order_by("username").values_list("username", "display_name", "phone", "org_unit__code")
        ),
        "branches": list(PartyBranch.objects.order_by("code").values_list("code", "name", "secretary__username")),
    }


@pytest.mark.embedded
def test_the_same_seed_builds_the_same_city_a_second_run_changes_nothing_and_more_shops_extend_it():
    savepoint = transaction.savepoint()
    seed()
    first = snapshot()
    transaction.savepoint_rollback(savepoint)
    assert Shop.objects.count() == 0

    savepoint = transaction.savepoint()
    seed(seed_value=4)
    assert snapshot()["shops"] != first["shops"]
    assert snapshot()["people"] != first["people"]
    transaction.savepoint_rollback(savepoint)

    seed()
    assert snapshot() == first
    before = counts()
    output = seed()
    assert counts() == before
    assert snapshot() == first
    assert f"shops: 0 new, {SHOPS} already there" in output
    assert OrgUnit.find_problems() == ([], [], [], [], [])

    seed(shops=SHOPS + 20)
    grown = {row[0]: row for row in snapshot()["shops"]}
    assert len(grown) == SHOPS + 21
    assert all(grown[row[0]] == row for row in first["shops"])


def test_the_demo_city_its_logins_and_the_welcome(client):
    output = seed()
    assert "金华市: 28 market departments" in output

    city = OrgUnit.objects.get(kind=OrgUnit.Kind.CITY)
    assert city.path_names == "浙江省 / 金华市"
    counties = set(OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY).values_list("name", flat=True))
    assert {"婺城区", "金东区", "义乌市", "东阳市", "永康市", "兰溪市", "武义县", "浦江县", "磐安县"} == counties
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT).count() == 28
    assert OrgUnit.objects.filter(kind=OrgUnit.Kind.GRID).count() >= 28 * 6
    assert OrgUnit.find_problems() == ([], [], [], [], [])
    grid = OrgUnit.objects.filter(kind=OrgUnit.Kind.GRID).order_by("path").first()
    assert grid.path_names == "浙江省 / 金华市 / 婺城区 / 城中市场部 / 城中一网格"
    assert PartyBranch.objects.count() == 24
    assert 375 <= BranchMembership.objects.count() <= 390
    # --shops N generated shops plus the demo retailer's own.
    assert Shop.objects.count() == SHOPS + 1
    for shop in Shop.objects.select_related("grid", "owner").prefetch_related("owner__roles"):
        assert re.fullmatch(r"[0-9]{12}", shop.licence_number)
        assert 1 <= shop.tier <= 30
        assert shop.grid.kind == OrgUnit.Kind.GRID
        assert shop.owner.has_role(Role.RETAILER)
        assert re.search(r"[\u4e00-\u9fff]", shop.name), shop.name
    assert Village.objects.count() == 9 * 12
    # Generated people cannot sign in; only the demo logins can.
    assert not User.objects.get(username="pm0001").has_usable_password()

    for username, _label in DEMO_LOGINS:
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username
    retailer = User.objects.get(username="demo_retailer")
    assert retailer.has_role(Role.RETAILER)
    assert retailer.shops.get().grid == retailer.org_unit
    assert User.objects.get(username="demo_member").branches.exists()
    assert User.objects.get(username="demo_staff").org_unit.kind == OrgUnit.Kind.DEPARTMENT
    assert User.objects.get(username="demo_villager").village is not None
    assert User.objects.get(username="demo_volunteer").has_role(Role.VOLUNTEER)
    editor = User.objects.get(username="demo_editor")
    assert editor.has_role(Role.EDITOR)
    assert editor.has_perm("wagtailadmin.access_admin")
    assert User.objects.get(username="admin").is_superuser

    client.login(username="demo_retailer", password=DEMO_PASSWORD)
    html = client.get("/me/").content.decode()
    assert "零售户" in html
    assert "秀英便利店" in html
    client.login(username="demo_editor", password=DEMO_PASSWORD)
    response = client.get("/admin/people/shops/", {"q": "秀英"})
    assert [shop.name for shop in response.context["object_list"]] == ["秀英便利店"]

    out = io.StringIO()
    call_command("welcome", "--url", "http://127.0.0.1:8123/", stdout=out)
    text = out.getvalue()
    for path in ("http://127.0.0.1:8123/", "http://127.0.0.1:8123/admin/", "http://127.0.0.1:8123/api/docs"):
        assert path in text
    assert "平台已启动" in text
    assert "The platform is running" in text
    assert "零售户" in text
    rows = re.findall(r"^\| (\S+) +\| (\S+) +\|", text, flags=re.MULTILINE)
    logins = {(user, password) for user, password in rows if user not in ("用户名", "Username")}
    assert {user for user, _password in logins} == {username for username, _label in DEMO_LOGINS}
    for username, password in logins:
        assert authenticate(username=username, password=password) is not None, username


def test_the_driver_finds_demo_modules_in_installed_apps_order():
    modules = demo_modules()
    assert modules[0][0].label == "people"
    with pytest.raises(CommandError):
        call_command("seed_demo", "--only", "nosuchapp")


def test_welcome_before_the_seed_says_what_to_run():
    out = io.StringIO()
    call_command("welcome", "--url", "http://localhost:8000", stdout=out)
    assert "manage.py seed_demo" in out.getvalue()


def test_chinese_numerals():
    assert [cn_number(n) for n in (1, 10, 11, 20, 23)] == ["一", "十", "十一", "二十", "二十三"]


def test_a_province_of_ten_cities_each_with_its_counties_departments_grids_shops_and_branches():
    out = io.StringIO()
    call_command(
        "seed_demo",
        "--province",
        "--shops-per-city",
        "6",
        "--seed",
        "3",
        "--no-progress",
        "--only",
        "people",
        stdout=out,
    )
    province = OrgUnit.objects.get(kind=OrgUnit.Kind.PROVINCE)
    assert province.name == "浙江省"
    cities = {unit.name: unit for unit in OrgUnit.objects.filter(kind=OrgUnit.Kind.CITY)}
    assert set(cities) == {
        "杭州市",
        "宁波市",
        "温州市",
        "嘉兴市",
        "湖州市",
        "绍兴市",
        "金华市",
        "衢州市",
        "台州市",
        "丽水市",
    }
    assert all(city.get_parent() == province for city in cities.values())
    assert {unit.name for unit in cities["杭州市"].get_children()} >= {"西湖区", "萧山区", "淳安县", "建德市"}
    assert {unit.name for unit in cities["丽水市"].get_children()} >= {"景宁畲族自治县", "龙泉市"}
    for city in cities.values():
        below = OrgUnit.objects.filter(path__startswith=city.path)
        assert below.filter(kind=OrgUnit.Kind.DEPARTMENT).count() == 28, city.name
        assert below.filter(kind=OrgUnit.Kind.GRID).count() >= 28 * 6, city.name
        assert Shop.objects.filter(grid__path__startswith=city.path).count() == 6 + (city.name == "金华市"), city.name
        branches = PartyBranch.objects.filter(org_unit__path__startswith=city.path)
        assert branches.count() == 2, city.name
        # 16 members a branch, and demo_member in the demo city.
        members = BranchMembership.objects.filter(branch__in=branches).count()
        assert members == 32 + (city.name == "金华市"), city.name
        assert Village.objects.filter(county__path__startswith=city.path).exists(), city.name
        assert f"{city.name}: " in out.getvalue()
    assert OrgUnit.find_problems() == ([], [], [], [], [])
    department = OrgUnit.objects.get(code="330106-01")
    assert department.path_names == "浙江省 / 杭州市 / 西湖区 / 西湖城区市场部"
    # Shop owners are retailers of their shop's grid; the demo logins live in the demo city, 金华市.
    for shop in Shop.objects.select_related("grid", "owner"):
        assert shop.owner.org_unit == shop.grid
        assert shop.licence_number.startswith(shop.grid.code[:6])
    assert User.objects.get(username="demo_retailer").org_unit.path.startswith(cities["金华市"].path)

    before = {model.__name__: model.objects.count() for model in (OrgUnit, Shop, User, PartyBranch, Village)}
    call_command(
        "seed_demo",
        "--province",
        "--shops-per-city",
        "6",
        "--seed",
        "3",
        "--no-progress",
        "--only",
        "people",
        stdout=out,
    )
    assert {model.__name__: model.objects.count() for model in (OrgUnit, Shop, User, PartyBranch, Village)} == before


def test_the_province_options_refuse_what_does_not_fit_and_change_nothing():
    for args in (["--province", "--shops", "10"], ["--shops-per-city", "10"], ["--province", "--shops-per-city", "0"]):
        with pytest.raises(CommandError):
            call_command("seed_demo", *args, "--no-progress", "--only", "people")
    assert OrgUnit.objects.count() == 0
