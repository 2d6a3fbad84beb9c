# ruff: noqa: E501, SIM115 - the setup script is a string run by manage.py shell; daphne logs live as long as daphne
"""Benchmark: the city's digital cockpit under reading users while statements arrive.

Builds its own database (gp_bench_cockpit: dropped and created), migrates it, seeds the demo city's people and
--shops shops (`seed_demo --only people`), then writes a month of field work history straight into the statement
store (per shop: a check-in and a finished visit on a day of the last 30, COPY in chunks) and counts the cockpit's
summaries from it (`cockpit_rebuild`, timed). Starts --workers daphne workers with production settings and Redis,
signs in --users staff viewers (sessions made directly) and measures:

1. read: every user asks GET /api/cockpit?unit=<city> back to back for --seconds: p50/p99 and requests/s;
2. read while writing: the same, while a trusted xAPI client posts visit statements at --rate a second (batches
   of 50), and a websocket viewer of the city's live room (ws/cockpit/<city>/) counts the snapshots pushed and
   their lag (receive time - sent_at); at the end the city's figure must equal the history plus everything posted.

    flock /tmp/bench.lock .venv/bin/python platform/bench/cockpit.py [--shops 34000] [--users 50] [--rate 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from wsclient import RawWebSocket  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "gp_bench_cockpit"
VISITED = "https://w3id.org/xapi/xianfeng/verbs/visited"
SHOP_VISIT = "https://w3id.org/xapi/xianfeng/activity-types/shop-visit"
UNIT = "https://w3id.org/xapi/xianfeng/extensions/org-unit"
FIRST = "https://w3id.org/xapi/xianfeng/extensions/first-visit-in-month"

SETUP = r"""
import datetime as dt, json, random, sys, time, uuid
from django.utils import timezone
from django.contrib.auth.hashers import make_password
from importlib import import_module
from django.conf import settings
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY
from core.activity.models import Statement
from core.activity.services import _insert, agent_for_user, server_authority, XAPI_VERSION
from core.activity.iris import Verb, ActivityType
from core.activity.items import item_iri
from core.cockpit.indicators import UNIT_EXTENSION
from core.cockpit.services import cockpit_rebuild
from core.people.models import OrgUnit, Role, RoleAssignment, Shop, User
from core.activity.services import xapi_client_create

rng = random.Random(7)
users = int(sys.argv[1])
city = OrgUnit.objects.get(kind="city")
managers = {u.org_unit_id: u for u in User.objects.filter(roles__role=Role.STAFF, org_unit__kind="department")}
now = timezone.now()
today = timezone.localdate(now)
rows, made = [], 0
started = time.perf_counter()
shops = list(Shop.objects.select_related("grid").order_by("pk"))
departments = {g.pk: g.get_parent().pk for g in OrgUnit.objects.filter(kind="grid")}
for shop in shops:
    actor = managers.get(departments[shop.grid_id])
    day = today - dt.timedelta(days=rng.randint(0, 29))
    when = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.randint(0, 59))))
    for verb, extra in ((Verb.CHECKED_IN, {}), (Verb.VISITED, {"result": {"completion": True, "extensions": {
            "https://w3id.org/xapi/xianfeng/extensions/first-visit-in-month": day.month == today.month}}})):
        sid = str(uuid.uuid4())
        full = {"id": sid, "actor": agent_for_user(actor), "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
                "object": {"objectType": "Activity", "id": item_iri(f"shop-visit:{shop.pk * 2 + (verb == Verb.VISITED)}"),
                           "definition": {"type": ActivityType.SHOP_VISIT, "name": {"zh-CN": shop.name}}},
                "context": {"extensions": {UNIT_EXTENSION: shop.grid.code}}, "timestamp": when.isoformat(),
                "stored": now.isoformat(), "authority": server_authority(), "version": XAPI_VERSION, **extra}
        rows.append(Statement(id=sid, actor_ifi="account::" + actor.username, actor_user=actor, verb_id=verb,
                              object_id=full["object"]["id"], object_type="Activity", activity_type=ActivityType.SHOP_VISIT,
                              timestamp=when, stored=now, trusted=True, full=full))
    if len(rows) >= 5000:
        _insert(rows); made += len(rows); rows = []
if rows:
    _insert(rows); made += len(rows)
inserted = time.perf_counter() - started
started = time.perf_counter()
counted = cockpit_rebuild()
rebuilt = time.perf_counter() - started
password = make_password("bench12345")
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
sessions = []
for n in range(users):
    user, _ = User.objects.get_or_create(username=f"bench_viewer{n}", defaults={"password": password, "org_unit": city, "display_name": f"看板{n}"})
    RoleAssignment.objects.get_or_create(user=user, role=Role.EDITOR)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    sessions.append(session.session_key)
