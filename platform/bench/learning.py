"""Learning under load: the catalogue page and the lesson-progress endpoint, against daphne and PostgreSQL.

    .venv/bin/python platform/bench/learning.py                   # 34,000 shops, 50 users, 20 s per phase
    .venv/bin/python platform/bench/learning.py --users 50 --seconds 20 --workers 2
    .venv/bin/python platform/bench/learning.py --phases home --shops 2000   # the home page only, a smaller city

The demo city at 34,000 shops lives in its own database (gp_bench_learning), seeded once and reused. Two
daphne workers (DEBUG off, Redis cache, static files collected once) serve it; a second process (this one)
plays N concurrent users with an asyncio HTTP client:

1. catalogue: each user GETs the course catalogue page (the category filter rotates) as a visitor without a
   session, pausing about --think seconds between pages like a person reading (default 1 s: each user starts
   at a random moment and pauses 0.5-1.5 times that, so 50 users do not arrive in step); then again back to
   back, for the saturation throughput; then signed in (each user with their own session), pausing likewise;
2. progress over the lesson's socket, as the lesson page reports it: --players signed-in shop owners who
   opened a video lesson each hold ws/learning/lessons/<id>/progress/ open and report their position once a
   second of playback (starting at random moments, ±--jitter), waiting for each answer as the page does;
   the phase counts the reports the server credited and times each from send to answer;
3. progress over HTTP, as API clients report it: the first --users of them POST their position to
   /api/learning/lessons/<id>/progress back to back (with session and CSRF, as a browser would);
4. home: each signed-in shop owner GETs the home page (its "为你推荐" block reads their statements and ranks
   with the trained model on every request), back to back. A model is trained first if the database has none.

--phases picks some of catalogue, progress, home (default: all); --shops seeds a smaller city into its own
database (gp_bench_learning_<shops>) when the machine is too busy for 34,000.

Each user holds one keep-alive connection to one worker, as a phone's browser does; the client is a small
asyncio HTTP/1.1 client (below), so that the load generator takes as little of the shared CPU as it can.
It prints p50/p99 latency and requests per second for each phase. Goals: catalogue p99 < 100 ms at 50 users,
at least 500 progress updates per second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from wsclient import RawWebSocket, raise_file_limit  # noqa: E402 - beside this script

DB_NAME = "gp_bench_learning"
SHOPS = 34000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(values, q)) if values else float("nan")


def db_name(shops: int) -> str:
    return DB_NAME if shops == SHOPS else f"{DB_NAME}_{shops}"


def base_env(database_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "REDIS_KEY_PREFIX": "benchlearning",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-learning-not-secret",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(Path(tempfile.gettempdir()) / "gp_bench_learning_static"),
        "MEDIA_ROOT": str(Path(tempfile.gettempdir()) / "gp_bench_learning_media"),
        # the model the home page ranks with belongs to the benchmark's database, not to the checkout's demo
        "RECOMMENDER_MODEL_DIR": str(Path(tempfile.gettempdir()) / f"{database_url.rsplit('/', 1)[-1]}_models"),
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare(database_url: str, admin_dsn: str, env: dict, shops: int = SHOPS) -> None:
    import psycopg

    name = db_name(shops)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    started = time.monotonic()
    manage(env, "migrate", "--no-input", "-v0")
    seeded = manage(
        env, "shell", "-c", "from content.learning.models import CoursePage; print(CoursePage.objects.count())"
    )
    if int(seeded.strip().splitlines()[-1]) < 60:
        print(f"seeding the demo at {shops} shops into {name} (once) ...", flush=True)
        manage(env, "seed_demo", "--shops", str(shops), "--seed", "42", "--no-progress")
    if not (Path(env["RECOMMENDER_MODEL_DIR"]) / "current").exists():
        print("training the recommender (once) ...", flush=True)
        manage(env, "train_recommender", "--no-progress")
    if not (Path(env["STATIC_ROOT"]) / "staticfiles.json").exists():
        manage(env, "collectstatic", "--no-input", "-v0")
    print(f"database ready in {time.monotonic() - started:.0f} s", flush=True)


SETUP_SESSIONS = """
import json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from importlib import import_module
from django.conf import settings
SessionStore = import_module(settings.SESSION_ENGINE).SessionStore
from django.middleware.csrf import _get_new_csrf_string
from content.learning import services
from content.learning.models import CourseIndexPage, LessonPage
from core.people.models import Shop

