"""The staff dashboard: exact figures on a known small world, a fixed number of queries whatever the number
of shops, and who may see which unit (page and API)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from certification_helpers import course_completed, course_enrolled
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content.certification.models import Programme
from content.certification.selectors import dashboard_figures, dashboard_unit
from content.certification.services import certificate_issue, certificate_revoke
from core.errors import PermissionDenied
from core.people.models import Role, RoleAssignment, Shop, User

pytestmark = pytest.mark.django_db


def person(username, name, unit):
    user = User.objects.create(username=username, display_name=name, org_unit=unit)
    RoleAssignment.objects.create(user=user, role=Role.RETAILER)
    return user


def shop(number, grid, owner):
    return Shop.objects.create(
        licence_number=f"3301061000{number:02d}", name=f"店{number}", tier=5, grid=grid, owner=owner
    )


@pytest.fixture
def town(cert):
    """城西一网格: 西湖便利店 (li, valid), 店2 (a, expired), 店3 (li again, valid).
    城东一网格: 店4 (c, revoked), 店5 (d, valid), 店6 (e, none). Someone in the province enrols too."""
    w = cert.world
    a = person("a_retailer", "甲", w.grid)
    c = person("c_retailer", "丙", w.other_grid)
    d = person("d_retailer", "丁", w.other_grid)
    e = person("e_retailer", "戊", w.other_grid)
    outsider = person("x_retailer", "外", w.province)
    shop(2, w.grid, a)
    shop(3, w.grid, w.retailer)
    shop(4, w.other_grid, c)
    shop(5, w.other_grid, d)
    shop(6, w.other_grid, e)
    programme = cert.programme
    certificate_issue(user=w.retailer, programme=programme)
    certificate_issue(user=a, programme=programme, issued_at=timezone.now() - timedelta(days=800))
    revoked, _ = certificate_issue(user=c, programme=programme)
    certificate_revoke(certificate=revoked, by=w.editor, reason="撤销")
    certificate_issue(user=d, programme=programme)
    certificate_issue(user=outsider, programme=programme)
    Programme.objects.create(
        title="零售经营分析师", slug="analyst", description="d", criteria="c", issuer=cert.issuer, validity_months=36
    )
    for user, course in [(w.retailer, cert.display), (w.retailer, cert.law), (a, cert.display), (d, cert.law)]:
        course_enrolled(user, course)
    course_enrolled(w.staff, cert.display)
    course_enrolled(outsider, cert.display)
    course_completed(w.retailer, cert.display)
    course_completed(d, cert.law)
    course_completed(outsider, cert.display)
    return cert


def test_exact_figures_for_a_county(town):
    w = town.world
    figures = dashboard_figures(unit=w.county)

    assert figures["unit"] == {
        "id": w.county.pk,
        "name": "西湖区",
        "kind": "county",
        "path": "浙江省 / 杭州市 / 西湖区",
    }
    assert figures["shops"] == {"total": 6, "certified": 3, "share": 0.5}
    assert figures["children"] == [
        {
            "id": w.department.pk,
            "name": "城西市场部",
            "kind": "department",
            "shops": 3,
            "certified": 2,
            "share": 0.6667,
        },
        {
            "id": w.other_department.pk,
            "name": "城东市场部",
            "kind": "department",
            "shops": 3,
            "certified": 1,
            "share": 0.3333,
        },
    ]
    assert figures["programmes"] == [
        {"slug": "retail-basic", "title": "卷烟零售专业认证（初级）", "holders": 2},
        {"slug": "analyst", "title": "零售经营分析师", "holders": 0},
    ]
    assert figures["completion"] == {"enrolments": 5, "completions": 2, "rate": 0.4}
    assert [(c["title"], c["enrolled"], c["completed"], c["rate"]) for c in figures["top_courses"]] == [
        ("卷烟陈列技巧", 3, 1, 0.3333),
        ("烟草专卖法规", 2, 1, 0.5),
    ]


def test_a_grid_and_the_whole_province(town):
    w = town.world
    grid = dashboard_figures(unit=w.other_grid)
    assert grid["shops"] == {"total": 3, "certified": 1, "share": 0.3333}
    assert grid["children"] == []
    province = dashboard_figures(unit=w.province)
    assert province["shops"]["total"] == 6
    assert province["programmes"][0]["holders"] == 3  # the outsider holds one too
    assert province["top_courses"][0]["enrolled"] == 4


def test_the_number_of_queries_does_not_grow_with_shops(town):
    w = town.world
    with CaptureQueriesContext(connection) as before:
        dashboard_figures(unit=w.county)
    for number in range(10, 40):
        shop(number, w.grid if number % 2 else w.other_grid, person(f"p{number}", f"人{number}", w.grid))
    with CaptureQueriesContext(connection) as after:
        figures = dashboard_figures(unit=w.county)
    assert figures["shops"]["total"] == 36
    assert len(after.captured_queries) == len(before.captured_queries) <= 8


def test_who_may_see_which_unit(town):
    w = town.world
    with pytest.raises(PermissionDenied):
        dashboard_unit(user=w.retailer, unit_id=None)
    assert dashboard_unit(user=w.staff, unit_id=None) == w.department  # staff: their own unit by default
    assert dashboard_unit(user=w.staff, unit_id=w.grid.pk) == w.grid
    with pytest.raises(PermissionDenied) as other:
        dashboard_unit(user=w.staff, unit_id=w.other_department.pk)
    assert other.value.message == "只能查看您所在的单位。"
    assert dashboard_unit(user=w.editor, unit_id=w.other_department.pk) == w.other_department


def test_the_api(town, client):
    w = town.world
    url = f"/api/certification/dashboard?unit={w.county.pk}"
    assert client.get(url).status_code == 401
    client.force_login(w.retailer)
    assert client.get(url).json()["message"] == "只有员工和编辑可以查看认证看板。"
    client.force_login(w.staff)
    assert client.get(url).status_code == 403
    assert client.get("/api/certification/dashboard").json()["unit"]["name"] == "城西市场部"
    client.force_login(w.editor)
    body = client.get(url).json()
    assert body["shops"] == {"total": 6, "certified": 3, "share": 0.5}
    assert body["top_courses"][0]["title"] == "卷烟陈列技巧"
    assert client.get("/api/certification/dashboard?unit=999999").status_code == 404


def test_the_page_with_its_chart(town, client):
    w = town.world
    client.force_login(w.retailer)
    assert client.get("/certificates/dashboard/").status_code == 403
    client.force_login(w.editor)
    html = client.get(f"/certificates/dashboard/?unit={w.county.pk}").content.decode()
    assert 'data-testid="certified-share">50%' in html
    assert 'data-testid="bar-chart"' in html
    assert 'data-name="城西市场部" data-share="0.6667"' in html
    assert "卷烟陈列技巧" in html
