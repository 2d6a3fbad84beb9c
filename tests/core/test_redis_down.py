"""Redis down does not take the site down: the platform (daphne, PostgreSQL) runs against a Redis of the test's own,
the test kills it, and pages, sign-in, the token endpoint, APIs and writes keep working; live boards say "live
updates paused"; when Redis comes back (on the same port, with its old contents) the site recovers by itself and
the leaderboards match the ledger (`check_leaderboards` exits 0). Timings are printed for platform/SECURITY.md."""

from __future__ import annotations

import json
import re
import statistics
import time

import httpx
import pytest
from platform_faults import (
    ThrowawayRedis,
    completed_batch,
    contest_for,
    copy_of_e2e_database,
    homepage,
    platform_on,
    post_batch,
    prefix_for,
    stored_statement_ids,
    trusted_client,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SLUG = "faults-redis-down"
ACTIVITY_TYPE = "https://example.org/faults/activity-types/redis-down"
PEOPLE = [("faults_a", "故障甲"), ("faults_b", "故障乙")]
PAUSED_ZH = "实时更新已暂停"
# The board's state as the page is served (leaderboard.js keeps it while the socket says so).
PAUSED_STATE = 'data-testid="connection-state" data-state="paused"'


def sign_in(base: str, username: str, password: str = "demo12345") -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    form = client.get("/accounts/login/")
    assert form.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    answer = client.post(
        "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": base + "/accounts/login/"},
    )
    assert answer.status_code == 302, answer.text[:500]
    return client


def signed_in_as(client: httpx.Client) -> str | None:
    answer = client.get("/api/me")
    return answer.json()["username"] if answer.status_code == 200 else None


def board(base: str) -> dict:
    answer = httpx.get(f"{base}/api/contests/{SLUG}/leaderboard", timeout=30)
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()


def scores(message: dict) -> dict[str, float]:
    return {entry["name"]: float(entry["score"]) for entry in message["entries"]}


def status_messages(ws, *, until: float, want):
    """Read the socket until a message satisfies `want`; returns it."""
    while True:
        remaining = until - time.monotonic()
        assert remaining > 0, "the expected message did not come"
        message = json.loads(ws.recv(timeout=remaining))
        if want(message):
            return message


