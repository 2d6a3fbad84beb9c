"""The Content-Security-Policy header: strict on the site (no inline script), wider only under /admin/."""

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_public_pages_allow_scripts_from_this_origin_only(client, world):
    for path in ["/accounts/login/", "/api/docs"]:
        policy = directives(client.get(path))
        assert policy["script-src"] == ["'self'"], path
        assert policy["default-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'self'"]
        assert "'unsafe-inline'" not in policy["style-src"]


def test_the_admin_gets_its_wider_policy(client, world):
    client.force_login(world.editor)
    response = client.get("/admin/")
    assert response.status_code == 200
    policy = directives(response)
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["object-src"] == ["'none'"]


def test_the_api_docs_load_nothing_from_another_origin(client):
    page = client.get("/api/docs").content.decode()
    assert "cdn.jsdelivr.net" not in page
    assert "/static/ninja/swagger-ui-bundle.js" in page
