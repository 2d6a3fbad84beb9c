"""/api/openapi.json tells the truth: one schema per name (two apps' `CourseOut` would overwrite each other),
one error shape, and every error an operation can answer is documented. The permission matrix
(test_permission_matrix.py) and the schemathesis run validate real answers against this document."""

from __future__ import annotations

import importlib
from collections import defaultdict

import pytest
from ninja import Schema

from core.api import api

pytestmark = pytest.mark.django_db

API_MODULES = [
    "core.people.api",
    "content.learning.api",
    "content.certification.api",
    "content.qa.api",
    "content.livestreams.api",
    "content.community.api",
    "content.ideas.api",
    "content.fieldwork.api",
    "content.certification.cockpit_api",
    "content.volunteering.api",
    "realtime.api",
    "recommender.api",
]


def _schemas(cls=Schema):
    for sub in cls.__subclasses__():
        yield sub
        yield from _schemas(sub)


def test_no_two_api_schemas_share_a_name():
    for module in API_MODULES:
        importlib.import_module(module)
    by_name = defaultdict(set)
    for schema in _schemas():
        if schema.__module__.split(".")[0] in {"core", "content", "realtime", "recommender"}:
            by_name[schema.__name__].add(f"{schema.__module__}.{schema.__qualname__}")
    duplicates = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert duplicates == {}


def test_every_schema_of_the_document_is_the_one_its_handler_returns(client):
    document = client.get("/api/openapi.json").json()
    schemas = document["components"]["schemas"]
    # Named per app: the learning catalogue and the certification dashboard's courses are different shapes.
    assert "LearningCourseOut" in schemas and "CertificationCourseOut" in schemas
    assert "item_id" in schemas["LearningCourseOut"]["properties"]
    assert "enrolled" in schemas["CertificationCourseOut"]["properties"]
    assert schemas["ErrorOut"]["required"] == ["message", "extra"]
    assert not [name for name in schemas if name in {"CourseOut", "UnitOut", "ErrorOut_1"}]


def test_every_operation_documents_its_errors(client):
    document = client.get("/api/openapi.json").json()
    missing = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            signed_in = bool(operation.get("security"))
            wanted = set()
            if signed_in:
                wanted.add("401")
                if method != "get":
                    wanted.add("403")  # a session without its CSRF token
            if operation.get("requestBody") or operation.get("parameters"):
                wanted.add("422")  # any text may be refused (a NUL), any number out of range
            if operation.get("requestBody"):
                wanted.add("400")  # a body that is not JSON
            if not wanted <= statuses:
                missing.append((method.upper(), path, sorted(wanted - statuses)))
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/ErrorOut", (method, path, status)
    assert missing == []


def test_the_routers_are_composed_in_one_place():
    # core.api mounts every app's router; no app reaches back into it for authentication.
    for module in API_MODULES:
        source = importlib.import_module(module).__file__
        with open(source, encoding="utf-8") as handle:
            assert "from core.api import" not in handle.read(), module
    assert len(api._routers) > len(API_MODULES)
