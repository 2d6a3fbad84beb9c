"""What the fault and kill tests share: a throw-away Redis they may kill, a copy of the e2e platform's database
they may write to, a trusted xAPI client and the batches it sends."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ThrowawayRedis:
    """A redis-server of the test's own on a free port (never 6379), with an append-only file, so a restart on
    the same port comes back with what it held, as a production Redis with persistence does."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.dir = workdir / f"redis-{self.port}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed"
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary with our own arguments
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=1).ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


def copy_of_e2e_database(e2e, suffix: str) -> tuple[str, callable]:
    """A new PostgreSQL database made from the e2e platform's freshly seeded copy; returns its URL and a function
    that drops it. Cheaper than migrating and seeding again."""
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(e2e.env["DATABASE_URL"])
    admin_dsn = f"host={db['HOST']} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"
    if db.get("PASSWORD"):
        admin_dsn += f" password={db['PASSWORD']}"
    name = f"{db['NAME']}_{suffix}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{e2e.template_database}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")

    def drop() -> None:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{name}", drop


def platform_on(e2e, database_url: str, redis_url: str, workdir: Path, prefix: str):
    """Another platform like `e2e` (conftest's `Platform`: daphne workers it starts and stops) on other services."""
    platform = type(e2e)(database_url, redis_url, workdir)
    platform.env["REDIS_KEY_PREFIX"] = prefix
    return platform


def trusted_client(platform) -> tuple[str, str]:
    out = platform.manage("xapi_client", f"faults-{uuid.uuid4().hex[:8]}", "--trusted")
    return re.search(r"key:\s+(\S+)", out).group(1), re.search(r"secret:\s+(\S+)", out).group(1)


def contest_for(platform, slug: str, activity_type: str, people: list[tuple[str, str]]) -> None:
    """A running contest where completing an activity of `activity_type` earns 5 points, with its people."""
    platform.manage(
        "shell",
        "-c",
        f"""
import datetime as dt
from decimal import Decimal
from django.utils import timezone
from core.people.models import Role, RoleAssignment, User
from realtime.models import Contest, Dimension, Index, Rule
index, _ = Index.objects.get_or_create(slug="{slug}-index", defaults={{"name": "故障测试指数"}})
dim, _ = Dimension.objects.get_or_create(index=index, code="learning", defaults={{"name": "学习成长"}})
Rule.objects.get_or_create(name="faults: {slug}", defaults={{"dimension": dim,
    "verb": "http://adlnet.gov/expapi/verbs/completed", "activity_type": "{activity_type}", "points": Decimal(5)}})
now = timezone.now()
Contest.objects.get_or_create(slug="{slug}", defaults={{"name": "故障测试擂台", "index": index,
    "starts_at": now - dt.timedelta(days=1), "ends_at": now + dt.timedelta(days=7)}})
for username, display in {people!r}:
    user, _ = User.objects.get_or_create(username=username, defaults={{"display_name": display}})
    RoleAssignment.objects.get_or_create(user=user, role=Role.PARTY_MEMBER)
""",
    )


def completed_batch(homepage: str, activity_type: str, usernames: list[str]) -> list[dict]:
    return [
        {
            "id": str(uuid.uuid4()),
            "actor": {"objectType": "Agent", "account": {"homePage": homepage, "name": username}},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
            "object": {
                "objectType": "Activity",
                "id": f"https://example.org/faults/courses/{uuid.uuid4()}",
                "definition": {"type": activity_type, "name": {"zh-CN": "故障测试课程"}},
            },
        }
        for username in usernames
    ]


def post_batch(base_url: str, credentials: tuple[str, str], batch: list[dict], timeout: float = 30) -> int:
    """POST a batch to /xapi/statements; the HTTP status (an exception for a dropped connection)."""
    key, secret = credentials
    request = urllib.request.Request(  # noqa: S310 - our own loopback server
        base_url + "/xapi/statements",
        data=json.dumps(batch).encode(),
        method="POST",
        headers={
            "Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def stored_statement_ids(platform, ids: list[str]) -> dict[str, int]:
    """How many times each statement id is in the database."""
    path = platform.workdir / f"ids-{uuid.uuid4().hex}.json"
    path.write_text(json.dumps(ids))
    out = platform.manage(
        "shell",
        "-c",
        f"""
import json
from collections import Counter
from core.activity.models import Statement
ids = json.load(open({str(path)!r}))
found = Counter(str(i) for i in Statement.objects.filter(id__in=ids).values_list("id", flat=True))
print("COUNTS=" + json.dumps({{i: found.get(i, 0) for i in ids}}))
""",
    )
    return json.loads(out.split("COUNTS=", 1)[1])


def homepage(platform) -> str:
    code = "from django.conf import settings; print('HOME=' + settings.XAPI_ACCOUNT_HOMEPAGE)"
    out = platform.manage("shell", "-c", code)
    return out.split("HOME=", 1)[1].strip()


def worker_process(platform):
    return platform.workers[0][0]


def environment_has_redis_server() -> str | None:
    return None if shutil.which("redis-server") else "needs redis-server (apt-get install redis-server)"


def prefix_for(name: str) -> str:
    return f"{name}{os.getpid()}"