n = USERS
lesson = LessonPage.objects.live().filter(kind="video").order_by("pk").first()
owners = list(Shop.objects.filter(owner__isnull=False).order_by("licence_number").values_list("owner", flat=True)[:n])
users = list(get_user_model().objects.filter(pk__in=owners))
out = []
for user in users:
    services.lesson_view(user=user, lesson=lesson)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    out.append({"session": session.session_key, "csrf": _get_new_csrf_string()})
print(json.dumps({"lesson": lesson.pk, "catalogue": CourseIndexPage.objects.first().url, "users": out}))
"""


def start_workers(
    env: dict, count: int, first_port: int | None = None, ready_path: str = "/"
) -> list[tuple[subprocess.Popen, str]]:
    """`count` daphne workers on free ports, or on first_port, first_port + 1 ... (a range given to a bench); each is
    ready when `ready_path` answers."""
    import urllib.request

    workers = []
    for n in range(count):
        port = free_port() if first_port is None else first_port + n
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "core.asgi:application"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        workers.append((process, f"http://127.0.0.1:{port}"))
    for process, url in workers:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"daphne at {url} exited")
            try:
                with urllib.request.urlopen(url + ready_path, timeout=5):  # noqa: S310 - our own loopback server
                    break
            except Exception:  # noqa: BLE001
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
    return workers


class Connection:
    """One keep-alive HTTP/1.1 connection, as a phone's browser holds it: a request at a time.

    A deliberately small client (asyncio streams, Content-Length or chunked bodies) so that the load
    generator, which shares the machine's two cores with the server, spends as little CPU as it can
    (see BENCHMARKS.md for what httpx cost).
    """

    def __init__(self, url: str):
        host, _sep, port = url.removeprefix("http://").partition(":")
        self.host, self.port = host, int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cookies: dict[str, str] = {}

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def request(self, method: str, target: str, headers: dict | None = None, body: bytes = b"") -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        if self.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        length, chunked, close = None, False, False
        for line in head[1:]:
            name, _sep, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and value.lower() == "close":
                close = True
            elif name == "set-cookie":
                cookie, _sep, attributes = value.partition(";")
                key, _sep, val = cookie.partition("=")
                if "max-age=0" in attributes.lower():
                    self.cookies.pop(key.strip(), None)
                else:
                    self.cookies[key.strip()] = val.strip()
        if chunked:
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length is not None:
            await self.reader.readexactly(length)
        else:
            await self.reader.read()
            close = True
        if close:
            await self.close()
        return status


class Player(RawWebSocket):
    """A lesson page's progress socket, opened with the person's session cookie: a report at a time."""

    def __init__(self, path: str, host: str, session: str):
        super().__init__(path, host, {"Cookie": f"sessionid={session}"})
        self.answer: asyncio.Future | None = None

    def on_text(self, payload: bytes, received_at: float) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_result(payload)

    def on_closed(self, exc: BaseException | None) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(exc or ConnectionError("closed"))

    async def report(self, position: float) -> bytes:
        self.answer = asyncio.get_running_loop().create_future()
        self.send_text(json.dumps({"position_seconds": position}).encode())
        return await self.answer


async def run_players(urls: list[str], lesson: int, sessions: list[dict], seconds: float, jitter: float) -> dict:
    """Each player holds the lesson's progress socket open and reports once a second, as the lesson page does."""
    loop = asyncio.get_running_loop()
    path = f"/ws/learning/lessons/{lesson}/progress/"
    gate = asyncio.Semaphore(50)

    async def connect(n: int) -> Player:
        host = urls[n % len(urls)].removeprefix("http://")
        address, _sep, port = host.partition(":")
        async with gate:
            _transport, player = await loop.create_connection(
                lambda: Player(path, host, sessions[n]["session"]), address, int(port)
            )
            await asyncio.wait_for(player.open, 30)
        return player

    started = time.monotonic()
    players = await asyncio.gather(*(connect(n) for n in range(len(sessions))))
    print(f"{len(players)} progress sockets open in {time.monotonic() - started:.1f} s", flush=True)
    latencies: list[float] = []
    errors: dict[str, int] = {}
    stop_at = time.monotonic() + seconds

    async def play(number: int, player: Player):
        pauses = random.Random(number)
        await asyncio.sleep(pauses.uniform(0, 1))
        position = 0.0
        while time.monotonic() < stop_at:
            position += 1.0
            sent = time.perf_counter()
            try:
                answer = await asyncio.wait_for(player.report(position), 30)
            except (OSError, ConnectionError, TimeoutError) as exc:
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                return
            latencies.append(time.perf_counter() - sent)
            if not answer.startswith(b'{"type":"progress"'):
                key = answer[:80].decode(errors="replace")
                errors[key] = errors.get(key, 0) + 1
            await asyncio.sleep(max(0.0, pauses.uniform(1 - jitter, 1 + jitter) - (time.perf_counter() - sent)))

    begun = time.monotonic()
    await asyncio.gather(*(play(n, player) for n, player in enumerate(players)))
    elapsed = time.monotonic() - begun
    for player in players:
        player.transport.close()
    credited = len(latencies) - sum(count for key, count in errors.items() if key.startswith("{"))
    result = {
        "phase": "progress (socket)",
        "requests": len(latencies),
        "errors": sum(errors.values()),
        "per_second": credited / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
    }
    print(
        f"{'progress (socket)':>24}: {len(players)} players, {result['requests']} reports, {credited} credited, "
        f"{result['per_second']:.0f} credited/s, p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms; "
        f"errors {errors}",
        flush=True,
    )
    return result


