"""A province on one platform (issue #17, item 2): ten cities, about 300,000 shops, measured on PostgreSQL.

    /work/wt/bench-run .venv/bin/python platform/bench/province.py                 # build once, then every phase
    /work/wt/bench-run .venv/bin/python platform/bench/province.py --phases cockpit,leaderboards
    .venv/bin/python platform/bench/province.py --shops-per-city 500 --viewers 500  # a small province, to try it

The province lives in its own database (gp_bench_province; gp_bench_province_<N> for another --shops-per-city),
built once and reused (--rebuild builds it again). Phases, each printing what it measured:

1. seed: `manage.py seed_demo --province --shops-per-city N --seed 42` on the freshly migrated database, under
   `/usr/bin/time -v` (wall time and peak resident memory); its progress bars go to this terminal. Then what it
   built: units, shops, people, branches, stations, statements, ledger entries, summary rows.
2. catalogue: --users concurrent visitors on the course catalogue (the category filter rotates) and on the course
   search (Chinese queries rotate), each pausing about 1 s between pages like a person reading, then back to back
   (learning.py's client and phases); p50/p99.
3. cockpit: --users signed-in editors asking `GET /api/cockpit?unit=` for the province, for 金华市 and for one of
   its grids, pausing about 1 s, then back to back; p50/p99 per unit.
4. leaderboards: `check_leaderboards` and `rebuild_leaderboards` for the province-wide arena (every staff member
   and party member of the ten cities), timed inside one process (Django started once), with the contest's size.
5. board: --viewers websocket viewers of the province-wide arena's board (leaderboard_ws.py's viewers and
   servers) while two recorders confirm volunteer hours of random people of the province at --rate statements a
   second for --duration s: the time until every viewer has its first board, the delay from each commit to each
   viewer's next board (p50/p99), and every viewer's last board compared with the ledger.

Servers listen on --ports (a range, default 8170-8179) and use Redis --redis-url.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import leaderboard_ws  # noqa: E402 - beside this script: viewers, servers, the board summary
import learning  # noqa: E402 - beside this script: the HTTP client and phases

SERVER = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "gp_bench_province"
SHOPS_PER_CITY = 30000
CONTEST = "province-arena"
SEARCHES = ["陈列", "法律", "数字化", "卷烟", "经营", "消费者", "价格", "诚信"]
CATEGORIES = ["", "?category=display", "?category=analysis", "?category=digital", "?category=law"]


def db_name(shops_per_city: int) -> str:
    return DB_NAME if shops_per_city == SHOPS_PER_CITY else f"{DB_NAME}_{shops_per_city}"


def environment(args) -> dict:
    name = db_name(args.shops_per_city)
    return {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{name}",
        "REDIS_URL": args.redis_url,
        "REDIS_KEY_PREFIX": "benchprovince",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-province-not-secret",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_POOL_MAX_SIZE": "8",
        "STATIC_ROOT": str(Path(tempfile.gettempdir()) / "gp_bench_province_static"),
        "MEDIA_ROOT": str(Path(tempfile.gettempdir()) / f"{name}_media"),
        "RECOMMENDER_MODEL_DIR": str(Path(tempfile.gettempdir()) / f"{name}_models"),
        "LEADERBOARD_PUSHES_PER_SECOND": "4",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def load() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


# --- 1. the seed -------------------------------------------------------------------------------------------------


COUNTS = """
import json
from django.db import connection
tables = {
    "units": "people_orgunit", "shops": "people_shop", "people": "people_user", "branches": "people_partybranch",
    "branch members": "people_branchmembership", "villages": "people_village", "stations": "community_station",
    "statements": "activity_statement", "certificates": "certification_certificate",
    "ledger entries": "realtime_pointsentry", "cockpit summary rows": "cockpit_indicatortally",
}
with connection.cursor() as cursor:
    out = {}
    for label, table in tables.items():
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        out[label] = cursor.fetchone()[0]
    cursor.execute("SELECT count(*) FROM people_orgunit WHERE kind = 'city'")
    out["cities"] = cursor.fetchone()[0]
