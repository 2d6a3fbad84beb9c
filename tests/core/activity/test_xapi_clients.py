"""xAPI clients are made by `manage.py xapi_client` or in the Wagtail admin; the secret is shown once."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from activity_xapi_helpers import Xapi, statement
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from core.activity.models import XapiClient

pytestmark = pytest.mark.django_db


@pytest.mark.embedded
def test_command_prints_key_and_secret_that_work(client):
    out = StringIO()
    call_command("xapi_client", "培训App", "--trusted", stdout=out)
    text = out.getvalue()
    key = re.search(r"^key:\s+(\S+)$", text, re.M).group(1)
    secret = re.search(r"^secret:\s+(\S+)$", text, re.M).group(1)
    made = XapiClient.objects.get(name="培训App")
    assert made.key == key
    assert made.trusted is True
    assert secret not in made.secret_hash
    assert Xapi(client, key, secret).post(statement(1)).status_code == 200


def test_command_refuses_a_taken_name():
    call_command("xapi_client", "LMS", stdout=StringIO())
    with pytest.raises(CommandError, match="名为 LMS 的客户端已存在。"):
        call_command("xapi_client", "LMS", stdout=StringIO())
    with translation.override("en"), pytest.raises(CommandError, match="A client named LMS already exists."):
        call_command("xapi_client", "LMS", stdout=StringIO())
    assert XapiClient.objects.get(name="LMS").trusted is False


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pass12345")
    client.force_login(admin)
    return client


def test_admin_creates_a_client_and_shows_the_secret_once(admin_client_logged_in):
    client = admin_client_logged_in
    response = client.post(
        reverse("xapi_clients:add"), {"name": "直播App", "trusted": "on", "active": "on"}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    secret = re.search(r"data-testid=['\"]xapi-secret['\"]>([^<]+)<", html).group(1)
    made = XapiClient.objects.get(name="直播App")
    assert made.trusted is True
    assert made.key in html
    assert secret not in made.secret_hash
    assert Xapi(client, made.key, secret).get().status_code == 200
    # The secret is not shown again.
    again = client.get(reverse("xapi_clients:edit", args=[made.pk])).content.decode()
    assert secret not in again
    assert secret not in client.get(reverse("xapi_clients:index")).content.decode()


def test_admin_list_searches_filters_and_toggles(admin_client_logged_in):
    from core.activity.services import xapi_client_create

    client = admin_client_logged_in
    xapi_client_create(name="Alpha LMS", trusted=True)
    beta, _secret = xapi_client_create(name="Beta LMS")
    index = reverse("xapi_clients:index")
    assert "Beta LMS" in client.get(index, {"q": "beta"}).content.decode()
    assert "Alpha LMS" not in client.get(index, {"q": "beta"}).content.decode()
    filtered = client.get(index, {"trusted": "true"}).content.decode()
    assert "Alpha LMS" in filtered and "Beta LMS" not in filtered
    response = client.post(reverse("xapi_clients:edit", args=[beta.pk]), {"name": "Beta LMS", "trusted": "on"})
    assert response.status_code == 302
    beta.refresh_from_db()
    assert beta.trusted is True
    assert beta.active is False
