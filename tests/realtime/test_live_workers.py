"""Two daphne workers with Redis: a statement recorded through one worker (the xAPI resource, a trusted client)
reaches a websocket viewer connected to the other, and the board it shows is the ledger's."""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.request
import uuid

import pytest
from django.conf import settings

from core.activity.vocabulary import Verb

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SETUP = """
import datetime as dt
from decimal import Decimal
from django.utils import timezone
from core.people.models import Role, RoleAssignment, User
from realtime.models import Contest, Dimension, Index, Rule
index, _ = Index.objects.get_or_create(slug="%(slug)s-index", defaults={"name": "先锋指数（直播榜测试）"})
dim, _ = Dimension.objects.get_or_create(index=index, code="learning", defaults={"name": "学习成长"})
Rule.objects.get_or_create(name="e2e live: %(slug)s", defaults={"dimension": dim, "verb": "%(verb)s",
    "activity_type": "%(type)s", "points": Decimal(5)})
now = timezone.now()
Contest.objects.get_or_create(slug="%(slug)s", defaults={"name": "%(name)s", "index": index,
    "starts_at": now - dt.timedelta(days=1), "ends_at": now + dt.timedelta(days=7)})
for username, display in %(people)r:
    user, _ = User.objects.get_or_create(username=username, defaults={"display_name": display})
    RoleAssignment.objects.get_or_create(user=user, role=Role.PARTY_MEMBER)
"""


def activity_type(slug: str) -> str:
    """Each test's contest scores its own activity type, so tests sharing the e2e platform do not mix."""
    return f"https://example.org/e2e/activity-types/{slug}"


def live_contest(e2e, slug: str, name: str, people: list[tuple[str, str]]) -> None:
    """A contest of its own in the e2e platform's database, where completing one of its courses earns 5 points."""
    code = SETUP % {"verb": Verb.COMPLETED, "type": activity_type(slug), "slug": slug, "name": name, "people": people}
    e2e.manage("shell", "-c", code)


def xapi_credentials(e2e) -> tuple[str, str]:
    cached = getattr(e2e, "_live_xapi", None)
    if cached is None:
        out = e2e.manage("xapi_client", f"live-{uuid.uuid4().hex[:8]}", "--trusted")
        cached = (re.search(r"key:\s+(\S+)", out).group(1), re.search(r"secret:\s+(\S+)", out).group(1))
        e2e._live_xapi = cached
    return cached


def second_worker(e2e) -> str:
    """A second daphne worker on the same database and Redis (started once per session)."""
    url = getattr(e2e, "_live_second_worker", None)
    if url is None:
        url = e2e._live_second_worker = e2e.start_worker()
    return url


def record_course(e2e, base_url: str, slug: str, username: str, times: int = 1) -> None:
    """Statements a trusted xAPI client sends through the worker at `base_url`."""
    key, secret = xapi_credentials(e2e)
    statements = [
        {
            "id": str(uuid.uuid4()),
            "actor": {"objectType": "Agent", "account": {"homePage": settings.XAPI_ACCOUNT_HOMEPAGE, "name": username}},
            "verb": {"id": Verb.COMPLETED, "display": {"en-US": "completed"}},
            "object": {
                "objectType": "Activity",
                "id": f"https://example.org/e2e/courses/{uuid.uuid4()}",
                "definition": {"type": activity_type(slug), "name": {"zh-CN": "直播榜测试课程"}},
            },
        }
        for _ in range(times)
    ]
    request = urllib.request.Request(
        base_url + "/xapi/statements",
        data=json.dumps(statements).encode(),
        method="POST",
        headers={
            "Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - our own loopback server
        assert response.status == 200


def leaderboard_messages(ws, *, deadline: float):
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError("no such board before the deadline")
        message = json.loads(ws.recv(timeout=remaining))
        if message["type"] == "leaderboard":
            yield message


def test_a_statement_recorded_through_one_worker_reaches_a_viewer_of_the_other(e2e):
    from websockets.sync.client import connect

    live_contest(e2e, "e2e-workers", "双进程擂台", [("e2e_live_a", "甲党员"), ("e2e_live_b", "乙党员")])
    first, second = e2e.url, second_worker(e2e)
    ws_url = second.replace("http://", "ws://") + "/ws/contests/e2e-workers/"
    with connect(ws_url, origin=second, open_timeout=20) as ws:
        snapshot = next(leaderboard_messages(ws, deadline=time.monotonic() + 20))
        assert snapshot["contest"] == "e2e-workers"
        assert snapshot["entries"] == []

        record_course(e2e, first, "e2e-workers", "e2e_live_a", times=2)
        record_course(e2e, first, "e2e-workers", "e2e_live_b", times=1)
        deadline = time.monotonic() + 20
        for board in leaderboard_messages(ws, deadline=deadline):
            if len(board["entries"]) == 2:
                break
        assert board["version"] > snapshot["version"]
        assert [(e["rank"], e["name"], e["score"]) for e in board["entries"]] == [(1, "甲党员", 10), (2, "乙党员", 5)]
        # A visitor gets no "you" message, and nothing after the last board.
        with pytest.raises(TimeoutError):
            ws.recv(timeout=1)

    # The REST snapshot of the first worker agrees with what the second worker pushed.
    with urllib.request.urlopen(first + "/api/contests/e2e-workers/leaderboard", timeout=10) as response:  # noqa: S310
        assert json.loads(response.read())["entries"] == board["entries"]