print(json.dumps(out))
"""


def build(args, env: dict) -> None:
    import psycopg

    name = db_name(args.shops_per_city)
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not args.rebuild:
            print(f"seed: {name} already built, reused (--rebuild builds it again)", flush=True)
            return
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    started = time.monotonic()
    learning.manage(env, "migrate", "--no-input", "-v0")
    print(f"seed: {name} migrated in {time.monotonic() - started:.0f} s; load {load()}", flush=True)
    stats = Path(tempfile.mkstemp(prefix="province-seed-time-")[1])
    command = [
        "/usr/bin/time",
        "-v",
        "-o",
        str(stats),
        sys.executable,
        str(ROOT / "manage.py"),
        "seed_demo",
        "--province",
        "--shops-per-city",
        str(args.shops_per_city),
        "--seed",
        "42",
    ]
    print("seed: " + " ".join(command[4:]).replace(str(ROOT) + "/", ""), flush=True)
    # stdout (each app's time) is kept; stderr (the progress bars) goes to this terminal.
    result = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)  # noqa: S603
    print(result.stdout, flush=True)
    if result.returncode != 0:
        sys.exit(f"seed_demo failed ({result.returncode})")
    text = stats.read_text()
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", text).group(1)
    peak_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    user = float(re.search(r"User time \(seconds\): (\S+)", text).group(1))
    system = float(re.search(r"System time \(seconds\): (\S+)", text).group(1))
    print(
        f"seed: wall {wall} (h:mm:ss or m:ss), CPU {user:.0f} s user + {system:.0f} s system, "
        f"peak memory {peak_kb / 1024:.0f} MiB; load after {load()}",
        flush=True,
    )
    counts = json.loads(learning.manage(env, "shell", "-c", COUNTS).strip().splitlines()[-1])
    print("seed built: " + ", ".join(f"{value:,} {label}" for label, value in counts.items()), flush=True)


# --- 2 and 3. pages under 50 users ---------------------------------------------------------------------------------


def sessions_for_editors(count: int) -> list[str]:
    """Signed-in editors (they may see every unit's cockpit), sessions made directly."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from core.people.models import OrgUnit, Role, RoleAssignment, User

    store = import_module(settings.SESSION_ENGINE).SessionStore
    province = OrgUnit.objects.get(kind=OrgUnit.Kind.PROVINCE)
    keys = []
    for n in range(count):
        user, _ = User.objects.get_or_create(
            username=f"bench_editor{n:03d}", defaults={"org_unit": province, "display_name": f"看板{n}"}
        )
        RoleAssignment.objects.get_or_create(user=user, role=Role.EDITOR)
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


def page_phases(args, env: dict, which: set[str]) -> None:
    from content.learning.models import CourseIndexPage
    from core.people.models import OrgUnit

    if not (Path(env["STATIC_ROOT"]) / "staticfiles.json").exists():
        learning.manage(env, "collectstatic", "--no-input", "-v0")
    catalogue = CourseIndexPage.objects.live().first().url
    province = OrgUnit.objects.get(kind=OrgUnit.Kind.PROVINCE)
    city = OrgUnit.objects.get(code="3307")
    grid = OrgUnit.objects.filter(kind=OrgUnit.Kind.GRID, path__startswith=city.path).order_by("path").first()
    sessions = sessions_for_editors(args.users) if "cockpit" in which else []
    from django.db import connections

    connections.close_all()
    workers = learning.start_workers(env, args.workers)
    urls = [url for _process, url in workers]
    print(f"pages: {args.workers} daphne workers at {', '.join(urls)}; {args.users} users; load {load()}", flush=True)

    def get(path_of):
        async def request(connection, n):
            return await connection.request("GET", path_of(n))

        return request

    def signed_in(path):
        async def request(connection, n):
            connection.cookies.setdefault("sessionid", sessions[(n // 100000) % len(sessions)])
            return await connection.request("GET", path)

        return request

    try:
        phases = []
        if "catalogue" in which:
            phases += [
                ("catalogue", get(lambda n: catalogue + CATEGORIES[n % len(CATEGORIES)])),
                ("search", get(lambda n: f"{catalogue}search/?q={quote(SEARCHES[n % len(SEARCHES)])}")),
            ]
        if "cockpit" in which:
            for label, unit in (("province", province), ("city", city), ("grid", grid)):
                phases.append((f"cockpit {label} ({unit.name})", signed_in(f"/api/cockpit?unit={unit.pk}")))
        for name, request in phases:
            for think in (args.think, 0):
                label = f"{name}, think {think:g} s" if think else f"{name}, back to back"
                asyncio.run(learning.run_phase(label, urls, args.users, args.seconds, request, think, 0.5))
        print(f"pages: load after {load()}", flush=True)
    finally:
        for process, _url in workers:
            process.terminate()
        for process, _url in workers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


# --- 4. check and rebuild ----------------------------------------------------------------------------------------


def leaderboards() -> None:
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    from realtime.models import Contest, PointsEntry
    from realtime.selectors import board_scores

    contest = Contest.objects.get(slug=CONTEST)
    scores = board_scores(contest=contest)
    entries = PointsEntry.objects.filter(index=contest.index).count()
    print(
        f"leaderboards: {contest.name}: {len(scores):,} people with points, {entries:,} ledger entries of its index; "
        f"load {load()}",
        flush=True,
    )
    for command in ("rebuild_leaderboards", "check_leaderboards", "rebuild_leaderboards", "check_leaderboards"):
        out = io.StringIO()
        started = time.perf_counter()
        try:
            call_command(command, contest=CONTEST, stdout=out)
            outcome = out.getvalue().strip().splitlines()[-1]
        except CommandError as exc:
            outcome = f"{out.getvalue().strip()} {exc}"
        print(f"leaderboards: {command} --contest {CONTEST}: {time.perf_counter() - started:.2f} s ({outcome})")


# --- 5. the board with thousands of viewers ----------------------------------------------------------------------


def run_recorder(args) -> None:
    """One recorder process: batches of volunteer hours confirmed for random people of the province (as a trusted
    HR system sends them), each batch one transaction stored and scored; logs (commit time, board version)."""
    leaderboard_ws.setup_django()
    import random
    import uuid

    from django.conf import settings

    from core.activity.models import XapiClient
    from core.activity.services import statements_store, xapi_client_create
    from core.activity.vocabulary import ActivityType, Verb
    from core.people.models import Role, User
    from realtime.store import leaderboard_store

    rng = random.Random(args.seed)
    usernames = list(
        User.objects.filter(roles__role=Role.STAFF, org_unit__isnull=False)
        .order_by("username")
        .values_list("username", flat=True)
    )
    client = XapiClient.objects.filter(name="bench province recorder").first()
    if client is None:
        client, _secret = xapi_client_create(name="bench province recorder", trusted=True)
    store = leaderboard_store()
    period = args.batch / args.rate
    log, recorded, tick = [], 0, 0
    start = time.time() + args.stagger
    end = start + args.duration
    while True:
        due = start + tick * period
        if due >= end or time.time() >= end:
            break
        if due > time.time():
            time.sleep(due - time.time())
        statements = [
            {
                "id": str(uuid.uuid4()),
                "actor": {
                    "objectType": "Agent",
                    "account": {"homePage": settings.XAPI_ACCOUNT_HOMEPAGE, "name": rng.choice(usernames)},
                },
                "verb": {"id": Verb.CONFIRMED_HOURS, "display": {"en-US": "confirmed hours"}},
                "object": {
                    "objectType": "Activity",
                    "id": f"https://bench.example/volunteering/province/{args.phase}/{recorded + n}",
                    "definition": {"type": ActivityType.VOLUNTEER_ACTIVITY, "name": {"zh-CN": "压测志愿服务"}},
                },
            }
            for n in range(args.batch)
        ]
        statements_store(statements=statements, client=client)
        recorded += args.batch
        log.append((time.time(), store.version(args.contest_id)))
        tick += 1
    try:
        from realtime import broadcast

        broadcast.publisher().flush()
    except Exception:  # noqa: BLE001 - nothing to flush
        pass
    Path(args.out).write_text(json.dumps({"log": log, "recorded": recorded, "elapsed": time.time() - start}))


async def board(args, env: dict, workdir: Path, contest_id: int) -> dict:
    from realtime.store import leaderboard_store

    leaderboard_ws.SLUG = CONTEST
    servers, ports = leaderboard_ws.start_servers("platform", args, env, contest_id, workdir)
    viewers = []
    try:
        started = time.time()
        viewers = await leaderboard_ws.connect_viewers(ports, f"/ws/contests/{CONTEST}/", args.viewers)
        connected = time.time() - started
        deadline = time.time() + 120
        while time.time() < deadline and not all(v.received for v in viewers):
            await asyncio.sleep(0.05)
        firsts = [v.received[0][0] - started for v in viewers if v.received]
        print(
            f"board: {len(viewers)} viewers connected in {connected:.1f} s, the last first board after "
            f"{max(firsts):.1f} s (p50 {leaderboard_ws.percentile(firsts, 50):.1f} s); load {load()}",
            flush=True,
        )
        outs, recorders = [], []
        for n in range(2):
            out = workdir / f"recorder-{n}.json"
            outs.append(out)
            recorders.append(
                subprocess.Popen(  # noqa: S603 - this script
                    [
                        sys.executable,
                        __file__,
                        "--role",
                        "recorder",
                        "--contest-id",
                        str(contest_id),
                        "--rate",
                        str(args.rate / 2),
                        "--batch",
                        str(args.batch),
                        "--duration",
                        str(args.duration),
                        "--stagger",
                        str(n * args.batch / args.rate),
                        "--out",
                        str(out),
                        "--phase",
                        f"{int(time.time())}-{n}",
                        "--seed",
                        str(700 + n),
                    ],
                    env=env,
                    cwd=ROOT,
                    stdout=(workdir / f"recorder-{n}.log").open("w"),
                    stderr=subprocess.STDOUT,
                )
            )
        while any(r.poll() is None for r in recorders):
            await asyncio.sleep(0.5)
        for n, recorder in enumerate(recorders):
            if recorder.returncode != 0:
                raise RuntimeError((workdir / f"recorder-{n}.log").read_text()[-2000:])
        final_version = await asyncio.to_thread(leaderboard_store().version, contest_id)
        deadline = time.time() + 20
        while time.time() < deadline:
            if all(v.received and v.received[-1][1] >= final_version for v in viewers):
                break
            await asyncio.sleep(0.2)
        parts = [json.loads(out.read_text()) for out in outs]
        record = {
            "log": sorted(entry for part in parts for entry in part["log"]),
            "recorded": sum(part["recorded"] for part in parts),
            "elapsed": max(part["elapsed"] for part in parts),
        }
        truth = await asyncio.to_thread(leaderboard_ws.ledger_top, contest_id)
        return leaderboard_ws.summarise("province board", viewers, record, final_version, truth, connected)
    finally:
        for viewer in viewers:
            viewer.transport.close()
        leaderboard_ws.stop(servers)


# --- main --------------------------------------------------------------------------------------------------------


def main(args) -> None:
    first, last = (int(n) for n in args.ports.split("-"))
    ports = itertools.cycle(range(first, last + 1))
    learning.free_port = leaderboard_ws.free_port = lambda: next(ports)
    env = environment(args)
    phases = set(args.phases.split(","))
    print(f"province benchmark: {db_name(args.shops_per_city)}; phases {args.phases}; load {load()}", flush=True)
    import redis

    # Nothing of an earlier run (another database's boards, cached pages) may answer for this one.
    client = redis.Redis.from_url(args.redis_url)
    stale = list(client.scan_iter(f"{env['REDIS_KEY_PREFIX']}:*", count=1000))
    if stale:
        client.delete(*stale)
    if "seed" in phases or args.rebuild:
        build(args, env)
    os.environ.update(env)
    leaderboard_ws.setup_django()
    if phases & {"catalogue", "cockpit"}:
        page_phases(args, env, phases)
    if "leaderboards" in phases:
        leaderboards()
    if "board" in phases:
        leaderboard_ws.raise_file_limit(args.viewers * 2 + 2000)
        workdir = Path(tempfile.mkdtemp(prefix="bench-province-"))
        from django.db import connections

        from realtime.models import Contest
        from realtime.services.boards import board_rebuild

        contest = Contest.objects.get(slug=CONTEST)
        board_rebuild(contest=contest, notify=False)  # the store was cleared above
        contest_id = contest.pk
        connections.close_all()
        result = asyncio.run(board(args, env, workdir, contest_id))
        print("board: " + json.dumps(result, ensure_ascii=False), flush=True)
        print(f"board: load after {load()}", flush=True)


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shops-per-city", type=int, default=SHOPS_PER_CITY)
    parser.add_argument("--rebuild", action="store_true", help="build the province database again")
    parser.add_argument("--phases", default="seed,catalogue,cockpit,leaderboards,board")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20, help="seconds per page phase")
    parser.add_argument("--think", type=float, default=1.0, help="seconds a user pauses between pages")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--viewers", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=500, help="statements per second on the board phase")
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--duration", type=float, default=30, help="seconds of recording on the board phase")
    parser.add_argument("--pushes", type=float, default=4, help=argparse.SUPPRESS)
    parser.add_argument("--ports", default="8170-8179")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--role", default="main", help=argparse.SUPPRESS)
    parser.add_argument("--contest-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--stagger", type=float, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--phase", default="", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=7, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    (run_recorder if arguments.role == "recorder" else main)(arguments)
