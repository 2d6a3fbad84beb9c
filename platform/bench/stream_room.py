"""A livestream room under load: N viewers on two daphne workers, chat at a steady rate, a product switch every 10 s.

    flock /tmp/bench.lock .venv/bin/python platform/bench/stream_room.py                  # 2,000 viewers, 50 msg/s
    flock /tmp/bench.lock .venv/bin/python platform/bench/stream_room.py --viewers 500 --rate 20

On a fresh PostgreSQL database: one live stream with eight products; `--chatters` signed-in people (sessions as a
browser has them) and the rest anonymous viewers (the stream is open to everyone), split across the workers on
`ws/livestreams/<id>/` (realtime/rooms.py through channels_redis). The chatters send chat messages over their own
sockets, taking turns so that the room gets `--rate` messages a second and nobody exceeds the per-person limit;
every `--switch` seconds the host pins another product (the real service, from this process, its notice through
Redis). Each message names its sequence number; each viewer records when it saw each one.

Figures: delay from send (chat) or commit (pin) to every viewer's receipt, p50/p99/max; messages lost to a connected
viewer (stored messages a viewer never received); refusals (rate limit); and whether the room's viewer count
(`room_viewer_count`, across workers) equals the viewers connected at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from array import array
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from wsclient import RawWebSocket, raise_file_limit  # noqa: E402 - beside this script

CHAT = re.compile(rb'"text":"b(\d+)"')
PIN = re.compile(rb'"kind":"pin","product":\{"id":(\d+)')
# The room's pushes are serialised compactly (realtime.broadcast.serialise); a consumer's own answers by Channels'
# `send_json`, with a space after the colon.
ERROR = re.compile(rb'^\{"type": ?"error"')
VIEWERS = re.compile(rb'"viewers":(\d+)')


class Contents(NamedTuple):
    """What one frame's text holds for the figures."""

    chat: tuple[int, ...] = ()  # sequence numbers of the chat messages in it
    pins: tuple[int, ...] = ()  # products pinned
    viewers: int | None = None  # a snapshot's viewer count
    error: bool = False


def read_contents(payload: bytes) -> Contents:
    if payload.startswith(b'{"type":"events"'):
        return Contents(
            chat=tuple(int(m.group(1)) for m in CHAT.finditer(payload)),
            pins=tuple(int(m.group(1)) for m in PIN.finditer(payload)),
        )
    if payload.startswith(b'{"type":"snapshot"'):
        match = VIEWERS.search(payload)
        return Contents(viewers=int(match.group(1)) if match else None)
    return Contents(error=bool(ERROR.match(payload)))


# Each worker sends one push as the same bytes to every viewer it serves, so the load generator reads each distinct
# text once (about 20 a second) instead of once per viewer (about 20,000 a second at 2,000 viewers), which left its
# own loop late. Every viewer still records every frame it received, and every message is checked per viewer.
_contents: list[Contents] = []
_numbers: dict[bytes, int] = {}  # a text -> its contents' place in `_contents`


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values, q: float) -> float:
    import numpy as np

    return float(np.percentile(values, q)) if len(values) else float("nan")


