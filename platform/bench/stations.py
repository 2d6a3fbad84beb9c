"""Station search and the HSDS catalogue at province scale, against daphne and PostgreSQL.

    flock /tmp/bench.lock .venv/bin/python platform/bench/stations.py                       # 20,000 / 300,000
    flock /tmp/bench.lock .venv/bin/python platform/bench/stations.py --stations 5000 --users 50 --seconds 20
    .venv/bin/python platform/bench/stations.py --build-only          # only build (or finish) the catalogue

A province-sized catalogue lives in its own database (gp_bench_stations), built once and reused: --stations
stations spread over Zhejiang (27.0-31.0 N, 118.0-122.5 E), each hosted by its own shop in one of 2,000 villages,
15 services each from the 36 of the catalogue (300,000 offered services at 20,000 stations), weekly hours (one
station in ten open day and night, a fifth open past midnight on weekends, the rest 7:30-21:00; "open now" is
judged at the moment of the run, so the hour of the run is part of its figures), and a closure at one station in
twenty. Two daphne workers
(DEBUG off, Redis cache) serve it. This process plays N users with learning.py's small keep-alive HTTP client:

1. search: each user asks GET /api/community/stations for the 20 nearest stations from a random point of the
   province, with a random category (a quarter of the searches none), "open now" in three searches of four and a
   service instead of a category in one of five, pausing about --think seconds between searches (default 1 s,
   0.5-1.5 times that, users starting at random moments) like a person reading the list; then back to back;
2. HSDS paging: one client pages GET /hsds/services?per_page=--per-page through the whole catalogue and checks
   that every service comes exactly once, in the same order as a second, later read of the first and last pages.

Prints p50/p99 latency and requests per second per phase, and the paging's pages, time and any id seen twice or
missed. Goal (issue 14): search p99 under 100 ms with 50 concurrent users.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from learning import base_env, manage, run_phase, start_workers  # noqa: E402 - beside this script

DB_NAME = "gp_bench_stations"

SEED = """
import datetime as dt, random, uuid
from django.db import connection, transaction
from django.utils import timezone
from core.people.models import OrgUnit, Shop, Village
from content.community.models import Station, Offer, WeeklyHours, HoursException, ServiceKind

N = STATIONS
rng = random.Random(14)
if Station.objects.count() < N:
    province = OrgUnit.objects.filter(code="B33").first()
    province = province or OrgUnit.add_root(code="B33", name="浙江省", kind="province")
    city = province.get_children().first() or province.add_child(code="B3301", name="全省", kind="city")
    county = city.get_children().first() or city.add_child(code="B330101", name="各县", kind="county")
    department = county.get_children().first()
    department = department or county.add_child(code="B330101-01", name="市场部", kind="department")
    grid = department.get_children().first()
    grid = grid or department.add_child(code="B330101-01-01", name="网格", kind="grid")
    Village.objects.bulk_create([Village(code=f"B{v:06d}", name=f"{v}村", county=county) for v in range(2000)],
                                ignore_conflicts=True)
    villages = list(Village.objects.filter(code__startswith="B").order_by("code").values_list("pk", flat=True))
    Shop.objects.bulk_create([Shop(licence_number=f"9{s:011d}", name=f"服务站{s}号店", tier=10, grid=grid,
                                   village_id=villages[s % len(villages)]) for s in range(N)],
                             batch_size=5000, ignore_conflicts=True)
    shops = Shop.objects.filter(licence_number__startswith="9").order_by("licence_number")
    shops = list(shops.values_list("pk", flat=True))
    kinds = list(ServiceKind.objects.order_by("pk").values_list("pk", "has_capacity"))
    now, today = timezone.now(), dt.date.today()
    have = Station.objects.count()
    # The 440,000 rows below the stations go in with COPY (bulk_create took most of the 14 minutes); a chunk is
    # one transaction, so a build stopped half-way resumes from the last whole chunk.
    for start in range(have, N, 5000):
        with transaction.atomic(), connection.cursor() as cursor:
            stations = Station.objects.bulk_create([
                Station(name=f"第{s}号惠民服务站", kind="station", shop_id=shops[s],
                        village_id=villages[s % len(villages)], address=f"{s}号",
                        latitude=rng.uniform(27.0, 31.0), longitude=rng.uniform(118.0, 122.5))
                for s in range(start, min(N, start + 5000))])
            copy = cursor.copy  # psycopg 3
            with copy("COPY community_weeklyhours (uuid, station_id, weekday, opens, closes) FROM STDIN") as rows:
                for station in stations:
                    draw = rng.random()
                    for day in range(7):
                        if draw < 0.1:  # open day and night
                            opens, closes = dt.time(0), dt.time(0)
                        else:
                            opens, closes = dt.time(7, 30), dt.time(1) if draw < 0.3 and day >= 4 else dt.time(21)
                        rows.write_row((uuid.uuid4(), station.pk, day, opens, closes))
            with copy("COPY community_offer (uuid, location_uuid, station_id, kind_id, note, cost, eligibility,"
                      " capacity, active, updated_at) FROM STDIN") as rows:
                for station in stations:
                    for kind, has_capacity in rng.sample(kinds, 15):
                        capacity = rng.randrange(40) if has_capacity else None
                        rows.write_row((uuid.uuid4(), uuid.uuid4(), station.pk, kind, "", "", "", capacity, True, now))
            with copy("COPY community_hoursexception (uuid, station_id, starts_on, ends_on, closed, reason)"
                      " FROM STDIN") as rows:
                for station in stations:
                    if rng.random() < 0.05:
                        rows.write_row((uuid.uuid4(), station.pk, today, today, True, "盘点"))
    with connection.cursor() as cursor:
        # VACUUM too: the search reads a station's hours from an index alone once the rows are marked visible.
        cursor.execute("VACUUM ANALYZE")
