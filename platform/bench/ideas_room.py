"""An idea page watched live while supports arrive: N websocket viewers, supports at a steady rate, delay and
exactness.

    .venv/bin/python platform/bench/ideas_room.py                        # 500 viewers, 100 supports/s, 20 s
    .venv/bin/python platform/bench/ideas_room.py --viewers 200 --rate 50

Two daphne workers (channels_redis layer, PostgreSQL) serve `ws/ideas/<id>/` (realtime/rooms.py); the viewers
are split across them. Supporter processes (default four, sharing the rate) each support the idea as a different
person through `content.ideas.services.idea_support` (one transaction per support: the support row, the count,
the "supported" statement; the room is told after commit), on a steady schedule, and log the commit time and the
count it produced. A viewer's delay for a support is the time from that commit to the first snapshot the viewer
receives whose support count is at least that support's count. At the end every viewer's last count is compared
with the database's (rows and the idea's count), which must equal the number of supports made.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from leaderboard_ws import create_database, free_port, percentile, setup_django, stop, wait_http  # noqa: E402
from wsclient import RawWebSocket, raise_file_limit  # noqa: E402 - beside this script

SUPPORTS = re.compile(rb'"supports":\s*(\d+)')


def build_world(supporters: int) -> tuple[int, int]:
    """A board (everyone in scope), one idea, and `supporters` people; returns (board id, idea id)."""
    from datetime import timedelta

    from django.utils import timezone
    from wagtail.models import Site

    from content.ideas.models import IdeaBoardPage, IdeasIndexPage
    from content.ideas.services import idea_create
    from core.people.models import User

    home = Site.objects.get(is_default_site=True).root_page.specific
    index = IdeasIndexPage.objects.first() or home.add_child(instance=IdeasIndexPage(title="金点子", slug="ideas"))
    board = IdeaBoardPage.objects.filter(slug="bench").first() or index.add_child(
        instance=IdeaBoardPage(
            title="压测板块", slug="bench", topic="<p>压测</p>", opens_at=timezone.now() - timedelta(days=1)
        )
    )
    author, _ = User.objects.get_or_create(username="bench_author", defaults={"display_name": "压测作者"})
    idea = idea_create(board=board, author=author, title="压测点子", problem="压测", proposal="<p>压测</p>")
    existing = set(User.objects.filter(username__startswith="bench_s").values_list("username", flat=True))
    User.objects.bulk_create(
        [
            User(username=f"bench_s{i:05d}", display_name=f"支持者{i:05d}")
            for i in range(supporters)
            if f"bench_s{i:05d}" not in existing
        ],
        batch_size=1000,
    )
    return board.pk, idea.pk


def run_supporter(args) -> None:
    """Support the idea as people number `first`, `first + step`, ... at `rate` per second; log (commit time, count)."""
    setup_django()
    from content.ideas.models import Idea
    from content.ideas.services import idea_support
    from core.people.models import User
    from realtime.rooms import publisher

    idea = Idea.objects.select_related("board").get(pk=args.idea_id)
    people = list(User.objects.filter(username__startswith="bench_s").order_by("username"))[args.first :: args.step]
    people = people[: int(args.rate * args.duration)]
    interval = 1 / args.rate
    log = []
    started = time.time() + args.stagger
    for n, person in enumerate(people):
        due = started + n * interval
        delay = due - time.time()
        if delay > 0:
            time.sleep(delay)
        fresh, created = idea_support(idea=idea, user=person)
        log.append((time.time(), fresh.support_count, created))
    publisher().flush()
    Path(args.out).write_text(json.dumps({"log": log, "elapsed": time.time() - started}))


class Viewer(RawWebSocket):
    def __init__(self, path: str, host: str):
        super().__init__(path, host)
        self.received: list[tuple[float, int]] = []

    def on_text(self, payload: bytes, received_at: float) -> None:
        if payload.startswith(b'{"type":"snapshot"'):
            match = SUPPORTS.search(payload)
            if match:
                self.received.append((received_at, int(match.group(1))))


async def connect_viewers(ports: list[int], path: str, count: int) -> list[Viewer]:
    loop = asyncio.get_running_loop()
    semaphore = asyncio.Semaphore(100)

    async def one(i: int) -> Viewer:
        port = ports[i % len(ports)]
        for attempt in range(8):
            async with semaphore:
                try:
                    _transport, viewer = await loop.create_connection(
                        lambda: Viewer(path, f"127.0.0.1:{port}"), "127.0.0.1", port
                    )
                    await asyncio.wait_for(viewer.open, 30)
                    return viewer
                except Exception:  # noqa: BLE001 - a full backlog: try again a little later
                    await asyncio.sleep(0.2 * (attempt + 1))
        raise RuntimeError(f"viewer {i} could not connect to port {port}")

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def run(args, env, idea_id: int, workdir: Path) -> dict:
    servers: list[subprocess.Popen] = []
    ports = [int(p) for p in args.ports.split(",")] if args.ports else [free_port() for _ in range(args.workers)]
    viewers: list[Viewer] = []
    try:
        for port in ports:
            process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "core.asgi:application"],
                env=env,
                cwd=ROOT,
                stdout=(workdir / f"daphne-{port}.log").open("w"),
                stderr=subprocess.STDOUT,
            )
            servers.append(process)
            wait_http(f"http://127.0.0.1:{port}/api/ideas/ideas/{idea_id}/live", process)
        started = time.time()
        viewers = await connect_viewers(ports, f"/ws/ideas/{idea_id}/", args.viewers)
        connect_seconds = time.time() - started
        outs, supporters = [], []
        for n in range(args.supporters):
            out = workdir / f"supporter-{n}.json"
            outs.append(out)
            supporters.append(
                subprocess.Popen(  # noqa: S603
                    [
                        sys.executable,
                        __file__,
                        "--role",
                        "supporter",
                        "--idea-id",
                        str(idea_id),
                        "--first",
                        str(n),
                        "--step",
                        str(args.supporters),
                        "--rate",
                        str(args.rate / args.supporters),
                        "--duration",
                        str(args.duration),
                        "--stagger",
                        str(n / args.rate),
                        "--out",
                        str(out),
                    ],
                    env=env,
                    cwd=ROOT,
                    stdout=(workdir / f"supporter-{n}.log").open("w"),
                    stderr=subprocess.STDOUT,
                )
            )
        while any(s.poll() is None for s in supporters):
            await asyncio.sleep(0.5)
        for n, supporter in enumerate(supporters):
            if supporter.returncode != 0:
                raise RuntimeError((workdir / f"supporter-{n}.log").read_text()[-3000:])
        from content.ideas.models import Idea, Support

        final = await asyncio.to_thread(lambda: Idea.objects.get(pk=idea_id).support_count)
        rows = await asyncio.to_thread(lambda: Support.objects.filter(idea_id=idea_id).count())
        deadline = time.time() + args.settle
        while time.time() < deadline:
            if all(v.received and v.received[-1][1] >= final for v in viewers):
                break
            await asyncio.sleep(0.2)
        log = sorted(entry for out in outs for entry in json.loads(out.read_text())["log"])
        return summarise(args, viewers, log, final, rows, connect_seconds)
    finally:
        for viewer in viewers:
            viewer.transport.close()
        stop(servers)


def summarise(args, viewers, log, final, rows, connect_seconds) -> dict:
    import bisect

    made = sum(1 for _t, _count, created in log if created)
    delays = []
    behind = 0
    for viewer in viewers:
        counts = [count for _t, count in viewer.received]
        # The running maximum, so "the first snapshot with at least this count" is one bisect per support.
        best, running = [], 0
        for count in counts:
            running = max(running, count)
            best.append(running)
        for committed_at, count, _created in log:
            i = bisect.bisect_left(best, count)
            if i < len(best):
                delays.append(viewer.received[i][0] - committed_at)
            else:
                behind += 1
    elapsed = (log[-1][0] - log[0][0]) if len(log) > 1 else 0
    wrong = sum(1 for v in viewers if not v.received or v.received[-1][1] != final)
    return {
        "viewers": len(viewers),
        "supports": made,
        "rate": round(made / elapsed, 1) if elapsed else 0,
        "p50_ms": round(percentile(delays, 50) * 1000),
        "p99_ms": round(percentile(delays, 99) * 1000),
        "max_ms": round(max(delays) * 1000) if delays else None,
        "snapshots_per_viewer": round(sum(len(v.received) for v in viewers) / max(1, len(viewers)), 1),
        "supports_never_seen": behind,
        "final_count_db": final,
        "support_rows_db": rows,
        "viewers_with_wrong_final_count": wrong,
        "dropped_connections": sum(1 for v in viewers if v.closed),
        "connect_seconds": round(connect_seconds, 1),
    }


def main(args) -> None:
    limit = raise_file_limit(args.viewers * 2 + 1000)
    if limit < args.viewers + 200:
        sys.exit(f"open-file limit {limit} is too low for {args.viewers} viewers")
    url, admin_dsn, name = create_database(args.database_url)
    workdir = Path(tempfile.mkdtemp(prefix="bench-ideas-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": args.redis_url,
        "REDIS_KEY_PREFIX": f"benchideas{os.getpid()}",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only-" + base64.b64encode(os.urandom(24)).decode(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(env)
    setup_django()
    from django.core.management import call_command

    try:
        print(f"database {name}, work files in {workdir}", flush=True)
        call_command("migrate", "--no-input", verbosity=0)
        _board, idea_id = build_world(int(args.rate * args.duration) + 10)
        with open("/proc/loadavg") as f:
            load_before = " ".join(f.read().split()[:3])
        result = asyncio.run(run(args, env, idea_id, workdir))
        print(json.dumps(result, ensure_ascii=False), flush=True)
        print(
            f"viewers={args.viewers} rate={args.rate}/s duration={args.duration}s workers={args.workers} "
            f"supporters={args.supporters}; load average before: {load_before}"
        )
    finally:
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        import redis

        client = redis.Redis.from_url(args.redis_url)
        keys = list(client.scan_iter(f"{env['REDIS_KEY_PREFIX']}:*", count=1000))
        if keys:
            client.delete(*keys)


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=500)
    parser.add_argument("--rate", type=float, default=100, help="supports per second")
    parser.add_argument("--duration", type=float, default=20, help="seconds of supports")
    parser.add_argument("--settle", type=float, default=15, help="seconds to wait for the final count")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ports", default="", help="the workers' ports, comma-separated (default: free ones)")
    # A supporter waits on PostgreSQL for each of a support's round trips, one support after the other: 100 people
    # supporting a second are concurrent requests, so the rate is shared by several processes.
    parser.add_argument("--supporters", type=int, default=4, help="supporter processes sharing the rate")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4"))
    parser.add_argument("--role", default="main", help=argparse.SUPPRESS)
    parser.add_argument("--idea-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--first", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--step", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--stagger", type=float, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    if arguments.role == "supporter":
        run_supporter(arguments)
    else:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        main(arguments)
