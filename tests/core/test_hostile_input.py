"""Hostile input from outside: JSON bodies nested deeper than anyone needs, websocket paths no app serves."""

from __future__ import annotations

import re

import pytest
from channels.testing import WebsocketCommunicator

from core.asgi import application

pytestmark = pytest.mark.embedded


def _json_operations() -> list[tuple[str, str]]:
    """Every /api/ operation that reads a JSON body, from the OpenAPI document."""
    from core.api import api

    found = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            content = (operation.get("requestBody") or {}).get("content", {})
            if "application/json" in content:
                found.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path)))
    return found


DEEP_BODIES = {
    "1500 nested arrays": "[" * 1500 + "]" * 1500,
    "1500 nested objects": '{"a":' * 1500 + "1" + "}" * 1500,
    "900 nested arrays in a field": '{"username": ' + "[" * 900 + "]" * 900 + ', "position_seconds": 1}',
    "100 nested arrays in a field": '{"answers": ' + "[" * 100 + "]" * 100 + "}",
}


@pytest.mark.django_db
@pytest.mark.parametrize("shape", DEEP_BODIES)
def test_deep_json_bodies_answer_400_on_every_api_operation(client, world, shape):
    operations = _json_operations()
    assert ("POST", "/api/auth/token") in operations
    client.force_login(world.member)
    answers = {
        f"{method} {path}": client.generic(method, path, DEEP_BODIES[shape], content_type="application/json")
        for method, path in operations
    }
    statuses = {operation: response.status_code for operation, response in answers.items()}
    # 400 where the body is read; an operation may refuse earlier (404 for the made-up id), never with a 5xx.
    assert all(status in (400, 404) for status in statuses.values()), statuses
    assert statuses["POST /api/auth/token"] == 400
    assert answers["POST /api/auth/token"].json()["message"].startswith("Cannot parse request body")


@pytest.mark.django_db
def test_a_body_of_ordinary_depth_is_still_read(client, world):
    response = client.post(
        "/api/auth/token", {"username": "li_retailer", "password": world.password}, content_type="application/json"
    )
    assert response.status_code == 201


def test_json_loads_limits_depth_without_recursion():
    from core.jsonbody import JsonBodyError, json_loads

    at_the_limit = json_loads("[" * 64 + "]" * 64)
    for _level in range(63):
        (at_the_limit,) = at_the_limit
    assert at_the_limit == []
    assert json_loads('{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}
    for body in ("[" * 65 + "]" * 65, "[" * 100_000 + "]" * 100_000, "{"):
        with pytest.raises(JsonBodyError):
            json_loads(body)


@pytest.mark.django_db(transaction=True)  # the session middleware in front of the router may look
@pytest.mark.parametrize("path", ["/ws/nothing-here/", "/ws/contests/", "/", "/ws/contests/a/b/c/"])
async def test_an_unknown_websocket_path_is_refused_at_the_handshake(path):
    communicator = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://localhost")])
    connected, _code = await communicator.connect(timeout=5)
    assert connected is False
    await communicator.disconnect()