print(Station.objects.count(), Offer.objects.count())
"""


def prepare(env: dict, admin_dsn: str, stations: int) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    started = time.monotonic()
    manage(env, "migrate", "--no-input", "-v0")
    out = manage(env, "shell", "-c", SEED.replace("STATIONS", str(stations)))
    count_stations, count_offers = map(int, out.strip().splitlines()[-1].split())
    print(
        f"catalogue ready in {time.monotonic() - started:.0f} s: {count_stations} stations, {count_offers} services",
        flush=True,
    )
    return count_stations, count_offers


def page_through(url: str, per_page: int) -> dict:
    def read(page: int) -> tuple[dict, float]:
        started = time.perf_counter()
        with urllib.request.urlopen(f"{url}/hsds/services?per_page={per_page}&page={page}", timeout=120) as answer:  # noqa: S310
            body = json.loads(answer.read())
        return body, time.perf_counter() - started

    first, took = read(1)
    times, ids, page = [took], [s["id"] for s in first["contents"]], 1
    body = first
    while not body["last_page"]:
        page += 1
        body, took = read(page)
        times.append(took)
        ids += [s["id"] for s in body["contents"]]
    again_first, _ = read(1)
    again_last, _ = read(page)
    stable = [s["id"] for s in again_first["contents"]] == ids[:per_page] and [
        s["id"] for s in again_last["contents"]
    ] == ids[(page - 1) * per_page :]
    times.sort()
    return {
        "pages": page,
        "services": len(ids),
        "total_items": first["total_items"],
        "distinct": len(set(ids)),
        "stable": stable,
        "seconds": sum(times),
        "p50_ms": times[len(times) // 2] * 1000,
        "max_ms": times[-1] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stations", type=int, default=20000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--per-page", type=int, default=500)
    parser.add_argument("--port", type=int, default=None, help="first port of the workers (default: free ones)")
    parser.add_argument("--build-only", action="store_true", help="build the catalogue and stop")
    parser.add_argument("--no-paging", action="store_true", help="leave out the HSDS paging phase")
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    database_url = f"{args.postgres}/{DB_NAME}"
    env = base_env(database_url)
    env["REDIS_KEY_PREFIX"] = "benchstations"
    host = args.postgres.removeprefix("postgres://")
    user, _at, hostport = host.rpartition("@")
    hostname, _c, port = hostport.partition(":")
    admin_dsn = f"host={hostname} port={port or 5432} user={user or 'postgres'} dbname=postgres"
    stations, offers = prepare(env, admin_dsn, args.stations)
    if args.build_only:
        return

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from content.community.catalogue import CATEGORIES as CATEGORY_ROWS
    from content.community.catalogue import SERVICES as SERVICE_ROWS

    CATEGORIES = [row[0] for row in CATEGORY_ROWS]
    SERVICES = [row[1] for row in SERVICE_ROWS]
    # The catalogue's database has no site pages (only what the search needs): wait on the search itself.
    workers = start_workers(env, args.workers, args.port, ready_path="/api/community/stations?lat=29&lon=120&limit=1")
    urls = [url for _p, url in workers]
    try:

        async def search(connection, n):
            draw = random.Random(n)
            lat, lon = draw.uniform(27.2, 30.8), draw.uniform(118.2, 122.3)
            query = f"/api/community/stations?lat={lat:.5f}&lon={lon:.5f}&limit=20"
            if draw.random() < 0.2:
                query += "&service=" + draw.choice(SERVICES)
            elif draw.random() < 0.75:
                query += "&category=" + draw.choice(CATEGORIES)
            if draw.random() < 0.75:
                query += "&open=true"
            return await connection.request("GET", query)

        results = [
            asyncio.run(run_phase("search, 1 s pauses", urls, args.users, args.seconds, search, think=args.think)),
            asyncio.run(run_phase("search, back to back", urls, args.users, args.seconds, search)),
        ]
        if args.no_paging:
            print(json.dumps({"stations": stations, "offers": offers, "phases": results}))
            return
        paging = page_through(urls[0], args.per_page)
        print(
            f"HSDS paging: {paging['pages']} pages of {args.per_page}, {paging['services']} services "
            f"(total_items {paging['total_items']}, distinct {paging['distinct']}, stable order {paging['stable']}), "
            f"{paging['seconds']:.1f} s, page p50 {paging['p50_ms']:.0f} ms, slowest {paging['max_ms']:.0f} ms",
            flush=True,
        )
        print(json.dumps({"stations": stations, "offers": offers, "phases": results, "paging": paging}))
    finally:
        for process, _url in workers:
            process.terminate()
        for process, _url in workers:
            process.wait(timeout=20)


if __name__ == "__main__":
    main()
