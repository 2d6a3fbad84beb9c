"""Live leaderboards under load: N websocket viewers, statements at a steady rate, delay and exactness.

    .venv/bin/python platform/bench/leaderboard_ws.py                      # 2,000 viewers, 500 statements/s
    .venv/bin/python platform/bench/leaderboard_ws.py --viewers 5000

One run, two phases on the same machine, with the same viewers, rate and messages:

1. platform: two daphne workers (channels_redis pub/sub layer, Redis leaderboard store, PostgreSQL ledger);
   viewers split across the workers on `ws/contests/<slug>/`.
2. reference: a minimal broadcaster: a ticker reads the same snapshot at the same pushes per second and
   PUBLISHes it to Redis; as many plain `websockets` server processes as daphne workers SUBSCRIBE and
   `broadcast` it to their sockets.

In both, recorder processes record statements at a steady rate as a trusted xAPI client does: batches of volunteer
hours confirmed (by default 50 statements, a batch every 100 ms from two recorders taking turns) through
`statements_store` (the xAPI POST's path), each batch one transaction in which its statements are stored and
scored, exactly as in production; after each commit a recorder logs the time and the board's version. A viewer's
delay for a statement is the time from that commit to the first message the viewer receives with a version at
least as new. Viewers are light raw-asyncio clients: they read only `"version"` and keep the last frame; at the end
each viewer's last board is compared with the ledger (`board_scores`, the source of truth).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from wsclient import RawWebSocket, raise_file_limit  # noqa: E402 - beside this script

VERSION = re.compile(rb'"version":(\d+)')
SLUG = "bench-live"
RECORDER_CLIENT = "bench recorder"


# --- helpers -------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    import django

    django.setup()


def percentile(values, q: float) -> float:
    import numpy as np

    return float(np.percentile(values, q)) if len(values) else float("nan")


def wait_http(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own loopback server
                if response.status < 500:
                    return
        except Exception:  # noqa: BLE001 - keep polling
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def wait_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"port {port}: process exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"port {port} did not open")


# --- the world: members, an index, a rule, a public contest ----------------------------------------------------


def build_world(members: int) -> tuple[int, list[str]]:
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from core.activity.models import XapiClient
    from core.activity.services import xapi_client_create
    from core.activity.vocabulary import ActivityType, Verb
    from core.people.models import Role, RoleAssignment, User
    from realtime.models import Contest, Dimension, Index, Rule
    from realtime.services.boards import board_rebuild

    index, _ = Index.objects.get_or_create(slug="bench-pioneer", defaults={"name": "先锋指数（压测）"})
    dimension, _ = Dimension.objects.get_or_create(index=index, code="learning", defaults={"name": "学习成长"})
    Rule.objects.get_or_create(
        name="bench: volunteer hours confirmed",
        defaults={
            "dimension": dimension,
            "verb": Verb.CONFIRMED_HOURS,
            "activity_type": ActivityType.VOLUNTEER_ACTIVITY,
            "points": Decimal("1.00"),
        },
    )
    now = timezone.now()
    contest, _ = Contest.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "压测擂台",
            "index": index,
            "starts_at": now - timedelta(days=1),
            "ends_at": now + timedelta(days=30),
            "is_public": True,
        },
    )
    existing = set(User.objects.filter(username__startswith="bench_m").values_list("username", flat=True))
    new = [
        User(username=f"bench_m{i:05d}", display_name=f"党员{i:05d}")
        for i in range(members)
        if f"bench_m{i:05d}" not in existing
    ]
    User.objects.bulk_create(new, batch_size=1000)
    users = User.objects.filter(username__startswith="bench_m")
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=u, role=Role.PARTY_MEMBER) for u in users], ignore_conflicts=True
    )
    if not XapiClient.objects.filter(name=RECORDER_CLIENT).exists():
        xapi_client_create(name=RECORDER_CLIENT, trusted=True)
    board_rebuild(contest=contest, notify=False)
    return contest.pk, sorted(users.values_list("username", flat=True))[:members]


def ledger_top(contest_id: int, limit: int = 20) -> list[tuple[str, str]]:
    from realtime.models import Contest
    from realtime.selectors import board_scores, ranked

    contest = Contest.objects.get(pk=contest_id)
    return [(member, f"{score:.2f}") for _rank, member, score in ranked(board_scores(contest=contest))[:limit]]


# --- the recorder (its own process) ----------------------------------------------------------------------------


def run_recorder(args) -> None:
    setup_django()
    import random
    import uuid

    from django.conf import settings
    from django.contrib.auth import get_user_model

    from core.activity.models import XapiClient
    from core.activity.services import statements_store
    from core.activity.vocabulary import ActivityType, Verb
    from realtime.store import leaderboard_store

    rng = random.Random(args.seed)
    members = get_user_model().objects.filter(username__startswith="bench_m").order_by("username")
    usernames = list(members.values_list("username", flat=True))
    client = XapiClient.objects.get(name=RECORDER_CLIENT)
    store = leaderboard_store()
    batch = max(1, args.batch)
    period = batch / args.rate
    log: list[tuple[float, int]] = []
    start = time.time() + args.stagger  # recorders take turns
    end = start + args.duration
    tick = 0
    recorded = 0
    while True:
        due = start + tick * period
        if due >= end or time.time() >= end:  # a machine that cannot keep the rate records fewer, in time
            break
        pause = due - time.time()
        if pause > 0:
            time.sleep(pause)
        # One xAPI batch (one transaction, scored as a batch) of volunteer hours confirmed, as the trusted client of
        # an HR system sends them. (Course completions would also each cost certification's handler one query.)
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
                    "id": f"https://bench.example/volunteering/{args.phase}/{recorded + n}",
                    "definition": {"type": ActivityType.VOLUNTEER_ACTIVITY, "name": {"zh-CN": "压测志愿服务"}},
                },
            }
            for n in range(batch)
        ]
        statements_store(statements=statements, client=client)
        recorded += batch
        log.append((time.time(), store.version(args.contest_id)))
        tick += 1
    try:
        from realtime import broadcast

        broadcast.publisher().flush()
    except Exception:  # noqa: BLE001
        pass
    elapsed = time.time() - start
    Path(args.out).write_text(json.dumps({"log": log, "recorded": recorded, "elapsed": elapsed}))


# --- the reference broadcaster ---------------------------------------------------------------------------------


def run_reference_server(args) -> None:
    import redis.asyncio as aredis
    from websockets.asyncio.server import broadcast, serve

    raise_file_limit(args.viewers * 2 + 1000)
    clients: set = set()

    async def handler(ws):
        clients.add(ws)
        try:
            if latest:
                await ws.send(latest[0])
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    latest: list[str] = []

    async def main():
        client = aredis.Redis.from_url(args.redis_url)
        pubsub = client.pubsub()
        await pubsub.subscribe(args.channel)
        async with serve(handler, "127.0.0.1", args.port, max_queue=None, compression=None, ping_interval=None):
            async for message in pubsub.listen():
                if message["type"] != "message":
                    continue
                text = message["data"].decode()
                latest[:] = [text]
                broadcast(clients, text)

    asyncio.run(main())


def run_reference_ticker(args) -> None:
    setup_django()
    import redis

    from realtime import broadcast
    from realtime.models import Contest

    contest = Contest.objects.get(pk=args.contest_id)
    client = redis.Redis.from_url(args.redis_url)
    period = 1.0 / args.pushes
    last = -1
    stop = time.time() + args.duration
    while time.time() < stop:
        started = time.time()
        message = broadcast.snapshot(contest)
        if message["version"] > last:
            last = message["version"]
            client.publish(args.channel, broadcast.serialise(message))
        time.sleep(max(0.0, period - (time.time() - started)))


# --- the viewers: raw asyncio websocket clients ------------------------------------------------------------------


class Viewer(RawWebSocket):
    """A leaderboard viewer that reads only the version of each message and keeps the last board."""

    def __init__(self, path: str, host: str, headers: dict[str, str] | None = None):
        super().__init__(path, host, headers)
        self.received: list[tuple[float, int]] = []
        self.last_board: bytes = b""

    def on_text(self, payload: bytes, received_at: float) -> None:
        match = VERSION.search(payload, 0, 200)
        if match and payload.startswith(b'{"type":"leaderboard"'):
            self.received.append((received_at, int(match.group(1))))
            self.last_board = payload


async def connect_viewers(
    ports: list[int], path: str, count: int, cookies: list[str] = (), *, tolerate: bool = False
) -> list[Viewer]:
    """`count` viewers spread over the ports; each tries 8 times. With `tolerate`, viewers that never got in are
    left out (the storm counts them) instead of stopping the run."""
    loop = asyncio.get_running_loop()
    viewers: list[Viewer] = []
    semaphore = asyncio.Semaphore(100)

    async def one(i: int) -> Viewer:
        port = ports[i % len(ports)]
        # Signed-in viewers first, spread over the workers: cookies[j] for viewer j while there are cookies.
        headers = {"Cookie": cookies[i]} if i < len(cookies) else None
        for attempt in range(8):
            async with semaphore:
                try:
                    _transport, viewer = await loop.create_connection(
                        lambda: Viewer(path, f"127.0.0.1:{port}", headers), "127.0.0.1", port
                    )
                    await asyncio.wait_for(viewer.open, 30)
                    return viewer
                except Exception:  # noqa: BLE001 - a full backlog: try again a little later
                    await asyncio.sleep(0.2 * (attempt + 1))
        if tolerate:
            return None
        raise RuntimeError(f"viewer {i} could not connect to port {port}")

    viewers = await asyncio.gather(*(one(i) for i in range(count)))
    return [viewer for viewer in viewers if viewer is not None]


# --- one phase -------------------------------------------------------------------------------------------------


def spawn(role: str, args, env, extra: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - this script
        [sys.executable, __file__, "--role", role, "--redis-url", args.redis_url, *extra],
        env=env,
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def start_servers(
    name: str, args, env, contest_id: int, workdir: Path, viewers: int | None = None
) -> tuple[list[subprocess.Popen], list[int]]:
    """The platform's daphne workers, or the reference's broadcast servers and ticker, ready for viewers."""
    servers: list[subprocess.Popen] = []
    ports = [free_port() for _ in range(args.workers)]
    channel = f"{env['REDIS_KEY_PREFIX']}:bench:reference"
    try:
        if name == "platform":
            for port in ports:
                process = subprocess.Popen(  # noqa: S603
                    [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "core.asgi:application"],
                    env=env,
                    cwd=ROOT,
                    stdout=(workdir / f"daphne-{port}.log").open("w"),
                    stderr=subprocess.STDOUT,
                )
                servers.append(process)
                wait_http(f"http://127.0.0.1:{port}/api/contests/{SLUG}/leaderboard", process)
        else:
            for port in ports:
                process = spawn(
                    "reference-server",
                    args,
                    env,
                    ["--port", str(port), "--channel", channel, "--viewers", str(viewers or args.viewers)],
                    workdir / f"reference-{port}.log",
                )
                servers.append(process)
                wait_port(port, process)
            ticker = spawn(
                "reference-ticker",
                args,
                env,
                [
                    "--channel",
                    channel,
                    "--contest-id",
                    str(contest_id),
                    "--pushes",
                    str(args.pushes),
                    "--duration",
                    str(10**6),  # until stopped
                ],
                workdir / "ticker.log",
            )
            servers.append(ticker)
            time.sleep(1)
    except BaseException:
        stop(servers)
        raise
    return servers, ports


async def storm(name: str, args, env, contest_id: int, workdir: Path, count: int, cookies: list[str]) -> dict:
    """The connection storm: `count` viewers open the board at once (a contest opening at 20:00); the time from
    the first connect to the last viewer's first board, on freshly started servers."""
    servers, ports = start_servers(name, args, env, contest_id, workdir, count)
    viewers: list[Viewer] = []
    try:
        started = time.time()
        viewers = await connect_viewers(
            ports, f"/ws/contests/{SLUG}/", count, cookies if name == "platform" else [], tolerate=True
        )
        connected = time.time() - started
        deadline = time.time() + 120
        while time.time() < deadline and not all(v.received for v in viewers):
            await asyncio.sleep(0.05)
        firsts = [v.received[0][0] - started for v in viewers if v.received]
        return {
            "phase": name,
            "viewers": count,
            "signed_in": len(cookies) if name == "platform" else 0,
            "all_open_s": round(connected, 2),
            "last_first_board_s": round(max(firsts), 2) if firsts else float("nan"),
            "p50_first_board_s": round(percentile(firsts, 50), 2),
            "never_connected": count - len(viewers),
            "without_board": sum(1 for v in viewers if not v.received),
            "dropped_connections": sum(1 for v in viewers if v.closed),
        }
    finally:
        for viewer in viewers:
            viewer.transport.close()
        stop(servers)


