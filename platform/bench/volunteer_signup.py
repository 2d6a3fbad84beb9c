"""Volunteer sign-up storm: many volunteers sign up for a few activities at once while pages watch the places.

    flock /tmp/bench.lock .venv/bin/python platform/bench/volunteer_signup.py            # the issue's scale
    flock /tmp/bench.lock .venv/bin/python platform/bench/volunteer_signup.py --volunteers 500 --activities 10 \
        --watchers 500 --seconds 10                                                      # a busy machine

The issue's scale: 2,000 volunteers sign up for 20 activities of 50 places within 10 s on two daphne workers,
with 2,000 pages watching (each on `ws/volunteering/<activity>/`, the live room, spread over the workers and the
activities). Signer processes call the sign-up service (`signup_create`, the same function the page and the API
call; one transaction under the lock of the shift's places row, the room push after commit) at a steady pace,
each process one sign-up after the other, as before; after each sign-up they log its commit time and id. The
page's request around the service (session, CSRF, the shift's read) is not part of it. Afterwards each sign-up's
rank among its shift's sign-ups (confirmed + waiting; nobody cancels) is read from the database, so the signers
spend nothing on measuring. A watcher's delay
for a sign-up is the time from its commit to the first snapshot the watcher receives that counts at least that
many sign-ups. At the end: no shift has more confirmed than places, and every watcher's last snapshot equals the
database (confirmed, waiting). The workers run with production settings (`DJANGO_DEBUG=false`, pooled database
connections, `DATABASE_POOL_MAX_SIZE`). With `--profile DIR`, py-spy records the first worker and the first
signer during the storm (raw stacks in DIR).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from leaderboard_ws import create_database, free_port, percentile, setup_django, stop, wait_http  # noqa: E402
from wsclient import RawWebSocket, raise_file_limit  # noqa: E402


def build_world(volunteers: int, activities: int, places: int) -> list[int]:
    import datetime as dt

    from django.utils import timezone

    from content.volunteering.models import Activity, Shift, Team, TeamMembership
    from core.people.models import OrgUnit, User

    unit = OrgUnit.add_root(name="压测市", code="bench", kind=OrgUnit.Kind.CITY)
    leader = User.objects.create(username="bench_leader", display_name="压测队长")
    team = Team.objects.create(name="压测志愿服务队", org_unit=unit)
    TeamMembership.objects.create(team=team, user=leader, role="leader", status="active")
    start = (timezone.localtime() + dt.timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    ids = []
    for n in range(activities):
        activity = Activity.objects.create(
            team=team,
            title=f"压测活动 {n}",
            category="civility",
            address="压测广场",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            visibility="public",
        )
        Shift.objects.create(activity=activity, label="上午", length_minutes=180, capacity=places)
        ids.append(activity.pk)
    User.objects.bulk_create(
        [User(username=f"bench_v{i:05d}", display_name=f"志愿者{i:05d}") for i in range(volunteers)], batch_size=1000
    )
    return ids


# --- a signer process ---------------------------------------------------------------------------------------


def run_signer(args) -> None:
    setup_django()
    from content.volunteering.models import Shift
    from content.volunteering.services import signup_create
    from core.people.models import User
    from realtime.rooms import publisher

    ids = [int(i) for i in args.activity_ids.split(",")]
    shifts = {s.activity_id: s for s in Shift.objects.filter(activity_id__in=ids).select_related("activity")}
    people = list(User.objects.filter(username__startswith="bench_v").order_by("username"))
    mine = [(i, p) for i, p in enumerate(people) if i % args.signers == args.index]
    # Load the channel layer now, as a running worker has it: the first room notice otherwise imports it on the
    # publisher's thread in the storm's first second (a profile showed 14 % of a signer's samples there).
    from channels.layers import get_channel_layer

    get_channel_layer()
    publisher()
    # Ready (Django loaded, people read): say so, then wait for the common start time from the main process, so a
    # signer slow to start on a loaded machine does not begin late and then rush.
    Path(args.out + ".ready").write_text("ready")
    go = Path(args.out).with_name("go")
    while not go.exists():
        time.sleep(0.01)
    start = float(go.read_text())
    period = args.seconds / max(1, len(mine))
    log = []
    for n, (i, person) in enumerate(mine):
        due = start + n * period
        pause = due - time.time()
        if pause > 0:
            time.sleep(pause)
        shift = shifts[ids[i % len(ids)]]
        occurrence = shift.activity.starts_at
        signup, _created = signup_create(user=person, shift=shift, occurrence=occurrence)
        log.append((time.time(), shift.activity_id, signup.pk))
    # The room notices go out from a background thread: send the last ones before this process exits (a smoke run
    # lost its last sign-up's push for one room without this).
    publisher().flush()
    Path(args.out).write_text(json.dumps(log))


# --- watchers ------------------------------------------------------------------------------------------------


# The first shift's counts in a snapshot (the activity has one shift); a regex, not json.loads, because the watchers
# share this one process and the machine with the server.
COUNTS = re.compile(rb'"confirmed":(\d+),"waiting":(\d+)')


class Watcher(RawWebSocket):
    def __init__(self, path: str, host: str):
        super().__init__(path, host)
        self.seen: list[tuple[float, int]] = []  # (received at, confirmed + waiting)
        self.last: tuple[int, int] | None = None  # (confirmed, waiting)

    def on_text(self, payload: bytes, received_at: float) -> None:
        if not payload.startswith(b'{"type":"snapshot"'):
            return
        found = COUNTS.search(payload)
        if found is None:
            return
        self.last = (int(found[1]), int(found[2]))
        self.seen.append((received_at, self.last[0] + self.last[1]))


async def connect(ports: list[int], ids: list[int], count: int) -> list[Watcher]:
    loop = asyncio.get_running_loop()
    semaphore = asyncio.Semaphore(100)

    async def one(i: int) -> Watcher:
        port = ports[i % len(ports)]
        path = f"/ws/volunteering/{ids[i % len(ids)]}/"
        for attempt in range(8):
            async with semaphore:
                try:
                    _t, watcher = await loop.create_connection(
                        lambda: Watcher(path, f"127.0.0.1:{port}"), "127.0.0.1", port
                    )
                    await asyncio.wait_for(watcher.open, 30)
                    watcher.activity = ids[i % len(ids)]
                    return watcher
                except Exception:  # noqa: BLE001 - a full backlog: try again a little later
                    await asyncio.sleep(0.2 * (attempt + 1))
        raise RuntimeError(f"watcher {i} could not connect")

    return list(await asyncio.gather(*(one(i) for i in range(count))))


def ranks(log: list[tuple]) -> list[tuple[float, int, int]]:
    """(commit time, activity, rank among the shift's live sign-ups) for each logged (time, activity, sign-up id)."""
    from content.volunteering.models import SignUp

    order: dict[int, list[int]] = {}
    for pk, shift_id in SignUp.objects.exclude(status="cancelled").order_by("pk").values_list("pk", "shift_id"):
        order.setdefault(shift_id, []).append(pk)
    rank = {pk: n for pks in order.values() for n, pk in enumerate(pks, start=1)}
    return [(committed, activity, rank[pk]) for committed, activity, pk in log]


def profile(pid: int, out: Path, seconds: float) -> subprocess.Popen:
    spy = Path(sys.executable).with_name("py-spy")
    return subprocess.Popen(  # noqa: S603
        [str(spy), "record", "--pid", str(pid), "--rate", "50", "--format", "raw", "--idle"]
        + ["--duration", str(int(seconds) + 1), "--output", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


async def storm(args, env, ids: list[int], workdir: Path) -> dict:
    servers: list[subprocess.Popen] = []
    ports = [args.port + n for n in range(args.workers)] if args.port else [free_port() for _ in range(args.workers)]
    watchers: list[Watcher] = []
    signers: list[subprocess.Popen] = []
    spies: list[subprocess.Popen] = []
    try:
        for port in ports:
            process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "core.asgi:application"],
                env={**env, "DATABASE_POOL_MAX_SIZE": str(args.pool)},
                cwd=ROOT,
                stdout=(workdir / f"daphne-{port}.log").open("w"),
                stderr=subprocess.STDOUT,
            )
            servers.append(process)
            wait_http(f"http://127.0.0.1:{port}/api/volunteering/activities/{ids[0]}", process, timeout=300)
        watchers = await connect(ports, ids, args.watchers)
        deadline = time.time() + 60
        while time.time() < deadline and not all(w.seen for w in watchers):
            await asyncio.sleep(0.05)
        outs = [workdir / f"signer-{n}.json" for n in range(args.signers)]
        for n in range(args.signers):
            signers.append(
                subprocess.Popen(  # noqa: S603
                    [
                        sys.executable,
                        __file__,
                        "--role",
                        "signer",
                        "--index",
                        str(n),
                        "--signers",
                        str(args.signers),
                        "--activity-ids",
                        ",".join(map(str, ids)),
                        "--seconds",
                        str(args.seconds),
                        "--out",
                        str(outs[n]),
                    ],
                    env=env,
                    cwd=ROOT,
                    stdout=(workdir / f"signer-{n}.log").open("w"),
                    stderr=subprocess.STDOUT,
                )
            )
        while not all(Path(str(out) + ".ready").exists() for out in outs):
            if any(s.poll() is not None for s in signers):
                raise RuntimeError(f"a signer failed; see {workdir}")
            await asyncio.sleep(0.1)
        start_at = time.time() + 1
        (workdir / "go.tmp").write_text(repr(start_at))
        (workdir / "go.tmp").rename(workdir / "go")  # appears whole: the signers read it at once
        if args.profile:
            await asyncio.sleep(max(0.0, start_at - time.time()))
            spies.append(profile(servers[0].pid, Path(args.profile) / "worker.raw", args.seconds))
            spies.append(profile(signers[0].pid, Path(args.profile) / "signer.raw", args.seconds))
        while any(s.poll() is None for s in signers):
            await asyncio.sleep(0.1)
        if any(s.returncode for s in signers):
            raise RuntimeError(f"a signer failed; see {workdir}")
        logged = [tuple(row) for out in outs for row in json.loads(out.read_text())]
        wall = max(r[0] for r in logged) - start_at
        # let the last pushes arrive (coalesced at 4 a second): wait until every watcher counts every sign-up
        final: dict[int, int] = {}
        for _committed, activity, _pk in logged:
            final[activity] = final.get(activity, 0) + 1
        deadline = time.time() + 30
        while time.time() < deadline and not all(w.seen and w.seen[-1][1] >= final[w.activity] for w in watchers):
            await asyncio.sleep(0.05)
    finally:
        for watcher in watchers:
            watcher.transport.close()
        for spy in spies:
            spy.wait(timeout=60)
        stop(signers + servers)

    from content.volunteering.models import Shift, SignUp

    log = ranks(logged)  # read now, not while pushes were still arriving
    truth = {}
    for shift in Shift.objects.filter(activity_id__in=ids):
        confirmed = SignUp.objects.filter(shift=shift, status="confirmed").count()
        waiting = SignUp.objects.filter(shift=shift, status="waiting").count()
        truth[shift.activity_id] = (confirmed, waiting, shift.capacity)
    overbooked = sum(1 for c, _w, cap in truth.values() if c > cap)
    wrong = sum(1 for w in watchers if w.last != truth[w.activity][:2])
    by_activity: dict[int, list[Watcher]] = {}
    for w in watchers:
        by_activity.setdefault(w.activity, []).append(w)
    delays = []
    missed = 0
    for committed, activity, rank in log:
        for w in by_activity.get(activity, []):
            first = next((at for at, count in w.seen if count >= rank and at >= committed - 1), None)
            if first is None:
                missed += 1
            else:
                delays.append(max(0.0, first - committed) * 1000)
    return {
        "volunteers": len(log),
        "activities": len(ids),
        "places_each": args.places,
        "watchers": args.watchers,
        "workers": args.workers,
        "signers": args.signers,
        "sign_up_wall_s": round(wall, 2),
        "sign_ups_per_s": round(len(log) / wall, 1) if wall > 0 else None,
        "confirmed_total": sum(c for c, _w, _cap in truth.values()),
        "waiting_total": sum(w for _c, w, _cap in truth.values()),
        "overbooked_shifts": overbooked,
        "watchers_final_count_wrong": wrong,
        "p50_ms": round(percentile(delays, 50), 1),
        "p99_ms": round(percentile(delays, 99), 1),
        "max_ms": round(max(delays), 1) if delays else None,
        "deliveries_measured": len(delays),
        "deliveries_missed": missed,
    }


def load_average() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main(args) -> None:
    raise_file_limit(args.watchers * 2 + 2000)
    url, admin_dsn, name = create_database(args.database_url)
    workdir = Path(tempfile.mkdtemp(prefix="bench-vol-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": args.redis_url,
        "REDIS_KEY_PREFIX": f"benchvol{os.getpid()}",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only-" + base64.b64encode(os.urandom(24)).decode(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(env)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the final count is read after the watchers' loop, in it
    setup_django()
    from django.core.management import call_command
    from django.db import connections

    try:
        print(f"database {name}, work files in {workdir}", flush=True)
        call_command("migrate", "--no-input", verbosity=0)
        ids = build_world(args.volunteers, args.activities, args.places)
        connections.close_all()
        result = {"load_before": load_average()}
        result = {**asyncio.run(storm(args, env, ids, workdir)), **result, "load_after": load_average()}
        print(json.dumps(result, ensure_ascii=False), flush=True)
    finally:
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
    parser.add_argument("--role", default="main", choices=["main", "signer"])
    parser.add_argument("--volunteers", type=int, default=2000)
    parser.add_argument("--activities", type=int, default=20)
    parser.add_argument("--places", type=int, default=50)
    parser.add_argument("--watchers", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10.0, help="the sign-ups are spread over this many seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--signers", type=int, default=8, help="signer processes (each one database connection)")
    parser.add_argument("--pool", type=int, default=8, help="pooled database connections per worker")
    parser.add_argument("--port", type=int, default=0, help="the first worker's port (default: free ports)")
    parser.add_argument("--profile", default="", help="a folder for py-spy's raw stacks of a worker and a signer")
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    # signer only
    parser.add_argument("--index", type=int, default=0)
    parser.add_argument("--activity-ids", default="")
    parser.add_argument("--out", default="")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    if arguments.role == "signer":
        run_signer(arguments)
    else:
        main(arguments)
