"""Who may open what: every route of the URL conf and every /api/ operation, for anonymous and each demo role,
against the running platform with the seeded demo. The expected status of each is written down once, in
EXPECTED below; a route or an operation added without a row fails the test. Every /api/ answer is also
validated against the schema /api/openapi.json documents for its status."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.views.static import serve
from e2e_clients import browser, forget_sign_in_counts
from jsonschema import Draft202012Validator

pytestmark = [pytest.mark.integration, pytest.mark.slow]

IDENTITIES = (
    "anonymous",
    "demo_retailer",
    "demo_member",
    "demo_staff",
    "demo_villager",
    "demo_volunteer",
    "demo_editor",
    "admin",
)

# Routes that an included third-party URL conf owns: one row for each mount point, not one per admin screen.
MOUNTED = {"admin/": "wagtail.admin.urls", "documents/": "wagtail.documents.urls", "": "wagtail.urls"}

# route (as in the URL conf, or "METHOD /api/path" as in the OpenAPI document) -> one status per identity, in
# the order of IDENTITIES. A set means the status depends on what the person did before (an attempt started,
# a lesson watched) and any of them is right.
# A quiz opened again: a new attempt (200), or 409 once passed or out of attempts.
OPENED = frozenset({200, 409})
# Progress and completion: 200, or 409 until enough of the lesson has been watched.
WATCHED = frozenset({200, 409})

EXPECTED: dict[str, tuple] = {
    "": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/branches/board": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/certification/certificates/mine": (401, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/certification/certificates/{uuid}": (404, 404, 404, 404, 404, 404, 404, 404),
    "GET /api/certification/dashboard": (401, 403, 200, 200, 403, 403, 200, 200),
    "GET /api/contests": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/contests/{slug}/leaderboard": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/contests/{slug}/leaderboard [members-only]": (403, 403, 200, 200, 403, 403, 200, 200),
    "GET /api/contests/{slug}/me": (401, 404, 200, 200, 404, 404, 200, 404),
    "GET /api/contests/{slug}/me [members-only]": (401, 403, 200, 200, 403, 403, 200, 404),
    "GET /api/learning/courses": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/learning/courses/{course_id}": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/learning/me": (401, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/learning/quizzes/{quiz_id}": (401, *[OPENED] * 7),
    "GET /api/me": (401, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/me/index": (401, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/recommendations": (401, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/auth/token": (400, 400, 400, 400, 400, 400, 400, 400),
    "POST /api/learning/courses/{course_id}/enrol": (401, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/learning/lessons/{lesson_id}/complete": (401, *[WATCHED] * 7),
    "POST /api/learning/lessons/{lesson_id}/progress": (401, *[WATCHED] * 7),
    "POST /api/learning/lessons/{lesson_id}/view": (401, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/learning/quizzes/{quiz_id}/submit": (401, 404, 404, 404, 404, 404, 404, 404),
    "page: course catalogue": (200, 200, 200, 200, 200, 200, 200, 200),
    "page: course": (200, 200, 200, 200, 200, 200, 200, 200),
    "page: lesson": (200, 200, 200, 200, 200, 200, 200, 200),
    "page: quiz": (302, 200, 200, 200, 200, 200, 200, 200),
    "accounts/login/": (200, 302, 302, 302, 302, 302, 302, 302),
    "accounts/logout/": (405, 405, 405, 405, 405, 405, 405, 405),
    "admin/": (302, 302, 302, 302, 302, 302, 200, 200),
    "branches/": (200, 200, 200, 200, 200, 200, 200, 200),
    "certificates/<uuid:uuid>/": (404, 404, 404, 404, 404, 404, 404, 404),
    "certificates/<uuid:uuid>/assertion.json": (404, 404, 404, 404, 404, 404, 404, 404),
    "certificates/<uuid:uuid>/print/": (404, 404, 404, 404, 404, 404, 404, 404),
    "certificates/dashboard/": (302, 403, 200, 200, 403, 403, 200, 200),
    "certificates/issuers/<int:pk>.json": (200, 200, 200, 200, 200, 200, 200, 200),
    "certificates/mine/": (302, 200, 200, 200, 200, 200, 200, 200),
    "certificates/programmes/<slug:slug>/": (200, 200, 200, 200, 200, 200, 200, 200),
    "certificates/programmes/<slug:slug>/badge.json": (200, 200, 200, 200, 200, 200, 200, 200),
    "certificates/programmes/<slug:slug>/badge.svg": (200, 200, 200, 200, 200, 200, 200, 200),
    "contests/": (200, 200, 200, 200, 200, 200, 200, 200),
    "contests/<slug:slug>/": (200, 200, 200, 200, 200, 200, 200, 200),
    "contests/<slug:slug>/ [members-only]": (302, 403, 200, 200, 403, 403, 200, 200),
    "contests/<slug:slug>/screen/": (200, 200, 200, 200, 200, 200, 200, 200),
    "contests/<slug:slug>/screen/ [members-only]": (302, 403, 200, 200, 403, 403, 200, 200),
    "documents/": (404, 404, 404, 404, 404, 404, 404, 404),
    "i18n/setlang/": (302, 302, 302, 302, 302, 302, 302, 302),
    "me/": (302, 200, 200, 200, 200, 200, 200, 200),
    "pioneer-index/": (302, 200, 200, 200, 200, 200, 200, 200),
    # Volunteering (#15): activity 1 is the first demo team's daily activity (team only; demo_staff leads that
    # team and demo_volunteer belongs to it); ids 0 name nothing; writes are POST only (GET: 405).
    "GET /api/volunteering/activities": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/volunteering/activities/{activity_id}": (403, 403, 403, 200, 403, 200, 403, 200),
    "GET /api/volunteering/boards/{unit_id}": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/volunteering/me": (401, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/volunteering/teams/{team_id}/report": (401, 403, 403, 200, 403, 403, 403, 200),
    "POST /api/volunteering/activities/{activity_id}/signup": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/volunteering/checkin": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/volunteering/hours/{entry_id}/decide": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/volunteering/signups/{signup_id}/cancel": (401, 404, 404, 404, 404, 404, 404, 404),
    "volunteering/": (200, 200, 200, 200, 200, 200, 200, 200),
    "volunteering/activities/<int:pk>/": (404, 403, 403, 200, 403, 200, 403, 200),
    "volunteering/activities/<int:pk>/checkin/": (302, 403, 403, 200, 403, 403, 403, 200),
    "volunteering/activities/<int:pk>/checkin/code/": (302, 403, 403, 200, 403, 403, 403, 200),
    "volunteering/activities/<int:pk>/signup/": (302, 405, 405, 405, 405, 405, 405, 405),
    "volunteering/board/<int:pk>/": (200, 200, 200, 200, 200, 200, 200, 200),
    "volunteering/calendar/<str:token>.ics": (404, 404, 404, 404, 404, 404, 404, 404),
    "volunteering/hours/<int:pk>/decide/": (302, 405, 405, 405, 405, 405, 405, 405),
    "volunteering/join/": (302, 405, 405, 405, 405, 405, 405, 405),
    "volunteering/me/": (302, 200, 200, 200, 200, 200, 200, 200),
    "volunteering/me/calendar/renew/": (302, 405, 405, 405, 405, 405, 405, 405),
    "volunteering/me/certificate/": (302, 200, 200, 200, 200, 200, 200, 200),
    "volunteering/me/stars/": (302, 200, 200, 200, 200, 200, 200, 200),
    "volunteering/memberships/<int:pk>/decide/": (302, 405, 405, 405, 405, 405, 405, 405),
    "volunteering/notifications/": (302, 200, 200, 200, 200, 200, 200, 200),
    "volunteering/notifications/read/": (302, 405, 405, 405, 405, 405, 405, 405),
    "volunteering/scan/<str:token>/": (302, 400, 400, 400, 400, 400, 400, 400),
    "volunteering/signups/<int:pk>/cancel/": (302, 405, 405, 405, 405, 405, 405, 405),
    "volunteering/signups/<int:pk>/checkin/": (302, 405, 405, 405, 405, 405, 405, 405),
    "volunteering/signups/<int:pk>/confirm/": (302, 405, 405, 405, 405, 405, 405, 405),
    "volunteering/teams/<int:pk>/": (200, 200, 200, 200, 200, 200, 200, 200),
    "volunteering/teams/<int:pk>/apply/": (302, 405, 405, 405, 405, 405, 405, 405),
    "volunteering/teams/<int:pk>/calendar/<str:token>.ics": (404, 404, 404, 404, 404, 404, 404, 404),
    "xapi/about": (200, 200, 200, 200, 200, 200, 200, 200),
    # Without X-Experience-API-Version every xAPI request is refused before its credentials are read.
    "xapi/statements": (400, 400, 400, 400, 400, 400, 400, 400),
    "xapi/activities": (400, 400, 400, 400, 400, 400, 400, 400),
    "xapi/activities/state": (400, 400, 400, 400, 400, 400, 400, 400),
    "xapi/activities/profile": (400, 400, 400, 400, 400, 400, 400, 400),
    "xapi/agents": (400, 400, 400, 400, 400, 400, 400, 400),
    "xapi/agents/profile": (400, 400, 400, 400, 400, 400, 400, 400),
}


def _routes(patterns, prefix: str = ""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            module = getattr(entry.urlconf_module, "__name__", "")
            if module in MOUNTED.values() or route == "api/":
                yield route
                continue
            yield from _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and entry.callback is not serve:
            # (Uploaded media served by Django itself exist only with DEBUG; nginx serves them in production.)
            yield route


def url_conf_routes() -> list[str]:
    return sorted(set(_routes(get_resolver().url_patterns)) - {"api/"})


def api_operations(document: dict) -> list[str]:
    return sorted(f"{method.upper()} {path}" for path, ops in document["paths"].items() for method in ops)


class Demo:
    """The demo objects the parameterised routes are tried with, found through the API itself."""

    def __init__(self, admin):
        courses = admin.get("/api/learning/courses", params={"limit": 200}).json()
        self.course = courses[0]
        detail = admin.get(f"/api/learning/courses/{self.course['id']}").json()
        self.lesson = next(step for step in detail["steps"] if step["kind"] != "quiz")
        quizzes = [
            step
            for course in courses
            for step in admin.get(f"/api/learning/courses/{course['id']}").json()["steps"]
            if step["kind"] == "quiz"
        ]
        self.quiz = quizzes[0]
        # Wagtail serves these through its one catch-all route (""): one row per page type of the learning tree.
        self.pages = {
            "page: course catalogue": self.course["url"].rstrip("/").rsplit("/", 1)[0] + "/",
            "page: course": self.course["url"],
            "page: lesson": self.lesson["url"],
            "page: quiz": self.quiz["url"],
        }
        contests = admin.get("/api/contests").json()
        self.public = next(c for c in contests if c["is_public"] and c["status"] == "running")
        self.private = next(c for c in contests if not c["is_public"])
        dashboard = admin.get("/api/certification/dashboard").json()
        self.programme = dashboard["programmes"][0]["slug"]


def concrete(route: str, demo: Demo) -> list[tuple[str, str]]:
    """(row name, path) pairs to try for one route: the route filled with demo objects."""
    values = {
        "slug": demo.public["slug"],
        "uuid": "00000000-0000-0000-0000-000000000000",
        "pk": "1",
        "course_id": str(demo.course["id"]),
        "lesson_id": str(demo.lesson["id"]),
        "quiz_id": str(demo.quiz["id"]),
        "path": "nothing-here.txt",
        "activity_id": "1",
        "team_id": "1",
        "unit_id": "1",
        "signup_id": "0",
        "entry_id": "0",
        "token": "nothing",
    }

    def fill(text: str, **override) -> str:
        merged = {**values, **override}
        text = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: merged[m.group(1)], text)
        text = re.sub(r"\{(\w+)\}", lambda m: merged[m.group(1)], text)
        text = re.sub(r"\^|\$|\(\?P<(\w+)>[^)]*\)", lambda m: merged[m.group(1)] if m.group(1) else "", text)
        return text

    if "slug" in route and "contests" in route:
        return [(route, fill(route)), (route + " [members-only]", fill(route, slug=demo.private["slug"]))]
    if "programmes" in route:
        return [(route, fill(route, slug=demo.programme))]
    return [(route, fill(route))]


BODIES = {
    "POST /api/auth/token": {"username": "matrix_nobody", "password": "wrong"},
    "POST /api/learning/lessons/{lesson_id}/progress": {"position_seconds": 1},
    "POST /api/learning/quizzes/{quiz_id}/submit": {"attempt_id": 0, "answers": {}},
}


def validate(document: dict, operation: str, response) -> None:
    method, path = operation.split(" ", 1)
    documented = document["paths"][path][method.lower()]["responses"]
    status = str(response.status_code)
    assert status in documented, f"{operation} answered {status}, documented {sorted(documented)}"
    schema = documented[status]["content"]["application/json"]["schema"]
    Draft202012Validator({**schema, "components": document["components"]}).validate(response.json())


def _expected_matches(expected, actual: int) -> bool:
    return actual in expected if isinstance(expected, (set, frozenset)) else actual == expected


def test_every_route_and_operation_answers_each_role_as_the_table_says(e2e):
    clients = {identity: browser(e2e.url, None if identity == "anonymous" else identity) for identity in IDENTITIES}
    try:
        document = clients["anonymous"].get("/api/openapi.json").json()
        demo = Demo(clients["admin"])
        rows: list[tuple[str, str, str]] = []  # (row, method, path)
        for route in url_conf_routes():
            rows += [(name, "GET", path) for name, path in concrete(route, demo)]
        rows += [(name, "GET", path) for name, path in demo.pages.items()]
        for operation in api_operations(document):
            method, path = operation.split(" ", 1)
            rows += [(name, method, filled) for name, filled in concrete(operation, demo)]

        unlisted = sorted({row for row, _m, _p in rows} - set(EXPECTED))
        stale = sorted(set(EXPECTED) - {row for row, _m, _p in rows})
        actual: dict[str, tuple] = {}
        for row, method, path in rows:
            statuses = []
            for identity in IDENTITIES:
                client = clients[identity]
                url = path.split(" ", 1)[-1]
                response = client.request(method, url, json=BODIES.get(row) if method != "GET" else None)
                statuses.append(response.status_code)
                if row.startswith(("GET /api", "POST /api")):
                    template = row.split(" [", 1)[0]
                    validate(document, template, response)
            actual[row] = tuple(statuses)
        wrong = {
            row: actual[row]
            for row in actual
            if row in EXPECTED
            and not all(_expected_matches(e, a) for e, a in zip(EXPECTED[row], actual[row], strict=True))
        }
        table = "\n".join(f"    {row!r}: {actual[row]}," for row in sorted(actual))
        assert (unlisted, stale, wrong) == ([], [], {}), f"answers seen (in IDENTITIES order):\n{table}"
    finally:
        for client in clients.values():
            client.close()
        forget_sign_in_counts(e2e)