def member_sessions(count: int) -> list[str]:
    """Session cookies of `count` people on the board, signed in as a browser would be (cached_db sessions)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore

    from core.people.models import User

    cookies = []
    for user in User.objects.filter(username__startswith="bench_m").order_by("pk")[:count]:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return cookies


async def phase(name: str, args, env, contest_id: int, workdir: Path) -> dict:
    from realtime.store import leaderboard_store

    servers, ports = start_servers(name, args, env, contest_id, workdir)
    duration = args.duration
    try:
        started = time.time()
        viewers = await connect_viewers(ports, f"/ws/contests/{SLUG}/", args.viewers)
        connect_seconds = time.time() - started
        outs, recorders = [], []
        for n in range(args.recorders):
            out = workdir / f"recorder-{name}-{n}.json"
            outs.append(out)
            recorders.append(
                spawn(
                    "recorder",
                    args,
                    env,
                    [
                        "--contest-id",
                        str(contest_id),
                        "--rate",
                        str(args.rate / args.recorders),
                        "--batch",
                        str(args.batch),
                        "--duration",
                        str(duration),
                        "--stagger",
                        str(n * args.batch / args.rate),
                        "--out",
                        str(out),
                        "--phase",
                        f"{name}-{n}",
                        "--seed",
                        str(args.seed * 100 + n + (50 if name == "reference" else 0)),
                    ],
                    workdir / f"recorder-{name}-{n}.log",
                )
            )
        while any(r.poll() is None for r in recorders):
            await asyncio.sleep(0.5)
        for n, recorder in enumerate(recorders):
            if recorder.returncode != 0:
                raise RuntimeError(f"recorder failed: {(workdir / f'recorder-{name}-{n}.log').read_text()[-2000:]}")
        final_version = await asyncio.to_thread(leaderboard_store().version, contest_id)
        deadline = time.time() + args.settle
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
        truth = await asyncio.to_thread(ledger_top, contest_id)
        return summarise(name, viewers, record, final_version, truth, connect_seconds)
    finally:
        for viewer in locals().get("viewers", []) or []:
            viewer.transport.close()
        stop(servers)


def summarise(name, viewers, record, final_version, truth, connect_seconds) -> dict:
    import numpy as np

    log = np.array(record["log"], dtype=float)
    commit_times, commit_versions = log[:, 0], log[:, 1]
    delays = []
    behind = 0
    wrong_board = 0
    dropped = sum(1 for v in viewers if v.closed)
    messages = 0
    for viewer in viewers:
        if not viewer.received:
            behind += 1
            wrong_board += 1
            continue
        got = np.array(viewer.received, dtype=float)
        times, versions = got[:, 0], got[:, 1]
        messages += len(times)
        covered = commit_versions <= versions[-1]
        idx = np.searchsorted(versions, commit_versions[covered], side="left")
        delays.append(times[idx] - commit_times[covered])
        if versions[-1] < final_version:
            behind += 1
        board = json.loads(viewer.last_board)
        seen = [(str(e["user"]), f"{float(e['score']):.2f}") for e in board["entries"]]
        if seen != [(m, s) for m, s in truth] and seen != [(m[1:], s) for m, s in truth]:
            wrong_board += 1
    all_delays = np.concatenate(delays) if delays else np.array([])
    return {
        "phase": name,
        "viewers": len(viewers),
        "connect_s": round(connect_seconds, 1),
        "statements": record["recorded"],
        "rate": round(record["recorded"] / record["elapsed"], 1),
        "recorder_s": round(record["elapsed"], 1),
        "messages_per_viewer": round(messages / max(len(viewers), 1), 1),
        "p50_ms": round(percentile(all_delays, 50) * 1000, 1),
        "p99_ms": round(percentile(all_delays, 99) * 1000, 1),
        "max_ms": round(float(all_delays.max()) * 1000, 1) if len(all_delays) else float("nan"),
        "behind_final_version": behind,
        "boards_differing_from_ledger": wrong_board,
        "dropped_connections": dropped,
    }


# --- main ------------------------------------------------------------------------------------------------------


def create_database(url: str) -> str:
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(url)
    name = f"gp_bench_ws_{os.getpid()}"
    dsn = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"
    if db.get("PASSWORD"):
        dsn += f" password={db['PASSWORD']}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}", dsn, name


def main(args) -> None:
    most = max([args.viewers, *(int(n) for n in args.storm.split(",") if n.strip())])
    limit = raise_file_limit(most * 2 + 2000)
    if limit < most + 500:
        sys.exit(f"open-file limit {limit} is too low for {most} viewers")
    url, admin_dsn, name = create_database(args.database_url)
    workdir = Path(tempfile.mkdtemp(prefix="bench-ws-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": args.redis_url,
        "REDIS_KEY_PREFIX": f"benchws{os.getpid()}",
        "DJANGO_DEBUG": "false",
        "DATABASE_POOL_MAX_SIZE": "8",  # pooled connections per worker, as in production (env.example)
        "DJANGO_SECRET_KEY": "bench-only-" + base64.b64encode(os.urandom(24)).decode(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "LEADERBOARD_PUSHES_PER_SECOND": str(args.pushes),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(env)
    setup_django()
    from django.core.management import call_command

    try:
        print(f"database {name}, work files in {workdir}", flush=True)
        call_command("migrate", "--no-input", verbosity=0)
        contest_id, _users = build_world(args.members)
        with open("/proc/loadavg") as f:
            load_before = f.read().split()[:3]
        storms = [int(n) for n in args.storm.split(",") if n.strip()]
        if storms:
            run_storms(storms, args, env, contest_id, workdir, load_before)
        if args.storm_only:
            return
        results = [asyncio.run(phase("platform", args, env, contest_id, workdir))]
        print(json.dumps(results[-1], ensure_ascii=False), flush=True)
        if not args.skip_reference:
            results.append(asyncio.run(phase("reference", args, env, contest_id, workdir)))
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)
        print()
        print(
            f"viewers={args.viewers} rate={args.rate}/s pushes={args.pushes}/s duration={args.duration}s "
            f"members={args.members} workers={args.workers}; load average before: {' '.join(load_before)}"
        )
        header = (
            "phase",
            "rate",
            "p50_ms",
            "p99_ms",
            "max_ms",
            "messages_per_viewer",
            "behind_final_version",
            "boards_differing_from_ledger",
            "dropped_connections",
        )
        print(" | ".join(header))
        for r in results:
            print(" | ".join(str(r[h]) for h in header))
        if len(results) == 2 and results[1]["p99_ms"] > 0:
            print(f"p99 ratio platform/reference: {results[0]['p99_ms'] / results[1]['p99_ms']:.2f}")
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_database:
            import psycopg

            with psycopg.connect(admin_dsn, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        import redis

        client = redis.Redis.from_url(args.redis_url)
        keys = list(client.scan_iter(f"{env['REDIS_KEY_PREFIX']}:*", count=1000))
        if keys:
            client.delete(*keys)


def run_storms(storms: list[int], args, env, contest_id: int, workdir: Path, load_before) -> None:
    from django.db import connections

    rows = []
    for count in storms:
        cookies = member_sessions(round(count * args.signed_in)) if args.signed_in else []
        # Sessions outnumbering the members repeat people: several tabs or phones of one person.
        cookies = [cookies[i % len(cookies)] for i in range(round(count * args.signed_in))] if cookies else []
        connections.close_all()
        for name in ("platform", "reference"):
            rows.append(asyncio.run(storm(name, args, env, contest_id, workdir, count, cookies)))
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    print()
    print(
        f"connection storm: workers={args.workers}, signed in={args.signed_in:.0%} of the platform's viewers; "
        f"load average before: {' '.join(load_before)}"
    )
    header = (
        "phase",
        "viewers",
        "signed_in",
        "all_open_s",
        "p50_first_board_s",
        "last_first_board_s",
        "never_connected",
        "without_board",
        "dropped_connections",
    )
    print(" | ".join(header))
    for row in rows:
        print(" | ".join(str(row[h]) for h in header))
    for platform, reference in zip(rows[::2], rows[1::2], strict=True):
        if reference["last_first_board_s"] > 0:
            ratio = platform["last_first_board_s"] / reference["last_first_board_s"]
            print(f"{platform['viewers']} viewers: last first board platform/reference = {ratio:.2f}")
    print(flush=True)


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=500, help="statements per second")
    parser.add_argument("--batch", type=int, default=50, help="statements per xAPI batch (one transaction)")
    parser.add_argument("--recorders", type=int, default=2, help="recorder processes sharing the rate")
    parser.add_argument("--duration", type=float, default=30, help="seconds of recording per phase")
    parser.add_argument("--settle", type=float, default=15, help="seconds to wait for the final version")
    parser.add_argument("--members", type=int, default=500, help="people competing")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pushes", type=float, default=4, help="pushes per second per contest")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument(
        "--storm", default="2000,5000", help="viewer counts for the connection-storm phases ('' for none)"
    )
    parser.add_argument("--storm-only", action="store_true", help="only the connection-storm phases")
    parser.add_argument(
        "--signed-in", type=float, default=0.5, help="share of the platform's storm viewers with a session"
    )
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"))
    # internal roles
    parser.add_argument("--role", default="main", help=argparse.SUPPRESS)
    parser.add_argument("--contest-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--stagger", type=float, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--channel", help=argparse.SUPPRESS)
    parser.add_argument("--phase", default="platform", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    {
        "main": main,
        "recorder": run_recorder,
        "reference-server": run_reference_server,
        "reference-ticker": run_reference_ticker,
    }[arguments.role](arguments)