def wait_http(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status < 500:
                    return
        except Exception:  # noqa: BLE001 - keep polling
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer")


def create_database(url: str, template: str = ""):
    """A fresh database for this run; with `template`, a copy of that migrated database (made on first use), which
    saves the migrations' minutes on a loaded machine."""
    import dj_database_url
    import psycopg

    db = dj_database_url.parse(url)
    name = f"gp_bench_stream_{os.getpid()}"
    dsn = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname=postgres"
    if db.get("PASSWORD"):
        dsn += f" password={db['PASSWORD']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    server = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if template and not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone():
            conn.execute(f'CREATE DATABASE "{template}"')
            subprocess.run(  # noqa: S603
                [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
                cwd=ROOT,
                env={**os.environ, "DATABASE_URL": f"{server}/{template}", "REDIS_URL": ""},
                check=True,
            )
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return f"{server}/{name}", dsn, name


def build_world(chatters: int):
    """A live stream, its host, eight products, and `chatters` people with browser sessions."""
    from datetime import timedelta
    from decimal import Decimal

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.utils import timezone
    from wagtail.models import Site

    from content.livestreams import services
    from content.livestreams.models import StreamIndexPage, StreamPage, StreamProduct
    from core.people.models import User

    password = make_password("bench-only")
    host = User.objects.create(username="bench_host", display_name="主播", password=password, is_superuser=True)
    people = User.objects.bulk_create(
        [User(username=f"bench_c{i:05d}", display_name=f"观众{i}", password=password) for i in range(chatters)]
    )
    home = Site.objects.get(is_default_site=True).root_page.specific
    index = home.add_child(instance=StreamIndexPage(title="直播", slug="live"))
    now = timezone.now()
    stream = StreamPage(title="压测直播间", slug="bench", host=host, starts_at=now, ends_at=now + timedelta(hours=2))
    for n in range(8):
        stream.products.add(StreamProduct(name=f"产品{n}", price=Decimal("9.90"), seller="龙坞村惠民服务站", stock=100))
    index.add_child(instance=stream)
    services.stream_state_ensure(stream=stream)
    services.stream_go_live(user=host, stream=stream)
    cookies = []
    for user in people:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return stream.pk, host.pk, [p.pk for p in stream.products.all()], cookies


class Viewer(RawWebSocket):
    """Records each text frame's contents and when it arrived; `tally` then gives when each chat message (by
    sequence number) and each pin (by product) first arrived."""

    def __init__(self, path, host, headers=None):
        super().__init__(path, host, headers)
        # Plain arrays, not a tuple per frame: the garbage collector never walks them (the 900,000 tuples of a
        # full-scale run cost each full collection about 80 ms of this loop, and there were several).
        self.frames = array("l")  # each frame's place in `_contents`
        self.times = array("d")  # when it arrived

    def on_text(self, payload: bytes, received_at: float) -> None:
        number = _numbers.get(payload)
        if number is None:
            number = _numbers[payload] = len(_contents)
            _contents.append(read_contents(payload))
        self.frames.append(number)
        self.times.append(received_at)

    def tally(self) -> None:
        self.chat: dict[int, float] = {}
        self.pins: list[tuple[int, float]] = []
        self.errors = 0
        self.viewers_seen = -1
        for number, received_at in zip(self.frames, self.times, strict=True):
            contents = _contents[number]
            for n in contents.chat:
                self.chat.setdefault(n, received_at)
            self.pins.extend((product, received_at) for product in contents.pins)
            if contents.viewers is not None:
                self.viewers_seen = contents.viewers
            self.errors += contents.error


async def connect(ports: list[int], path: str, count: int, cookies: list[str]) -> list[Viewer]:
    loop = asyncio.get_running_loop()
    semaphore = asyncio.Semaphore(100)

    async def one(i: int) -> Viewer:
        port = ports[i % len(ports)]
        headers = {"Cookie": cookies[i]} if i < len(cookies) else None
        for attempt in range(8):
            async with semaphore:
                try:
                    _t, viewer = await loop.create_connection(
                        lambda: Viewer(path, f"127.0.0.1:{port}", headers), "127.0.0.1", port
                    )
                    await asyncio.wait_for(viewer.open, 30)
                    return viewer
                except Exception:  # noqa: BLE001 - a full backlog: again, a little later
                    await asyncio.sleep(0.2 * (attempt + 1))
        raise RuntimeError(f"viewer {i} could not connect")

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def loop_lag(lags: list[float], period: float = 0.05) -> None:
    """How late a 50 ms timer fires in this process: the load generator's own share of the measured delays."""
    while True:
        expected = time.monotonic() + period
        await asyncio.sleep(period)
        lags.append(max(0.0, time.monotonic() - expected))


def pin(stream_id: int, host_id: int, product_id: int) -> float:
    """The host pins a product (the real service); returns the commit time."""
    from django.db import transaction

    from content.livestreams import services
    from content.livestreams.models import StreamPage
    from core.people.models import User
    from realtime.rooms import publisher

    with transaction.atomic():
        services.product_pin(
            user=User.objects.get(pk=host_id), stream=StreamPage.objects.get(pk=stream_id), product_id=product_id
        )
    committed = time.time()
    publisher().flush()  # its notice is on its way through Redis before the next switch
    return committed


async def run(args, env, workdir: Path, stream_id: int, host_id: int, products: list[int], cookies: list[str]) -> dict:
    from django.db import connections

    from content.livestreams.models import ChatMessage
    from content.livestreams.services import ROOM_KIND
    from realtime.rooms import room_viewer_count

    ports = [args.port + n for n in range(args.workers)] if args.port else [free_port() for _ in range(args.workers)]
    servers = []
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
            wait_http(f"http://127.0.0.1:{port}/api/livestreams/streams/{stream_id}/room", process)
        lags: list[float] = []
        started = time.monotonic()
        viewers = await connect(ports, f"/ws/livestreams/{stream_id}/", args.viewers, cookies)
        connect_seconds = time.monotonic() - started
        print(f"{len(viewers)} viewers connected in {connect_seconds:.1f} s", flush=True)
        gc.freeze()  # what exists now lives to the end: full collections during the run need not walk it
        await asyncio.sleep(2)
        chatters = viewers[: len(cookies)]
        sent: dict[int, float] = {}
        pins: list[tuple[int, float]] = []
        loop = asyncio.get_running_loop()
        interval = 1.0 / args.rate
        t0 = time.monotonic()
        seq = 0
        lag_task = asyncio.create_task(loop_lag(lags))

        async def switching() -> None:
            # Beside the chat, not in its loop: the pin and the wait for its notice run in a thread, so neither the
            # chat's pace nor this loop's reading of the viewers' frames waits for them.
            switch_n = 1
            while switch_n * args.switch <= args.duration:
                await asyncio.sleep(max(0.0, t0 + switch_n * args.switch - time.monotonic()))
                product = products[(switch_n - 1) % len(products)]
                pins.append((product, await loop.run_in_executor(None, pin, stream_id, host_id, product)))
                switch_n += 1

        switch_task = asyncio.create_task(switching())
        while time.monotonic() - t0 < args.duration:
            target = t0 + seq * interval
            delay = target - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            chatter = chatters[seq % len(chatters)]
            sent[seq] = time.time()
            chatter.send_text(json.dumps({"type": "chat", "text": f"b{seq}"}).encode())
            seq += 1
        await switch_task
        await asyncio.sleep(args.settle)
        lag_task.cancel()
        stored = {
            int(text[1:])
            for text in await loop.run_in_executor(
                None, lambda: list(ChatMessage.objects.filter(stream_id=stream_id).values_list("text", flat=True))
            )
        }
        await loop.run_in_executor(None, connections.close_all)
        connected = [v for v in viewers if not v.closed]
        for viewer in viewers:
            viewer.tally()
        count = await loop.run_in_executor(None, room_viewer_count, ROOM_KIND, str(stream_id))
        chat_delays, pin_delays = [], []
        lost = 0
        for viewer in connected:
            for n in stored:
                at = viewer.chat.get(n)
                if at is None:
                    lost += 1
                else:
                    chat_delays.append(at - sent[n])
            seen = {}
            for product, at in viewer.pins:
                seen.setdefault(product, []).append(at)
            for product, committed in pins:
                later = [at for at in seen.get(product, []) if at >= committed - 0.5]
                if later:
                    pin_delays.append(max(0.0, min(later) - committed))
                else:
                    lost += 1
        return {
            "viewers": args.viewers,
            "connected_at_end": len(connected),
            "room_viewer_count": count,
            "count_exact": count == len(connected),
            "chat_sent": len(sent),
            "chat_stored": len(stored),
            "refused": sum(v.errors for v in chatters),
            "pins": len(pins),
            "chat_p50_ms": round(percentile(chat_delays, 50) * 1000, 1),
            "chat_p99_ms": round(percentile(chat_delays, 99) * 1000, 1),
            "chat_max_ms": round(max(chat_delays, default=float("nan")) * 1000, 1),
            "pin_p50_ms": round(percentile(pin_delays, 50) * 1000, 1),
            "pin_p99_ms": round(percentile(pin_delays, 99) * 1000, 1),
            "lost_to_connected_viewers": lost,
            # How late this process's own loop ran (it receives every viewer's frames): part of every delay above.
            "client_loop_lag_p50_ms": round(percentile(lags, 50) * 1000, 1),
            "client_loop_lag_p99_ms": round(percentile(lags, 99) * 1000, 1),
            "client_loop_lag_max_ms": round(max(lags, default=float("nan")) * 1000, 1),
            "connect_seconds": round(connect_seconds, 1),
        }
    finally:
        for process in servers:
            process.send_signal(signal.SIGTERM)
        for process in servers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def main(args) -> None:
    limit = raise_file_limit(args.viewers * 2 + 2000)
    if limit < args.viewers + 500:
        sys.exit(f"open-file limit {limit} is too low for {args.viewers} viewers")
    url, admin_dsn, name = create_database(args.database_url, args.template)
    workdir = Path(tempfile.mkdtemp(prefix="bench-stream-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": args.redis_url,
        "REDIS_KEY_PREFIX": f"benchstream{os.getpid()}",
        "DJANGO_DEBUG": "false",
        "DATABASE_POOL_MAX_SIZE": "8",  # pooled connections per worker, as in production (env.example)
        "DJANGO_SECRET_KEY": "bench-only-" + base64.b64encode(os.urandom(24)).decode(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    import django

    django.setup()
    from django.core.management import call_command

    try:
        print(f"database {name}, work files in {workdir}", flush=True)
        call_command("migrate", "--no-input", verbosity=0)
        with open("/proc/loadavg") as f:
            load_before = " ".join(f.read().split()[:3])
        stream_id, host_id, products, cookies = build_world(args.chatters)
        result = asyncio.run(run(args, env, workdir, stream_id, host_id, products, cookies))
        print(json.dumps(result, ensure_ascii=False), flush=True)
        print(
            f"viewers={args.viewers} chatters={args.chatters} rate={args.rate}/s switch every {args.switch}s "
            f"duration={args.duration}s workers={args.workers}; load average before: {load_before}"
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
    parser.add_argument("--viewers", type=int, default=2000)
    parser.add_argument("--chatters", type=int, default=150, help="signed-in viewers who chat, taking turns")
    parser.add_argument("--rate", type=float, default=50, help="chat messages per second")
    parser.add_argument("--switch", type=float, default=10, help="seconds between pinned-product switches")
    parser.add_argument("--duration", type=float, default=40)
    parser.add_argument("--settle", type=float, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=0, help="the first worker's port (default: any free ports)")
    parser.add_argument("--template", default="", help="copy this migrated database (made on first use)")
    parser.add_argument(
        "--database-url", default=os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/gp")
    )
    parser.add_argument("--redis-url", default=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0"))
    return parser.parse_args(argv)


if __name__ == "__main__":
    main(parse())