async def run_phase(
    name: str, urls: list[str], users: int, seconds: float, make_request, think: float = 0, jitter: float = 0.5
) -> dict:
    from collections import Counter

    latencies: list[float] = []
    errors = 0
    statuses: Counter = Counter()
    # One connection per user, each user on one worker (as a browser keeps its connection).
    connections = [Connection(urls[n % len(urls)]) for n in range(users)]
    # Warm up every worker (templates, caches) before measuring.
    for i, connection in enumerate(connections[: len(urls) * 5]):
        await make_request(connection, i)
    stop_at = time.monotonic() + seconds

    async def user(number: int):
        nonlocal errors
        connection = connections[number]
        # People reading pages do not move in step: each starts at a random moment within the first pause
        # and pauses between 1 - jitter and 1 + jitter times --think (seeded, so runs are comparable).
        pauses = random.Random(number)
        if think and jitter:
            await asyncio.sleep(pauses.uniform(0, think))
        count = 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                status = await asyncio.wait_for(make_request(connection, number * 100000 + count), 30)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError) as exc:
                status = 599
                statuses[type(exc).__name__] += 1
                await connection.close()
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1
            if status >= 400:
                errors += 1
            count += 1
            if think:
                await asyncio.sleep(pauses.uniform((1 - jitter) * think, (1 + jitter) * think))

    started = time.monotonic()
    await asyncio.gather(*(user(n) for n in range(users)))
    elapsed = time.monotonic() - started
    for connection in connections:
        await connection.close()
    result = {
        "phase": name,
        "requests": len(latencies),
        "errors": errors,
        "per_second": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
    }
    print(
        f"{name:>24}: {result['requests']} requests, {errors} errors, {result['per_second']:.0f}/s, "
        f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms; statuses {dict(statuses)}",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument(
        "--players",
        type=int,
        default=1000,
        help="Learners playing a video, each reporting over its socket every second.",
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--think", type=float, default=1.0, help="Seconds a catalogue user pauses between pages (0: back to back)."
    )
    parser.add_argument(
        "--jitter",
        type=float,
        default=0.5,
        help="Pauses vary by this share of --think, and users start spread over one pause (0: all in step).",
    )
    parser.add_argument("--pool", type=int, default=8, help="pooled database connections per worker (0: none)")
    parser.add_argument("--shops", type=int, default=SHOPS, help="the city's size (its own database)")
    parser.add_argument(
        "--phases", default="catalogue,progress,home", help="comma-separated: catalogue, progress, home"
    )
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"))
    args = parser.parse_args()

    import dj_database_url

    database_url = f"{args.postgres.rstrip('/')}/{db_name(args.shops)}"
    phases = set(args.phases.split(","))
    db = dj_database_url.parse(database_url)
    admin_dsn = f"host={db['HOST']} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"
    if db.get("PASSWORD"):
        admin_dsn += f" password={db['PASSWORD']}"
    env = base_env(database_url)
    prepare(database_url, admin_dsn, env, args.shops)
    env = {**env, "DATABASE_POOL_MAX_SIZE": str(args.pool)}
    raise_file_limit(args.players + args.users + 200)
    script = SETUP_SESSIONS.replace("USERS", str(max(args.users, args.players)))
    setup = json.loads(manage(env, "shell", "-c", script).strip().splitlines()[-1])
    workers = start_workers(env, args.workers)
    urls = [url for _process, url in workers]
    categories = ["", "?category=display", "?category=analysis", "?category=digital", "?category=law"]
    catalogue = setup["catalogue"]
    lesson = setup["lesson"]
    sessions = setup["users"]

    async def catalogue_request(connection, n):
        return await connection.request("GET", catalogue + categories[n % len(categories)])

    async def signed_in_catalogue_request(connection, n):
        user = sessions[(n // 100000) % len(sessions)]
        connection.cookies.setdefault("sessionid", user["session"])
        return await connection.request("GET", catalogue + categories[n % len(categories)])

    positions: dict[int, float] = {}

    async def progress_request(connection, n):
        key = (n // 100000) % len(sessions)
        user = sessions[key]
        positions[key] = positions.get(key, 0.0) + 0.5
        connection.cookies.update({"sessionid": user["session"], "csrftoken": user["csrf"]})
        body = json.dumps({"position_seconds": positions[key]}).encode()
        headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": user["csrf"],
            "Referer": f"http://{connection.host}:{connection.port}/",
        }
        return await connection.request("POST", f"/api/learning/lessons/{lesson}/progress", headers, body)

    async def home_request(connection, n):
        user = sessions[(n // 100000) % len(sessions)]
        connection.cookies.setdefault("sessionid", user["session"])
        return await connection.request("GET", "/")

    try:
        load = os.getloadavg()
        mode = f"database pool of {args.pool} per worker" if args.pool else "a database connection per request"
        print(f"load before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {args.workers} daphne workers; {mode}")
        if "home" in phases:
            asyncio.run(run_phase("home (signed in)", urls, args.users, args.seconds, home_request))
        if "catalogue" in phases:
            asyncio.run(
                run_phase(
                    f"catalogue (think {args.think:g} s)",
                    urls,
                    args.users,
                    args.seconds,
                    catalogue_request,
                    args.think,
                    args.jitter,
                )
            )
            asyncio.run(run_phase("catalogue (back to back)", urls, args.users, args.seconds, catalogue_request))
            asyncio.run(
                run_phase(
                    f"signed in (think {args.think:g} s)",
                    urls,
                    args.users,
                    args.seconds,
                    signed_in_catalogue_request,
                    args.think,
                    args.jitter,
                )
            )
        if "progress" in phases:
            asyncio.run(run_players(urls, lesson, sessions[: args.players], args.seconds, args.jitter))
            asyncio.run(run_phase("progress (HTTP)", urls, args.users, args.seconds, progress_request))
        load = os.getloadavg()
        print(f"load after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", flush=True)
    finally:
        for process, _url in workers:
            process.terminate()
        for process, _url in workers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