client, secret = xapi_client_create(name="bench-cockpit", trusted=True)
grids = list(OrgUnit.objects.filter(kind="grid").values_list("code", flat=True))
first = sum(1 for f in Statement.objects.filter(verb_id=Verb.VISITED).values_list("full", flat=True)
            if f["result"]["extensions"]["https://w3id.org/xapi/xianfeng/extensions/first-visit-in-month"])
print(json.dumps({"first": first, "city": city.pk, "shops": len(shops), "statements": made, "insert_s": round(inserted, 1),
                  "rebuild_s": round(rebuilt, 1), "sessions": sessions, "key": client.key, "secret": secret,
                  "grids": grids, "manager": next(iter(managers.values())).username}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(workdir: Path, redis_db: str, pool: int) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{DATABASE}",
        "REDIS_URL": redis_db,
        "REDIS_KEY_PREFIX": "benchcockpit",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-cockpit-fixed-key-for-sessions",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_POOL_MAX_SIZE": str(pool),
        "VAR_DIR": str(workdir),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [str(PYTHON), str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


async def readers(
    urls: list[str], sessions: list[str], city: int, seconds: float
) -> tuple[list[tuple[float, float]], Counter]:
    """Each session asks back to back until `seconds` pass: every answer's latency, and the statuses other than 200
    (counted, not raised: a failing run still prints what it measured)."""
    latencies: list[tuple[float, float]] = []  # (when it was asked, seconds into the phase; how long it took)
    failures: Counter = Counter()
    begun = time.perf_counter()
    deadline = begun + seconds
    limits = httpx.Limits(max_connections=len(sessions), max_keepalive_connections=len(sessions))
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def user(n: int) -> None:
            url = f"{urls[n % len(urls)]}/api/cockpit?unit={city}"
            cookies = {"sessionid": sessions[n]}
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                try:
                    response = await client.get(url, cookies=cookies)
                except httpx.HTTPError as exc:  # a timeout: counted, and the time it took is a latency too
                    failures[type(exc).__name__] += 1
                    latencies.append((started - begun, time.perf_counter() - started))
                    continue
                latencies.append((started - begun, time.perf_counter() - started))
                if response.status_code != 200:
                    failures[response.status_code] += 1

        await asyncio.gather(*(user(n) for n in range(len(sessions))))
    return latencies, failures


def visit_statement(grid: str, manager: str, n: int) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "account": {"homePage": "https://xianfeng.example.cn", "name": manager}},
        "verb": {"id": VISITED, "display": {"en-US": "visited"}},
        "object": {
            "objectType": "Activity",
            "id": f"https://bench.example.cn/xapi/activities/shop-visit/{10**7 + n}",
            "definition": {"type": SHOP_VISIT, "name": {"zh-CN": "走访"}},
        },
        "result": {"completion": True, "extensions": {FIRST: True}},
        "context": {"extensions": {UNIT: grid}},
    }


async def writer(urls, auth, grids, manager, rate: float, seconds: float) -> tuple[int, list[float], Counter]:
    """Posts batches of 50 at `rate` statements a second without waiting for the answers: the statements stored
    (sent in batches answered 200), the POSTs' latencies, and the other statuses counted."""
    per_batch = 50
    interval = per_batch / rate
    sent, latencies, tasks, failures = 0, [], [], Counter()
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"}
    async with httpx.AsyncClient(auth=auth, headers=headers, timeout=60) as client:

        async def post(body: bytes, url: str) -> None:
            started = time.perf_counter()
            try:
                response = await client.post(url, content=body)
            except httpx.HTTPError as exc:  # stored or not, unknown: the exactness check will say
                failures[type(exc).__name__] += 1
                return
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                failures[response.status_code] += 1

        start = time.perf_counter()
        batch = 0
        while time.perf_counter() - start < seconds:
            body = json.dumps(
                [visit_statement(grids[(sent + i) % len(grids)], manager, sent + i) for i in range(per_batch)]
            ).encode()
            tasks.append(asyncio.create_task(post(body, f"{urls[batch % len(urls)]}/xapi/statements")))
            sent += per_batch
            batch += 1
            await asyncio.sleep(max(0.0, start + batch * interval - time.perf_counter()))
        await asyncio.gather(*tasks)
    # A batch answered with an error stored nothing (all or nothing); one that timed out may have been stored.
    refused = sum(count for status, count in failures.items() if isinstance(status, int))
    return sent - per_batch * refused, latencies, failures


class Viewer(RawWebSocket):
    def __init__(self, path, host, session):
        super().__init__(path, host, {"Cookie": f"sessionid={session}"})
        self.snapshots: list[tuple[float, dict]] = []

    def on_text(self, payload: bytes, received_at: float) -> None:
        message = json.loads(payload)
        if message.get("type") == "snapshot":
            self.snapshots.append((time.time(), message))


class SessionSampler(threading.Thread):
    """What the bench database's sessions are doing, sampled from pg_stat_activity every 0.2 s while a phase runs:
    the average number active, idle in a transaction and waiting (by wait event), and the statements most often
    seen waiting on a lock, with the statements of the sessions they wait for."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.done = threading.Event()
        self.samples = 0
        self.states: Counter = Counter()
        self.waiting: Counter = Counter()
        self.blockers: Counter = Counter()

    def run(self) -> None:
        query = """
            SELECT a.state, a.wait_event_type, a.wait_event, left(regexp_replace(a.query, '\\s+', ' ', 'g'), 90),
                   (SELECT left(regexp_replace(b.query, '\\s+', ' ', 'g'), 90) FROM pg_stat_activity b
                     WHERE b.pid = (pg_blocking_pids(a.pid))[1])
              FROM pg_stat_activity a WHERE a.datname = %s AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
        """
        with psycopg.connect(f"{SERVER}/{DATABASE}", autocommit=True) as conn:
            while not self.done.wait(0.2):
                self.samples += 1
                for state, wait_type, wait_event, statement, blocker in conn.execute(query, (DATABASE,)):
                    self.states[state] += 1
                    if state != "idle" and wait_type and wait_type != "Client":
                        self.waiting[f"{wait_type}:{wait_event}"] += 1
                    if wait_type == "Lock":
                        self.blockers[(statement, blocker)] += 1

    def report(self) -> str:
        self.done.set()
        self.join()
        n = max(self.samples, 1)
        states = ", ".join(f"{state or 'none'} {count / n:.1f}" for state, count in self.states.most_common())
        waits = ", ".join(f"{event} {count / n:.1f}" for event, count in self.waiting.most_common(5)) or "none"
        lines = [f"  database sessions (average of {self.samples} samples): {states}; waiting: {waits}"]
        for (statement, blocker), count in self.blockers.most_common(3):
            lines.append(f"  on a lock {count / n:.1f}: {statement!r} waiting for {blocker!r}")
        return "\n".join(lines)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def read_line(name: str, asked: list[tuple[float, float]], failures: Counter, seconds: float) -> str:
    """p50/p99 of the whole phase, and of its second half alone (the first includes the workers warming up)."""
    failed = f", failed {dict(failures)}" if failures else ""
    latencies = [took for _at, took in asked]
    late = [took for at, took in asked if at >= seconds / 2]
    return (
        f"{name}: {len(latencies)} requests in {seconds:.0f} s ({len(latencies) / seconds:.0f}/s), "
        f"p50 {ms(percentile(latencies, 0.5))}, p99 {ms(percentile(latencies, 0.99))}{failed}; "
        f"second half: p50 {ms(percentile(late, 0.5))}, p99 {ms(percentile(late, 0.99))}"
    )


def cpu_seconds(pids: list[int]) -> list[float]:
    """CPU time (user + system) used so far by each process, all threads; the bench's own last."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = []
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        used.append((int(fields[11]) + int(fields[12])) / ticks)
    mine = os.times()
    return [*used, mine.user + mine.system]


def cpu_line(before: list[float], after: list[float], seconds: float) -> str:
    spent = [b - a for a, b in zip(before, after, strict=True)]
    workers = ", ".join(f"{used / seconds:.2f}" for used in spent[:-1])
    return f"  CPU (cores busy on average): workers {workers}; the bench's clients {spent[-1] / seconds:.2f}"


def profile(pid: int, out: Path, seconds: float) -> subprocess.Popen:
    """py-spy's raw stacks of one worker for `seconds`, idle threads included (a thread waiting for a connection
    or on PostgreSQL shows where)."""
    spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen(
        # --nonblocking: without it py-spy stops the worker for every sample, which starved its pool (20:12 run)
        [str(spy), "record", "--pid", str(pid), "--rate", "50", "--format", "raw", "--idle", "--nonblocking"]
        + ["--duration", str(int(seconds)), "--output", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


async def run(args, info, urls, worker_pids: list[int]) -> None:
    """The two phases, each printing its figures as it ends, then the exactness check."""
    sessions, city = info["sessions"], info["city"]
    worker_pid = worker_pids[0]
    if args.profile:
        profile(worker_pid, Path(args.profile) / "read.raw", args.seconds)
    sampler = SessionSampler()
    sampler.start()
    cpu = cpu_seconds(worker_pids)
    read, failures = await readers(urls, sessions, city, args.seconds)
    print(read_line(f"read ({len(sessions)} users)", read, failures, args.seconds), load(), flush=True)
    print(cpu_line(cpu, cpu_seconds(worker_pids), args.seconds), flush=True)
    print(sampler.report(), flush=True)

    host, port = urls[0].removeprefix("http://").split(":")
    loop = asyncio.get_running_loop()
    _t, viewer = await loop.create_connection(
        lambda: Viewer(f"/ws/cockpit/{city}/", host, sessions[0]), host, int(port)
    )
    await asyncio.wait_for(viewer.open, 30)
    if args.profile:
        profile(worker_pid, Path(args.profile) / "read-while-writing.raw", args.seconds)
    sampler = SessionSampler()
    sampler.start()
    cpu = cpu_seconds(worker_pids)
    reading = asyncio.create_task(readers(urls, sessions[1:], city, args.seconds))
    sent, posts, post_failures = await writer(
        urls, (info["key"], info["secret"]), info["grids"], info["manager"], args.rate, args.seconds
    )
    read_while, failures = await reading
    print(
        read_line(f"read while writing ({len(sessions) - 1} users)", read_while, failures, args.seconds),
        load(),
        flush=True,
    )
    failed = f", failed {dict(post_failures)}" if post_failures else ""
    print(
        f"written: {sent} statements stored at a target of {args.rate:.0f}/s over {args.seconds:.0f} s "
        f"(POST of 50: p50 {ms(percentile(posts, 0.5))}, p99 {ms(percentile(posts, 0.99))}{failed})",
        flush=True,
    )
    print(cpu_line(cpu, cpu_seconds(worker_pids), args.seconds), flush=True)
    print(sampler.report(), flush=True)
    await asyncio.sleep(3)  # the last coalesced push
    lags = [
        received - datetime.fromisoformat(m["sent_at"]).timestamp()
        for received, m in viewer.snapshots
        if "sent_at" in m
    ]
    print(
        f"live: {len(viewer.snapshots)} snapshots of the city's room pushed to one viewer while writing"
        + (
            f", lag from push to receipt p50 {ms(percentile(lags, 0.5))}, p99 {ms(percentile(lags, 0.99))}, "
            f"max {ms(max(lags))}"
            if lags
            else ""
        ),
        flush=True,
    )
    async with httpx.AsyncClient(timeout=30) as client:
        final = (await client.get(f"{urls[0]}/api/cockpit?unit={city}", cookies={"sessionid": sessions[0]})).json()
    row = next(i for i in final["indicators"] if i["key"] == "visit-coverage")
    expected = round((info["first"] + sent) / info["shops"], 4)
    print(
        f"exact: the city's visit coverage after the run is {row['value']}; history ({info['first']} first visits "
        f"this month) plus the {sent} stored over {info['shops']} shops gives {expected}: "
        f"{'equal' if row['value'] == expected else 'DIFFERENT'}",
        flush=True,
    )


def load() -> str:
    return "(load " + " ".join(Path("/proc/loadavg").read_text().split()[:3]) + ")"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shops", type=int, default=34000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/8")
    parser.add_argument("--pool", type=int, default=20, help="pooled connections per worker (env.example: 20)")
    parser.add_argument("--port", type=int, default=0, help="first worker's port (the next ones follow); 0: any free")
    parser.add_argument("--profile", default="", help="a folder for py-spy's raw stacks of the first worker per phase")
    args = parser.parse_args()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')
    workdir = Path(tempfile.mkdtemp(prefix="bench-cockpit-"))
    env = server_env(workdir, args.redis, args.pool)
    started = time.perf_counter()
    manage(env, "migrate", "-v0")
    manage(env, "seed_demo", "--only", "people", "--shops", str(args.shops), "--no-progress", "-v0")
    info = json.loads(
        manage(env, "shell", "-c", SETUP.replace("sys.argv[1]", str(args.users + 1))).strip().splitlines()[-1]
    )
    print(
        f"built: {info['shops']} shops, {info['statements']} statements of a month of visits "
        f"(insert {info['insert_s']} s, summaries counted in {info['rebuild_s']} s); {time.perf_counter() - started:.0f} s"
    )
    processes, urls = [], []
    try:
        for n in range(args.workers):
            port = args.port + n if args.port else free_port()
            processes.append(
                subprocess.Popen(
                    [str(PYTHON), "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "core.asgi:application"],
                    env=env,
                    cwd=ROOT,
                    stdout=open(workdir / f"daphne-{port}.log", "w"),
                    stderr=subprocess.STDOUT,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            for _ in range(120):
                try:
                    # The API, not "/": with DJANGO_DEBUG=false and no collected static files, pages answer 500.
                    if httpx.get(url + "/api/openapi.json", timeout=5).status_code < 500:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
        asyncio.run(run(args, info, urls, [process.pid for process in processes]))
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:  # a worker stuck in a failed run must not outlive the bench
                process.kill()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


if __name__ == "__main__":
    main()
