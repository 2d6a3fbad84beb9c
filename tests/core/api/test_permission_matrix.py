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
# An attempt started: a new or the open one (200), or 409 once passed or out of attempts.
OPENED = frozenset({200, 409})
# Progress and completion: 200, or 409 until enough of the lesson has been watched.
WATCHED = frozenset({200, 409})

EXPECTED: dict[str, tuple] = {
    "": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/branches/board": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/certification/certificates/mine": (401, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/certification/certificates/{uuid}": (404, 404, 404, 404, 404, 404, 404, 404),
    "GET /api/certification/dashboard": (401, 403, 200, 200, 403, 403, 200, 200),
    # field work and the cockpit: a POST without its body answers 422 once the person is known
    "GET /api/cockpit": (401, 403, 200, 200, 403, 403, 200, 200),
    "GET /api/fieldwork/problems": (401, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/fieldwork/questionnaires/{questionnaire_id}": (403, 200, 403, 403, 403, 403, 403, 403),
    "GET /api/fieldwork/questionnaires/{questionnaire_id}/results": (401, 403, 403, 403, 403, 403, 200, 200),
    "GET /api/fieldwork/today": (401, 403, 200, 200, 403, 403, 403, 403),
    "POST /api/fieldwork/check-in": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/fieldwork/problems": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/fieldwork/problems/{problem_id}/close": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/fieldwork/questionnaires/{questionnaire_id}/responses": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/fieldwork/tasks/{task_id}/tick": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/fieldwork/visits/{visit_id}/confirm": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/fieldwork/visits/{visit_id}/finish": (401, 422, 422, 422, 422, 422, 422, 422),
    "GET /api/contests": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/contests/{slug}/leaderboard": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/contests/{slug}/leaderboard [members-only]": (403, 403, 200, 200, 403, 403, 200, 200),
    "GET /api/contests/{slug}/me": (401, 404, 200, 200, 404, 404, 200, 404),
    "GET /api/contests/{slug}/me [members-only]": (401, 403, 200, 200, 403, 403, 200, 404),
    "GET /api/contests/{slug}/stats": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/contests/{slug}/stats [members-only]": (403, 403, 200, 200, 403, 403, 200, 200),
    "GET /api/learning/courses": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/learning/courses/{course_id}": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/learning/me": (401, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/learning/quizzes/{quiz_id}": (401, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/learning/quizzes/{quiz_id}/attempts": (401, *[OPENED] * 7),
    "GET /api/me": (401, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/me/index": (401, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/recommendations": (401, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/auth/token": (400, 400, 400, 400, 400, 400, 400, 400),
    "POST /api/learning/courses/{course_id}/enrol": (401, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/learning/lessons/{lesson_id}/complete": (401, *[WATCHED] * 7),
    "POST /api/learning/lessons/{lesson_id}/progress": (401, *[WATCHED] * 7),
    "POST /api/learning/lessons/{lesson_id}/view": (401, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/learning/quizzes/{quiz_id}/submit": (401, 404, 404, 404, 404, 404, 404, 404),
    # Questions and answers: anyone reads a lesson's; a question too short is refused (400) and writes nothing;
    # the question and answer ids name nothing (404), whoever asks.
    "GET /api/qa/lessons/{lesson_id}/questions": (200, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/qa/lessons/{lesson_id}/questions": (401, 400, 400, 400, 400, 400, 400, 400),
    "POST /api/qa/questions/{question_id}/answers": (401, 404, 404, 404, 404, 404, 404, 404),
    "POST /api/qa/questions/{question_id}/accept": (401, 404, 404, 404, 404, 404, 404, 404),
    "POST /api/qa/questions/{question_id}/moderation": (401, 404, 404, 404, 404, 404, 404, 404),
    "POST /api/qa/answers/{answer_id}/moderation": (401, 404, 404, 404, 404, 404, 404, 404),
    # Livestreams: tried on a past (ended) demo stream, hosted by demo_staff, open to everyone.
    "GET /api/livestreams/streams": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/livestreams/streams/{stream_id}": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/livestreams/streams/{stream_id}/room": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/livestreams/streams/{stream_id}/replay": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/livestreams/streams/{stream_id}/key": (401, 403, 403, 200, 403, 403, 200, 200),
    "GET /api/livestreams/streams/{stream_id}/report": (401, 403, 200, 200, 403, 403, 200, 200),
    "GET /api/livestreams/streams/{stream_id}/attendance": (401, 403, 200, 200, 403, 403, 200, 200),
    "POST /api/livestreams/streams/{stream_id}/chat": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/livestreams/messages/{message_id}/delete": (401, 403, 403, 200, 403, 403, 200, 200),
    "POST /api/livestreams/streams/{stream_id}/mute": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/livestreams/streams/{stream_id}/unmute": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/livestreams/streams/{stream_id}/reactions": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/livestreams/streams/{stream_id}/heartbeat": (401, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/livestreams/streams/{stream_id}/pin": (401, 403, 403, 409, 403, 403, 409, 409),
    "POST /api/livestreams/streams/{stream_id}/products/{product_id}/click": (200, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/livestreams/streams/{stream_id}/quiz": (401, 403, 403, 400, 403, 403, 400, 400),
    "POST /api/livestreams/quiz/{round_id}/answer": (401, 409, 409, 409, 409, 409, 409, 409),
    "POST /api/livestreams/streams/{stream_id}/reminder": (401, 409, 409, 409, 409, 409, 409, 409),
    "POST /api/livestreams/streams/{stream_id}/reminder/cancel": (401, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/livestreams/streams/{stream_id}/live": (401, 403, 403, 409, 403, 403, 409, 409),
    "POST /api/livestreams/streams/{stream_id}/end": (401, 403, 403, 409, 403, 403, 409, 409),
    "POST /api/livestreams/streams/{stream_id}/key": (401, 403, 403, 200, 403, 403, 200, 200),
    "livestreams/rtmp/on_publish": (405, 405, 405, 405, 405, 405, 405, 405),
    "livestreams/rtmp/on_publish_done": (405, 405, 405, 405, 405, 405, 405, 405),
    "page: livestream schedule": (200, 200, 200, 200, 200, 200, 200, 200),
    "page: livestream": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/ideas/boards": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/ideas/boards/{board_id}/ideas": (200, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/ideas/boards/{board_id}/ideas": (401, 422, 422, 422, 422, 422, 422, 422),
    "GET /api/ideas/ideas/{idea_id}": (200, 200, 200, 200, 200, 200, 200, 200),
    "PUT /api/ideas/ideas/{idea_id}": (401, 422, 422, 422, 422, 422, 422, 422),
    "GET /api/ideas/ideas/{idea_id}/live": (200, 200, 200, 200, 200, 200, 200, 200),
    "DELETE /api/ideas/ideas/{idea_id}/support": (401, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/ideas/ideas/{idea_id}/support": (401, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/ideas/ideas/{idea_id}/comments": (200, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/ideas/ideas/{idea_id}/comments": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/ideas/ideas/{idea_id}/reports": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/ideas/comments/{comment_id}/reports": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/ideas/ideas/{idea_id}/moderation": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/ideas/ideas/{idea_id}/review": (401, 422, 422, 422, 422, 422, 422, 422),
    "GET /api/ideas/moderation/log": (401, 403, 200, 200, 403, 403, 200, 200),
    "GET /api/ideas/challenges": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/ideas/challenges/{challenge_id}": (200, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/ideas/challenges": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/ideas/challenges/{challenge_id}/claims": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/ideas/claims/{claim_id}/actions": (401, 422, 422, 422, 422, 422, 422, 422),
    "POST /api/ideas/claims/{claim_id}/milestones": (401, 422, 422, 422, 422, 422, 422, 422),
    "GET /api/ideas/talent": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/ideas/counts": (401, 403, 200, 200, 403, 403, 200, 200),
    "page: innovation home": (200, 200, 200, 200, 200, 200, 200, 200),
    "page: idea board": (200, 200, 200, 200, 200, 200, 200, 200),
    "page: idea": (200, 200, 200, 200, 200, 200, 200, 200),
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
    "contests/<slug:slug>/league/": (302, 200, 200, 200, 200, 200, 200, 200),
    "contests/<slug:slug>/league/ [members-only]": (302, 403, 200, 200, 403, 403, 200, 200),
    "contests/<slug:slug>/screen/": (200, 200, 200, 200, 200, 200, 200, 200),
    "contests/<slug:slug>/screen/ [members-only]": (302, 403, 200, 200, 403, 403, 200, 200),
    "documents/": (404, 404, 404, 404, 404, 404, 404, 404),
    "i18n/setlang/": (302, 302, 302, 302, 302, 302, 302, 302),
    "cockpit/": (302, 403, 200, 200, 403, 403, 200, 200),
    "cockpit/screen/": (302, 403, 200, 200, 403, 403, 200, 200),
    "fieldwork/": (302, 403, 200, 200, 403, 403, 403, 403),
    "fieldwork/check-in-by-location/": (302, 405, 405, 405, 405, 405, 405, 405),
    "fieldwork/check-in/<str:token>/": (302, 400, 400, 400, 400, 400, 400, 400),
    "fieldwork/my-shop/": (302, 200, 200, 200, 200, 200, 200, 200),
    "fieldwork/plans/": (302, 403, 200, 200, 403, 403, 200, 200),
    "fieldwork/plans/<int:pk>/": (302, 403, 200, 200, 403, 403, 200, 200),
    "fieldwork/plans/new/": (302, 405, 405, 405, 405, 405, 405, 405),
    "fieldwork/problems/": (302, 403, 200, 200, 403, 403, 200, 200),
    "fieldwork/problems/<int:pk>/": (302, 403, 200, 200, 403, 403, 200, 200),
    "fieldwork/problems/<int:pk>/close/": (302, 405, 405, 405, 405, 405, 405, 405),
    "fieldwork/problems/new/": (302, 405, 405, 405, 405, 405, 405, 405),
    "fieldwork/q/<uuid:uuid>/": (404, 404, 404, 404, 404, 404, 404, 404),
    "fieldwork/questionnaires/": (302, 200, 200, 200, 200, 200, 200, 200),
    "fieldwork/questionnaires/<int:pk>/": (302, 200, 200, 200, 200, 200, 200, 200),
    "fieldwork/questionnaires/<int:pk>/results.csv": (302, 403, 403, 403, 403, 403, 200, 200),
    "fieldwork/questionnaires/<int:pk>/results/": (302, 403, 403, 403, 403, 403, 200, 200),
    "fieldwork/tasks/<int:pk>/tick/": (302, 405, 405, 405, 405, 405, 405, 405),
    "fieldwork/visits/<int:pk>/": (302, 403, 200, 200, 403, 403, 200, 200),
    "fieldwork/visits/<int:pk>/confirm/": (302, 405, 405, 405, 405, 405, 405, 405),
    "fieldwork/visits/<int:pk>/finish/": (302, 405, 405, 405, 405, 405, 405, 405),
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
    # Community: stations, the direct line, HSDS and Open311 (station 1 and its offer 1 are demo_retailer's).
    "GET /api/community/stations": (200, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/community/stations/{station_id}/live": (200, 200, 200, 200, 200, 200, 200, 200),
    "POST /api/community/offers/{offer_id}/capacity": (401, 400, 403, 403, 403, 403, 400, 400),
    "GET /api/community/requests/mine": (401, 200, 200, 200, 200, 200, 200, 200),
    "GET /api/community/requests/queue": (401, 200, 200, 200, 200, 200, 200, 200),
    "stations/": (200, 200, 200, 200, 200, 200, 200, 200),
    "stations/mine/": (302, 302, 200, 200, 200, 200, 200, 200),
    "stations/<int:pk>/": (200, 200, 200, 200, 200, 200, 200, 200),
    "stations/<int:pk>/manage/": (302, 200, 403, 403, 403, 403, 200, 200),
    "stations/<int:pk>/details/": (302, 405, 405, 405, 405, 405, 405, 405),
    "stations/offers/<int:pk>/capacity/": (302, 405, 405, 405, 405, 405, 405, 405),
    "stations/offers/<int:pk>/served/": (302, 405, 405, 405, 405, 405, 405, 405),
    "direct/mine/": (302, 200, 200, 200, 200, 200, 200, 200),
    "direct/queue/": (302, 403, 200, 200, 403, 403, 200, 403),
    "direct/requests/<uuid:uuid>/": (404, 404, 404, 404, 404, 404, 404, 404),
    "direct/qr/<str:target>/<str:ident>/": (200, 200, 200, 200, 200, 200, 200, 200),
    "direct/<str:target>/<str:ident>/": (200, 200, 200, 200, 200, 200, 200, 200),
    "hsds/": (200, 200, 200, 200, 200, 200, 200, 200),
    "hsds/services": (200, 200, 200, 200, 200, 200, 200, 200),
    "hsds/services/<str:id>": (404, 404, 404, 404, 404, 404, 404, 404),
    "hsds/organizations": (200, 200, 200, 200, 200, 200, 200, 200),
    "hsds/organizations/<str:id>": (404, 404, 404, 404, 404, 404, 404, 404),
    "hsds/service_at_locations": (200, 200, 200, 200, 200, 200, 200, 200),
    "hsds/service_at_locations/<str:id>": (404, 404, 404, 404, 404, 404, 404, 404),
    "hsds/taxonomies": (200, 200, 200, 200, 200, 200, 200, 200),
    "hsds/taxonomies/<str:id>": (404, 404, 404, 404, 404, 404, 404, 404),
    "hsds/taxonomy_terms": (200, 200, 200, 200, 200, 200, 200, 200),
    "hsds/taxonomy_terms/<str:id>": (404, 404, 404, 404, 404, 404, 404, 404),
    "open311/v2/services.json": (200, 200, 200, 200, 200, 200, 200, 200),
    "open311/v2/requests.json": (200, 200, 200, 200, 200, 200, 200, 200),
    "open311/v2/requests/<str:id>.json": (404, 404, 404, 404, 404, 404, 404, 404),
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
        # Livestreams: a past stream (its chat, a quiz question, a product); the schedule and a stream's page.
        streams = admin.get("/api/livestreams/streams").json()
        self.stream = next(s for s in streams if s["status"] == "ended")
        stream_path = f"/api/livestreams/streams/{self.stream['id']}"
        self.message = admin.get(stream_path + "/replay").json()["chat"][0]["id"]
        self.round = admin.get(stream_path + "/report").json()["quiz"][0]["id"]
        self.product = admin.get(stream_path).json()["products"][0]["id"]
        self.pages["page: livestream schedule"] = self.stream["url"].rstrip("/").rsplit("/", 1)[0] + "/"
        self.pages["page: livestream"] = self.stream["url"]
        boards = admin.get("/api/ideas/boards").json()
        self.board = next(b for b in boards if b["is_open"])
        self.idea = next(
            idea
            for idea in admin.get(f"/api/ideas/boards/{self.board['id']}/ideas").json()
            if not idea["hidden"] and idea["status"] == "submitted"
        )
        self.challenge = admin.get("/api/ideas/challenges", params={"status": "completed"}).json()[0]
        self.claim = admin.get(f"/api/ideas/challenges/{self.challenge['id']}").json()["claims"][0]
        index_url = self.board["url"].rstrip("/").rsplit("/", 1)[0] + "/"
        self.pages.update(
            {"page: innovation home": index_url, "page: idea board": self.board["url"], "page: idea": self.idea["url"]}
        )


def concrete(route: str, demo: Demo) -> list[tuple[str, str]]:
    """(row name, path) pairs to try for one route: the route filled with demo objects."""
    values = {
        "slug": demo.public["slug"],
        "uuid": "00000000-0000-0000-0000-000000000000",
        "pk": "1",
        "course_id": str(demo.course["id"]),
        "lesson_id": str(demo.lesson["id"]),
        "quiz_id": str(demo.quiz["id"]),
        "question_id": "2147483000",
        "answer_id": "2147483000",
        "path": "nothing-here.txt",
        "stream_id": str(demo.stream["id"]),
        "message_id": str(demo.message),
        "round_id": str(demo.round),
        "product_id": str(demo.product),
        # community: a unit's direct-line form (the city), unknown HSDS and Open311 ids, the first station and offer
        "target": "unit",
        "ident": "3307",
        "id": "00000000-0000-0000-0000-000000000000",
        "station_id": "1",
        "offer_id": "1",
        "board_id": str(demo.board["id"]),
        "idea_id": str(demo.idea["id"]),
        "challenge_id": str(demo.challenge["id"]),
        "claim_id": str(demo.claim["id"]),
        "comment_id": "1",
        # field work: the first of each in the demo; a check-in token nobody signed
        "token": "not-a-token",  # field work's shop check-in and volunteering's QR: a token nobody signed
        "visit_id": "1",
        "problem_id": "1",
        "questionnaire_id": "1",
        "task_id": "1",
        "activity_id": "1",
        "team_id": "1",
        "unit_id": "1",
        "signup_id": "0",
        "entry_id": "0",
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
    "POST /api/qa/lessons/{lesson_id}/questions": {"body": "短"},
    "POST /api/qa/questions/{question_id}/answers": {"body": "一个回答"},
    "POST /api/qa/questions/{question_id}/accept": {"answer_id": 1},
    "POST /api/qa/questions/{question_id}/moderation": {"action": "hide"},
    "POST /api/qa/answers/{answer_id}/moderation": {"action": "hide"},
    "POST /api/livestreams/streams/{stream_id}/pin": {"product_id": None},
    "POST /api/livestreams/streams/{stream_id}/quiz": {},
    "POST /api/livestreams/quiz/{round_id}/answer": {"choice": 0},
    # Neither a capacity nor a change: refused (400) for the owner, before anything is written.
    "POST /api/community/offers/{offer_id}/capacity": {},
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