def test_the_site_keeps_working_without_redis_and_recovers_when_it_returns(e2e, tmp_path):
    from websockets.sync.client import connect

    redis_server = ThrowawayRedis(tmp_path)
    redis_server.start()
    database_url, drop_database = copy_of_e2e_database(e2e, "redisdown")
    platform = platform_on(e2e, database_url, redis_server.url, tmp_path, prefix_for("faultsredis"))
    try:
        contest_for(platform, SLUG, ACTIVITY_TYPE, PEOPLE)
        credentials = trusted_client(platform)
        home = homepage(platform)
        info = json.loads(
            platform.manage(
                "shell",
                "-c",
                "import json; from content.learning.models import LessonPage; l = LessonPage.objects.live().first();"
                "print(json.dumps({'lesson': l.pk, 'lesson_url': l.url, 'course_url': l.get_parent().url}))",
            )
            .strip()
            .splitlines()[-1]
        )
        base = platform.start_worker()

        # Before the outage: a batch on the board, a signed-in session cached in Redis.
        before = completed_batch(home, ACTIVITY_TYPE, ["faults_a"])
        assert post_batch(base, credentials, before) == 200
        assert scores(board(base)) == {"故障甲": 5.0}
        retailer = sign_in(base, "demo_retailer")
        leaving = sign_in(base, "demo_member")
        assert signed_in_as(retailer) == "demo_retailer"
        ws_url = base.replace("http://", "ws://") + f"/ws/contests/{SLUG}/"
        viewer = connect(ws_url, origin=base, open_timeout=20)
        first = status_messages(viewer, until=time.monotonic() + 20, want=lambda m: m["type"] == "leaderboard")
        assert first["version"] > 0

        redis_server.kill()

        # The viewer is told that live updates paused.
        paused = status_messages(viewer, until=time.monotonic() + 20, want=lambda m: m["type"] == "status")
        assert paused["live"] is False

        timings: dict[str, float] = {}

        def timed(name: str, call):
            start = time.monotonic()
            answer = call()
            timings[name] = time.monotonic() - start
            assert answer.status_code < 500, f"{name}: {answer.status_code} {answer.text[:300]}"
            return answer

        anonymous = httpx.Client(base_url=base, timeout=30)
        for name, path in [
            ("home", "/"),
            ("sign-in page", "/accounts/login/"),
            ("catalogue", "/courses/"),
            ("course", info["course_url"]),
            ("contests", "/contests/"),
            ("contest", f"/contests/{SLUG}/"),
            ("big screen", f"/contests/{SLUG}/screen/"),
            ("branch board", "/branches/"),
            ("openapi", "/api/openapi.json"),
            ("course API", "/api/learning/courses"),
        ]:
            assert timed(name, lambda path=path: anonymous.get(path)).status_code == 200, name
        contest_page = anonymous.get(f"/contests/{SLUG}/")
        assert PAUSED_STATE in contest_page.text
        shown = re.search(r'data-label-closed="[^"]*">([^<]*)</span>', contest_page.text).group(1)
        assert shown.startswith(PAUSED_ZH)

        # Signing in, a signed-in person's pages, a bearer token and a person's API.
        member = timed("sign-in", lambda: httpx.Client(base_url=base, timeout=30).get("/accounts/login/"))
        assert member.status_code == 200
        staff = sign_in(base, "demo_staff")
        assert signed_in_as(staff) == "demo_staff"
        assert signed_in_as(retailer) == "demo_retailer"
        mine = [("my page", "/me/"), ("my certificates", "/certificates/mine/"), ("my courses", "/courses/")]
        for name, path in mine:
            assert timed(name, lambda path=path: retailer.get(path)).status_code == 200, name
        token = timed(
            "token", lambda: anonymous.post("/api/auth/token", json={"username": "demo_staff", "password": "demo12345"})
        )
        assert token.status_code == 201
        bearer = {"Authorization": f"Bearer {token.json()['token']}"}
        assert timed("API with a bearer token", lambda: anonymous.get("/api/me", headers=bearer)).status_code == 200

        # Writes are kept: a lesson progress report and an xAPI batch from the trusted client.
        csrf = {"X-CSRFToken": retailer.cookies["csrftoken"], "Referer": base + "/"}
        assert retailer.post(f"/api/learning/lessons/{info['lesson']}/view", headers=csrf).status_code == 200
        progress = timed(
            "progress report",
            lambda: retailer.post(
                f"/api/learning/lessons/{info['lesson']}/progress", json={"position_seconds": 5}, headers=csrf
            ),
        )
        assert progress.status_code == 200, progress.text[:300]
        during = completed_batch(home, ACTIVITY_TYPE, ["faults_a", "faults_b"])
        start = time.monotonic()
        assert post_batch(base, credentials, during) == 200
        timings["xAPI batch"] = time.monotonic() - start
        # The board is read from the ledger meanwhile (version 0): the new points show, unpushed.
        ledger_board = board(base)
        assert ledger_board["version"] == 0
        assert scores(ledger_board) == {"故障甲": 10.0, "故障乙": 5.0}

        # Signing out while Redis is away must stay signed out when Redis returns with the cached session.
        logout = leaving.post(
            "/accounts/logout/", data={"csrfmiddlewaretoken": leaving.cookies["csrftoken"]}, headers=csrf
        )
        assert logout.status_code == 302
        stale_session = httpx.Client(base_url=base, timeout=30, cookies={"sessionid": leaving.cookies.get("sessionid")})

        print(
            "\nRedis down: " + ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in timings.items()),
            f"\nRedis down: median {statistics.median(timings.values()) * 1000:.0f} ms, "
            f"max {max(timings.values()) * 1000:.0f} ms over {len(timings)} requests",
        )

        # Redis returns on the same port with what it held before: the board there misses the outage's points.
        redis_server.start()
        back = time.monotonic()
        live = status_messages(viewer, until=time.monotonic() + 30, want=lambda m: m["type"] == "status")
        assert live["live"] is True
        fresh = status_messages(
            viewer, until=time.monotonic() + 30, want=lambda m: m["type"] == "leaderboard" and m["version"] > 0
        )
        print(f"\nRedis back: the viewer was live again after {time.monotonic() - back:.1f} s")
        assert fresh["version"] > first["version"]
        assert scores(fresh) == {"故障甲": 10.0, "故障乙": 5.0}
        viewer.close()

        after = board(base)
        assert after["version"] > 0
        assert scores(after) == {"故障甲": 10.0, "故障乙": 5.0}
        checked = platform.manage("check_leaderboards", "--contest", SLUG)  # raises when it exits non-zero
        assert f"{SLUG}: ok" in checked
        assert signed_in_as(retailer) == "demo_retailer"
        assert signed_in_as(stale_session) is None
        assert PAUSED_STATE not in anonymous.get(f"/contests/{SLUG}/").text

        counts = stored_statement_ids(platform, [s["id"] for s in before + during])
        assert set(counts.values()) == {1}
    finally:
        platform.stop()
        redis_server.kill()
        drop_database()
