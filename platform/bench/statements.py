"""Benchmark: xAPI statements posted in batches of 100 to daphne backed by PostgreSQL.

Creates its own database (gp_bench_statements: dropped and created), migrates it, makes a trusted xAPI client,
starts daphne workers (default two, one per core, as in production) on free ports with production settings
(pooled database connections, `DATABASE_POOL_MAX_SIZE`), then from this (second) process posts
pre-built batches over a few concurrent HTTP connections (httpx) and prints statements per second and the
p50/p99 request latency. Every run checks the database holds exactly the statements it posted. daphne is
stopped and the database dropped at the end (--keep keeps it).

    .venv/bin/python platform/bench/statements.py [--statements 40000] [--batch 100] [--connections 4] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
DAPHNE = ROOT / ".venv" / "bin" / "daphne"
SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "gp_bench_statements"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DATABASE}"')


def drop_database() -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def server_env(workdir: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{DATABASE}",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-statements-" + uuid.uuid4().hex,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # No TLS in front of daphne here: do not redirect plain HTTP to HTTPS.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
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


def statement(n: int, batch: int) -> dict:
    learner = n % 997
    return {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": f"学员 {learner}", "mbox": f"mailto:learner{learner}@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
        "object": {
            "objectType": "Activity",
            "id": f"https://example.com/courses/{n % 530}/lessons/{n % 17}",
            "definition": {"type": "http://adlnet.gov/expapi/activities/lesson", "name": {"zh-CN": f"第 {n % 17} 课"}},
        },
        "result": {"completion": True, "duration": "PT4M30S"},
        "context": {
            "registration": str(uuid.uuid4()),
            "platform": "bench",
            "extensions": {"https://example.com/x/batch": batch},
        },
        "timestamp": "2026-11-23T08:00:00+08:00",
    }


async def post_all(
    urls: list[str], auth: tuple[str, str], bodies: list[bytes], connections: int
) -> tuple[list[float], float]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    headers = {"Content-Type": "application/json", "X-Experience-API-Version": "1.0.3"}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)

    async with httpx.AsyncClient(auth=auth, headers=headers, limits=limits, timeout=60) as client:

        async def worker(url: str) -> None:
            while True:
                try:
                    body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                response = await client.post(url, content=body)
                latencies.append(time.perf_counter() - started)
                if response.status_code != 200:
                    raise RuntimeError(f"POST answered {response.status_code}: {response.text[:300]}")

        started = time.perf_counter()
        await asyncio.gather(*(worker(urls[n % len(urls)]) for n in range(connections)))
        elapsed = time.perf_counter() - started
    return latencies, elapsed


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_stats() -> tuple[int, float]:
    """Sessions opened and milliseconds spent executing statements in the benchmark database so far."""
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        row = conn.execute(
            "SELECT sessions, active_time FROM pg_stat_database WHERE datname = %s", [DATABASE]
        ).fetchone()
    return int(row[0]), float(row[1])


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=40_000, help="statements to post in all")
    parser.add_argument("--batch", type=int, default=100, help="statements per request")
    parser.add_argument("--connections", type=int, default=4, help="concurrent HTTP connections")
    parser.add_argument("--workers", type=int, default=2, help="daphne processes (the connections take turns)")
    parser.add_argument("--pool", type=int, default=8, help="pooled database connections per worker (0: none)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench-statements-"))
    env = {**server_env(workdir), "DATABASE_POOL_MAX_SIZE": str(args.pool)}
    print(f"database {DATABASE}: dropping and creating, migrating ...", flush=True)
    recreate_database()
    manage(env, "migrate", "--no-input", "-v0")
    created = manage(env, "xapi_client", f"bench-{uuid.uuid4().hex[:8]}", "--trusted")
    key = re.search(r"^key:\s+(\S+)$", created, re.M).group(1)
    secret = re.search(r"^secret:\s+(\S+)$", created, re.M).group(1)

    batches = -(-args.statements // args.batch)
    bodies = [
        json.dumps([statement(b * args.batch + i, b) for i in range(args.batch)]).encode() for b in range(batches)
    ]
    warmup = [json.dumps([statement(i, -1) for i in range(args.batch)]).encode() for _ in range(5)]

    logs = [open(workdir / f"daphne-{n}.log", "w") for n in range(args.workers)]  # noqa: SIM115 - closed below
    ports = [free_port() for _ in range(args.workers)]
    workers = [
        subprocess.Popen(
            [str(DAPHNE), "-b", "127.0.0.1", "-p", str(port), "-v", "0", "core.asgi:application"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for port, log in zip(ports, logs, strict=True)
    ]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 60
        for daphne, base in zip(workers, bases, strict=True):
            while True:
                if daphne.poll() is not None:
                    sys.exit(f"daphne exited with {daphne.returncode}: see the logs in {workdir}")
                try:
                    if httpx.get(base + "/xapi/about", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    sys.exit("daphne did not answer within 60 s")
                time.sleep(0.2)
        urls = [base + "/xapi/statements" for base in bases]
        asyncio.run(post_all(urls, (key, secret), warmup, len(urls)))
        load_before = os.getloadavg()
        sessions_before, active_before = database_stats()
        daphne_cpu = sum(cpu_seconds(daphne.pid) for daphne in workers)
        print(
            f"posting {batches * args.batch} statements in {batches} batches of {args.batch} "
            f"over {args.connections} connections to {args.workers} daphne worker(s) ...",
            flush=True,
        )
        latencies, elapsed = asyncio.run(post_all(urls, (key, secret), bodies, args.connections))
        load_after = os.getloadavg()
        daphne_cpu = sum(cpu_seconds(daphne.pid) for daphne in workers) - daphne_cpu
    finally:
        for daphne in workers:
            os.killpg(daphne.pid, signal.SIGTERM)
        for daphne in workers:
            try:
                daphne.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(daphne.pid, signal.SIGKILL)
        for log in logs:
            log.close()
    time.sleep(1)  # backends report their statistics when they exit
    sessions_after, active_after = database_stats()

    with psycopg.connect(f"{SERVER}/{DATABASE}") as conn:
        stored = conn.execute("SELECT count(*) FROM activity_statement").fetchone()[0]
    expected = batches * args.batch + len(warmup) * args.batch
    if not args.keep:
        drop_database()
    posted = batches * args.batch
    print(f"stored check: {stored} rows, expected {expected}: {'ok' if stored == expected else 'MISMATCH'}")
    print(f"statements/s: {posted / elapsed:,.0f}  ({posted} statements in {elapsed:.2f} s)")
    print(
        f"request latency (batch of {args.batch}): p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
    )
    print(
        f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
        f"({os.cpu_count()} cores; the load generator shares the machine)"
    )
    per_batch_daphne = daphne_cpu / batches * 1000
    per_batch_postgres = (active_after - active_before) / batches
    print(
        f"per request of {args.batch}: daphne CPU {per_batch_daphne:.1f} ms; PostgreSQL executing "
        f"{per_batch_postgres:.1f} ms; database sessions opened {(sessions_after - sessions_before) / batches:.2f}"
    )
    if stored != expected:
        sys.exit(1)


if __name__ == "__main__":
    main()
