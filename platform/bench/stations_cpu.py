"""CPU of one station search, split between Python and PostgreSQL, in one process over the bench's catalogue.

    .venv/bin/python platform/bench/stations_cpu.py [--searches 150] [--seed 41]

Uses the catalogue platform/bench/stations.py built (gp_bench_stations; build it first with --build-only). Asks
--searches searches like the bench's (random points of the province, three in four "open now", a category or a
service) through Django's test client with DEBUG off, twice: the first pass builds the stations' cards, the second
finds them cached. Prints, per search, the process's CPU (Python: Django, the search, the middleware), the CPU of
the PostgreSQL backend that served it (from /proc, so PostgreSQL must run on this machine) and the wall time. "Open
now" is judged at the moment of the run, so the hour (Shanghai time) belongs to the figures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from learning import base_env, manage  # noqa: E402 - beside this script
from stations import DB_NAME  # noqa: E402

MEASURE = """
import os, random, time
from django.db import connection
from django.test import Client
from content.community.catalogue import CATEGORIES, SERVICES

def backend_cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

client = Client()
client.get("/api/community/stations?lat=29&lon=120&limit=20")
with connection.cursor() as cursor:
    cursor.execute("SELECT pg_backend_pid()")
    pid = cursor.fetchone()[0]
draw = random.Random(SEED)
queries = []
for _n in range(SEARCHES):
    lat, lon = draw.uniform(27.2, 30.8), draw.uniform(118.2, 122.3)
    query = f"/api/community/stations?lat={lat:.5f}&lon={lon:.5f}&limit=20"
    if draw.random() < 0.2:
        query += "&service=" + draw.choice([row[1] for row in SERVICES])
    elif draw.random() < 0.75:
        query += "&category=" + draw.choice([row[0] for row in CATEGORIES])
    if draw.random() < 0.75:
        query += "&open=true"
    queries.append(query)
for label in ("first pass (cards built)", "the same searches again (cards cached)"):
    python, postgres, wall = time.process_time(), backend_cpu(pid), time.perf_counter()
    for query in queries:
        assert client.get(query).status_code == 200, query
    n = len(queries)
    python, postgres = time.process_time() - python, backend_cpu(pid) - postgres
    wall = time.perf_counter() - wall
    print(f"{label}: {n} searches; per search: Python {python / n * 1000:.1f} ms CPU, "
          f"PostgreSQL {postgres / n * 1000:.1f} ms CPU, wall {wall / n * 1000:.1f} ms")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--searches", type=int, default=150)
    parser.add_argument("--seed", type=int, default=41)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    env = base_env(f"{args.postgres}/{DB_NAME}")
    # A prefix of its own: the first pass finds no card of an earlier run.
    env["REDIS_KEY_PREFIX"] = f"benchstationscpu{args.seed}x{args.searches}"
    env["DJANGO_ALLOWED_HOSTS"] = "testserver"
    code = MEASURE.replace("SEED", str(args.seed)).replace("SEARCHES", str(args.searches))
    print(manage(env, "shell", "-c", code).strip(), flush=True)


if __name__ == "__main__":
    main()
