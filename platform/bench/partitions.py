"""Benchmark: the statement store at 20 million rows, one table against the same rows partitioned by month.

`generate` writes 20 million statements over 24 months (a province's 300,000 people, few very active and most
a little; the platform's mix of verbs and activities; evening peaks, Friday contest nights, growth over the two
years; 5% from an untrusted xAPI client, some of them late) as COPY text through zstd into one file, in
`stored` order as they arrive in production. `load` makes its own database (gp_bench_partitions) the first
time: migrated, so `activity_statement` has exactly the columns, indexes and constraints the migrations
produce (kept aside in `bench_statement_ddl`), with the people and the two xAPI clients the rows name. It then
replaces the statement table with the file's rows, as one table (`--layout flat`) or declared
`PARTITION BY RANGE (stored)` with a partition a month (`--layout part`; its primary key is (id, stored):
PostgreSQL wants the partition key in every unique index), builds the platform's indexes and constraints
after the COPY and vacuums and analyses it. Both layouts stay side by side (twice the disk: about 1.6 KB a
statement each, so 29 GiB a layout at 20 million).

`measure` runs, in this process, the platform's own code against each loaded layout in turn (renamed to
`activity_statement`; `--rounds` alternates them, so both meet the machine's changing load alike):
`selectors.statements_page` for the xAPI GET filters (agent, verb with since/until, activity, no filter, the
`more` page), `selectors.statement_get` (GET ?statementId=), `services.statements_store` with batches of 100,
and the SQL of the leaderboard rebuild's month scan (realtime/services/rules.py, by `timestamp`) and of a
month's feature export (by `stored`). It prints p50/p99 of each and how many partitions each plan touches
(EXPLAIN), with one plan in full; `--retention` then removes the oldest month: DETACH + DROP of its partition,
or DELETE and the VACUUM that frees the space on the one table. `drop` drops the database.

    .venv/bin/python platform/bench/partitions.py generate [--rows 20000000] [--people 300000]
    .venv/bin/python platform/bench/partitions.py load --layout flat     # one table
    .venv/bin/python platform/bench/partitions.py load --layout part     # partitioned by month
    /work/wt/bench-run .venv/bin/python platform/bench/partitions.py measure [--rounds 2] [--retention]
    .venv/bin/python platform/bench/partitions.py drop
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "gp_bench_partitions"
SITE = "https://xianfeng.example"
TABLE = "activity_statement"
PART = "activity_statement_part"
FLAT = "activity_statement_flat"
FIRST_MONTH = date(2024, 12, 1)  # 24 months of history, up to the end of November 2026
MONTHS = 24
SEED = 17

sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-partitions")
os.environ.setdefault("SITE_URL", SITE)
os.environ.setdefault("LOG_LEVEL", "WARNING")

import psycopg  # noqa: E402


def month_add(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{TABLE}_p{month:%Y_%m}"


# --- the generated statements: people, verbs, activities, times ------------------------------------------

ADL = "http://adlnet.gov/expapi/verbs/"
TINCAN = "http://id.tincanapi.com/verb/"
TYPES = "http://adlnet.gov/expapi/activities/"
PLATFORM_TYPES = "https://w3id.org/xapi/xianfeng/activity-types/"
# verb, its share of statements, the kind of activity it is about (the platform's mix: lessons viewed and
# progressed most, quiz answers on contest nights, fewer completions, passes and certificates)
VERBS = [
    (ADL + "experienced", "experienced", 0.30, "lesson"),
    (ADL + "progressed", "progressed", 0.22, "lesson"),
    (ADL + "answered", "answered", 0.18, "question"),
    (ADL + "completed", "completed", 0.11, "lesson"),
    (ADL + "attempted", "attempted", 0.05, "assessment"),
    (ADL + "passed", "passed", 0.04, "assessment"),
    (ADL + "failed", "failed", 0.015, "assessment"),
    (ADL + "registered", "registered", 0.02, "course"),
    (TINCAN + "watched", "watched", 0.035, "livestream"),
    (TINCAN + "earned", "earned", 0.01, "certificate"),
    (ADL + "attended", "attended", 0.02, "livestream"),
]
KINDS = {
    # kind: (activity type, how many, path)
    "course": (TYPES + "course", 400, "course"),
    "lesson": (TYPES + "lesson", 5200, "lesson"),
    "assessment": (TYPES + "assessment", 800, "assessment"),
    "question": (TYPES + "cmi.interaction", 1200, "question"),
    "livestream": (PLATFORM_TYPES + "livestream", 300, "livestream"),
    "certificate": (PLATFORM_TYPES + "certificate", 100, "certificate"),
}
# Share of the day's statements in each UTC hour (the evening peak: 12-14 UTC is 20-22 in China).
HOURS = [2, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 8, 14, 16, 12, 4, 1, 0.5, 0.3, 0.3, 0.3, 0.5, 1, 1.5]
FIRST_USER_PK = 1_000_001  # people are created with these pks, so the generated rows can name them
EXTERNAL_CLIENT_PK = 1001
AUTHORITY = (
    f'{{"objectType": "Agent", "name": "先锋学习平台", "account": {{"homePage": "{SITE}", "name": "platform"}}}}'
)


def zipf_cumulative(n: int, exponent: float, offset: float):
    import numpy as np

    weights = 1.0 / (np.arange(n) + offset) ** exponent
    return np.cumsum(weights / weights.sum())


class Population:
    """Who does what, deterministic from SEED: `generate` and `measure` build the same one."""

    def __init__(self, people: int) -> None:
        import numpy as np

        rng = np.random.default_rng(SEED)
        self.people = people
        self.usernames = [f"shop{n:07d}" for n in range(people)]
        # A few people do a lot, most a little: Zipf-like over a shuffled order.
        self.person_by_rank = rng.permutation(people)
        self.person_cumulative = zipf_cumulative(people, 0.9, 20)
        self.activities: dict[str, list[tuple[str, str, str]]] = {}
        self.activity_cumulative = {}
        for kind, (atype, count, path) in KINDS.items():
            self.activities[kind] = [
                (f"{SITE}/xapi/activities/{path}/{n + 1}", atype, f"{kind} {n + 1}") for n in range(count)
            ]
            self.activity_cumulative[kind] = zipf_cumulative(count, 1.0, 5)
        shares = np.array([share for _iri, _en, share, _kind in VERBS])
        self.verb_cumulative = np.cumsum(shares / shares.sum())

    def ifi(self, person: int) -> str:
        return f"account:{SITE}|{self.usernames[person]}"

    def sample_people(self, rng, k: int):
        import numpy as np

        ranks = np.searchsorted(self.person_cumulative, rng.random(k) * self.person_cumulative[-1])
        return self.person_by_rank[np.minimum(ranks, self.people - 1)]

    def sample_verbs(self, rng, k: int):
        import numpy as np

        return np.minimum(np.searchsorted(self.verb_cumulative, rng.random(k)), len(VERBS) - 1)

    def sample_activities(self, rng, kind: str, k: int):
        import numpy as np

        cumulative = self.activity_cumulative[kind]
        return np.minimum(np.searchsorted(cumulative, rng.random(k) * cumulative[-1]), len(cumulative) - 1)


def day_counts(rows: int) -> list[tuple[date, int]]:
    """Statements per day: growing from half to one and a half times the mean over the 24 months, more at
    weekends, and Fridays (contest nights) most."""
    first = FIRST_MONTH
    last = month_add(FIRST_MONTH, MONTHS)
    days = [first + timedelta(days=n) for n in range((last - first).days)]
    weights = []
    for n, day in enumerate(days):
        growth = 0.5 + n / len(days)
        weekday = {4: 1.6, 5: 1.2, 6: 1.1}.get(day.weekday(), 1.0)
        weights.append(growth * weekday)
    total = sum(weights)
    counts = [int(rows * weight / total) for weight in weights]
    counts[-1] += rows - sum(counts)
    return list(zip(days, counts, strict=True))


def day_lines(population: Population, rng, day: date, count: int) -> list[str]:
    """One day's statements as COPY text lines, in `stored` order, as the platform writes them: 95% recorded by
    the platform for its own people, 5% sent by an untrusted xAPI client, a third of those late (offline)."""
    import numpy as np

    hours = np.array(HOURS)
    if day.weekday() == 4:
        hours[12] *= 4  # contest night: 20:00-21:00 in China
    cumulative = np.cumsum(hours / hours.sum())
    hour = np.minimum(np.searchsorted(cumulative, rng.random(count)), 23)
    midnight = np.datetime64(day.isoformat(), "us").astype(np.int64)
    stored = np.sort(midnight + hour * 3_600_000_000 + (rng.random(count) * 3_600_000_000).astype(np.int64))
    external = rng.random(count) < 0.05
    late = external & (rng.random(count) < 0.3)
    delay = np.where(late, rng.random(count) * 3 * 86_400_000_000, rng.random(count) * 2_000_000).astype(np.int64)
    stamp_text = np.datetime_as_string((stored - delay).astype("datetime64[us]"), unit="us").tolist()
    stored_text = np.datetime_as_string(stored.astype("datetime64[us]"), unit="us").tolist()
    people = population.sample_people(rng, count).tolist()
    verbs = population.sample_verbs(rng, count)
    activity = np.zeros(count, dtype=np.int64)
    for index, (_iri, _en, _share, kind) in enumerate(VERBS):
        chosen = verbs == index
        activity[chosen] = population.sample_activities(rng, kind, int(chosen.sum()))
    scores = rng.random(count).tolist()
    numbers = rng.integers(1, 600, count).tolist()
    ids = rng.bytes(16 * count).hex()
    external = external.tolist()
    lines = []
    courses = population.activities["course"]
    for n, (person, verb, item) in enumerate(zip(people, verbs.tolist(), activity.tolist(), strict=True)):
        verb_iri, verb_en, _share, kind = VERBS[verb]
        object_iri, atype, name = population.activities[kind][item]
        h = ids[32 * n : 32 * n + 32]
        sid = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"
        username = population.usernames[person]
        timestamp = stamp_text[n] + "+00:00"
        stored_at = stored_text[n] + "+00:00"
        extra = ""
        if kind in ("question", "assessment"):
            success = "false" if verb_en == "failed" or scores[n] < 0.2 else "true"
            extra = (
                f', "result": {{"score": {{"scaled": {scores[n]:.2f}}}, "success": {success}, '
                f'"completion": true, "duration": "PT{numbers[n]}S"}}'
            )
        elif kind == "lesson":
            course = courses[item % len(courses)][0]
            extra = (
                f', "context": {{"platform": "xianfeng", "language": "zh-CN", "contextActivities": '
                f'{{"parent": [{{"id": "{course}", "objectType": "Activity"}}]}}}}'
            )
            if verb_en == "progressed":
                extra += (
                    ', "result": {"extensions": {"https://w3id.org/xapi/cmi5/result/extensions/progress": '
                    f"{numbers[n] % 100}}}}}"
                )
        full = (
            f'{{"id": "{sid}", "actor": {{"name": "店主{username[4:]}", "account": {{"name": "{username}", '
            f'"homePage": "{SITE}"}}, "objectType": "Agent"}}, "verb": {{"id": "{verb_iri}", "display": '
            f'{{"en-US": "{verb_en}"}}}}, "object": {{"id": "{object_iri}", "objectType": "Activity", "definition": '
            f'{{"name": {{"zh-CN": "{name}"}}, "type": "{atype}"}}}}{extra}, "timestamp": "{timestamp}", '
            f'"stored": "{stored_at}", "authority": {AUTHORITY}, "version": "1.0.3"}}'
        )
        lines.append(
            f"{sid}\taccount:{SITE}|{username}\t{verb_iri}\t{object_iri}\tActivity\t{atype}\t\\N\t{timestamp}\t"
            f"{stored_at}\tf\t\\N\t{'f' if external[n] else 't'}\t{full}\t{FIRST_USER_PK + person}\t"
            f"{EXTERNAL_CLIENT_PK if external[n] else chr(92) + 'N'}\n"
        )
    return lines


COPY_COLUMNS = (
    "id, actor_ifi, verb_id, object_id, object_type, activity_type, registration, timestamp, stored, voided, "
    'voids, trusted, "full", actor_user_id, client_id'
)


def generate(args) -> None:
    """Write the statements, in COPY text format, through zstd into one file (a few GiB)."""
    import subprocess

    import numpy as np

    started = time.monotonic()
    population = Population(args.people)
    rng = np.random.default_rng(SEED + 1)
    written = 0
    with open(args.data, "wb") as out:
        zstd = subprocess.Popen(["zstd", "-q", "-1", "-T1", "-c"], stdin=subprocess.PIPE, stdout=out)
        for day, count in day_counts(args.rows):
            zstd.stdin.write("".join(day_lines(population, rng, day, count)).encode())
            written += count
            if day.day == 1:
                rate = written / (time.monotonic() - started)
                print(f"  {day:%Y-%m}: {written:,} statements, {rate:,.0f} a second", flush=True)
        zstd.stdin.close()
        zstd.wait()
    print(
        f"generated {written:,} statements in {time.monotonic() - started:.0f} s: {args.data} "
        f"({gib(os.path.getsize(args.data))})",
        flush=True,
    )


# --- database plumbing ---------------------------------------------------------------------------------


def admin(sql: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def connect() -> psycopg.Connection:
    return psycopg.connect(f"{SERVER}/{DATABASE}", autocommit=True)


def django_setup() -> None:
    import django

    django.setup()


def relation_bytes(conn, table: str) -> int:
    """The table's size with its indexes (every partition's, when it is partitioned)."""
    return conn.execute(
        "SELECT coalesce((SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree(%s::regclass)), "
        "pg_total_relation_size(%s::regclass))",
        [table, table],
    ).fetchone()[0]


def gib(value: int) -> str:
    return f"{value / 2**30:.1f} GiB"


# --- load --------------------------------------------------------------------------------------------


def prepare(args) -> None:
    """A fresh database: the platform's schema (migrated), the people and the two xAPI clients the rows name,
    and the statement table's own definitions kept aside (`bench_statement_ddl`, an empty template)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from core.activity.models import XapiClient
    from core.activity.services import xapi_client_create

    started = time.monotonic()
    admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{DATABASE}"')
    call_command("migrate", verbosity=0)
    User = get_user_model()
    population = Population(args.people)
    for first in range(0, args.people, 10000):
        User.objects.bulk_create(
            [
                User(pk=FIRST_USER_PK + n, username=population.usernames[n], password="!")
                for n in range(first, min(first + 10000, args.people))
            ]
        )
    xapi_client_create(name="bench-trusted", trusted=True)
    XapiClient.objects.create(pk=EXTERNAL_CLIENT_PK, name="bench-external", key="bench-external", secret_hash="!")
    with connect() as conn:
        conn.execute(f"CREATE TABLE bench_statement_template (LIKE {TABLE} INCLUDING DEFAULTS)")
        conn.execute("CREATE TABLE bench_statement_ddl (kind text, name text, definition text)")
        conn.execute(
            "INSERT INTO bench_statement_ddl SELECT 'index', i.indexname, i.indexdef FROM pg_indexes i "
            "JOIN pg_class c ON c.relname = i.indexname WHERE i.tablename = %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)",
            [TABLE],
        )
        conn.execute(
            "INSERT INTO bench_statement_ddl SELECT contype, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass",
            [TABLE],
        )
    print(f"database, schema and {args.people:,} people in {time.monotonic() - started:.0f} s", flush=True)


def load(args) -> None:
    """Replace `activity_statement` with the generated statements, as one table or partitioned by month."""
    import subprocess

    django_setup()
    with psycopg.connect(f"{SERVER}/postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
    if not exists:
        prepare(args)
    started = time.monotonic()
    with connect() as conn:
        definitions = conn.execute("SELECT kind, name, definition FROM bench_statement_ddl ORDER BY kind").fetchall()
        # The points ledger's foreign key to the statement (realtime.PointsEntry.statement): a partitioned table
        # can only be referenced through a unique key holding the partition key, (id, stored). Not rebuilt for
        # either layout (it costs the statement's writes nothing); the design in PROCESSES.md says what replaces it.
        for referencing, name in conn.execute(
            "SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE confrelid = to_regclass(%s)", [TABLE]
        ).fetchall():
            conn.execute(f"ALTER TABLE {referencing} DROP CONSTRAINT {name}")
        if layout_of(conn, TABLE) == args.layout:
            put_aside(conn)
        table = AS[args.layout]  # built under its own name; `measure` renames it to the platform's table
        conn.execute(f"DROP TABLE IF EXISTS {table}")  # no CASCADE: nothing else may depend on it unseen
        if args.layout == "flat":
            conn.execute(f"CREATE TABLE {table} (LIKE bench_statement_template INCLUDING DEFAULTS)")
        else:
            conn.execute(
                f"CREATE TABLE {table} (LIKE bench_statement_template INCLUDING DEFAULTS) PARTITION BY RANGE (stored)"
            )
            for n in range(MONTHS + 3):  # the history, the current month and two ahead (as the scheduler keeps)
                month = month_add(FIRST_MONTH, n)
                conn.execute(
                    f"CREATE TABLE {partition_name(month)} PARTITION OF {table} "
                    f"FOR VALUES FROM ('{month}') TO ('{month_add(month, 1)}')"
                )
        written = 0
        with open(args.data, "rb") as data:
            unzstd = subprocess.Popen(["zstd", "-q", "-dc"], stdin=data, stdout=subprocess.PIPE)
            with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({COPY_COLUMNS}) FROM STDIN") as copy:
                while block := unzstd.stdout.read(1 << 20):
                    copy.write(block)
                    written += len(block)
            if unzstd.wait() != 0:
                sys.exit("zstd could not read the data file")
        count = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        print(f"COPY of {count:,} statements ({gib(written)} of text): {time.monotonic() - started:.0f} s", flush=True)
        step = time.monotonic()
        conn.execute("SET maintenance_work_mem = '1GB'")
        for kind, name, definition in definitions:
            # Index names are one namespace per schema: the partitioned layout's carry a suffix.
            own = name if args.layout == "flat" else f"{name[:58]}_part"
            if kind == "index":
                # The same statement on the partitioned parent makes one index per partition.
                definition = definition.replace(f"INDEX {name} ", f"INDEX {own} ", 1)
                conn.execute(definition.replace(f" ON public.{TABLE} ", f" ON public.{table} ", 1))
            else:
                if kind == "p" and args.layout == "part":
                    definition = "PRIMARY KEY (id, stored)"  # the partition key must be in every unique index
                conn.execute(f"ALTER TABLE {table} ADD CONSTRAINT {own} {definition}")
        print(f"indexes and constraints: {time.monotonic() - step:.0f} s", flush=True)
        step = time.monotonic()
        conn.execute(f"VACUUM ANALYZE {table}")
        print(
            f"VACUUM ANALYZE: {time.monotonic() - step:.0f} s; {table} is {gib(relation_bytes(conn, table))} "
            "with its indexes",
            flush=True,
        )


# --- measure ------------------------------------------------------------------------------------------

# Both layouts stay in the database; the one being measured is renamed to the table the platform reads.
AS = {"flat": "bench_statement_flat", "part": "bench_statement_part"}


def layout_of(conn, table: str) -> str | None:
    row = conn.execute("SELECT relkind FROM pg_class WHERE relname = %s", [table]).fetchone()
    return None if row is None else ("part" if row[0] == "p" else "flat")


def put_aside(conn) -> None:
    """Rename `activity_statement` back to its layout's own name."""
    current = layout_of(conn, TABLE)
    if current is not None:
        conn.execute(f"ALTER TABLE {TABLE} RENAME TO {AS[current]}")


def use(layout: str) -> None:
    from django.db import connection

    with connect() as conn:
        if layout_of(conn, TABLE) != layout:
            put_aside(conn)
            conn.execute(f"ALTER TABLE {AS[layout]} RENAME TO {TABLE}")
    connection.close()  # the next query opens a connection that sees this table


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return f"p50 {statistics.median(ordered):7.1f} ms  p99 {p99:7.1f} ms  (n={len(ordered)})"


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def partitions_in_plan(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = %s::regclass", [TABLE])
        total = cursor.fetchone()[0]
    touched = set(re.findall(rf"{TABLE}_p\d{{4}}_\d{{2}}", plan))
    if total == 0:
        return "one table"
    return f"{len(touched)} of {total} partitions"


def captured(call) -> list[tuple[str, tuple]]:
    """(sql, params) of every query `call` makes, as Django sends them."""
    from django.db import connection

    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        call()
    return seen


def month_scan(sql: str, params) -> int:
    """Run a scan as the platform's iterator does (a server-side cursor, 2,000 rows at a time)."""
    from django.db import connection, transaction

    count = 0
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(2000):
            count += len(rows)
    return count


def measure(args) -> None:
    django_setup()
    population = Population(args.people)
    with connect() as conn:
        layouts = [
            layout for layout in ("flat", "part") if layout_of(conn, TABLE) == layout or layout_of(conn, AS[layout])
        ]
    for _round in range(args.rounds):  # alternate, so both layouts see the machine's changing load alike
        for layout in layouts:
            use(layout)
            measure_layout(population, args)
    for layout in layouts if args.retention else ():
        use(layout)
        retention(layout)


def measure_layout(population: Population, args) -> None:
    import numpy as np
    from django.db import connection

    from core.activity import selectors, services
    from core.activity.models import Statement, XapiClient

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = %s::regclass", [TABLE])
        layout = "partitioned by month (stored)" if cursor.fetchone()[0] else "one table"
        cursor.execute(f"SELECT count(*) FROM {TABLE}")
        rows = cursor.fetchone()[0]
        cursor.execute(f"SELECT id FROM {TABLE} TABLESAMPLE SYSTEM (0.05) REPEATABLE (17) LIMIT %s", [args.repeat])
        sample_ids = [str(row[0]) for row in cursor.fetchall()]
    with connect() as conn:
        size = gib(relation_bytes(conn, TABLE))
    print(f"{TABLE}: {layout}, {rows:,} statements, {size} with indexes; load {os.getloadavg()}", flush=True)
    trusted = XapiClient.objects.get(name="bench-trusted")
    external = XapiClient.objects.get(pk=EXTERNAL_CLIENT_PK)
    rng = np.random.default_rng(SEED + 2)
    first = datetime.combine(FIRST_MONTH, datetime.min.time(), UTC)
    span = (datetime.combine(month_add(FIRST_MONTH, MONTHS), datetime.min.time(), UTC) - first).total_seconds()

    def some_verb() -> str:
        return VERBS[population.sample_verbs(rng, 1)[0]][0]

    def some_activity() -> str:
        kind = VERBS[population.sample_verbs(rng, 1)[0]][3]
        return population.activities[kind][population.sample_activities(rng, kind, 1)[0]][0]

    def some_week() -> tuple[str, str]:
        start = first + timedelta(seconds=float(rng.random()) * (span - 7 * 86400))
        return start.isoformat(), (start + timedelta(days=7)).isoformat()

    def by_agent():
        agent = population.ifi(population.sample_people(rng, 1)[0])
        return selectors.statements_page(client=trusted, filters=selectors.StatementFilters(agent=agent))

    def by_verb_week():
        since, until = some_week()
        filters = selectors.StatementFilters(verb=some_verb(), since=since, until=until)
        return selectors.statements_page(client=trusted, filters=filters)

    def by_activity():
        return selectors.statements_page(client=trusted, filters=selectors.StatementFilters(activity=some_activity()))

    def newest():
        return selectors.statements_page(client=trusted)

    def report(label: str, figure: str) -> None:
        print(f"  {label:40} {figure}", flush=True)

    def run(label: str, calls: list) -> None:
        for call in calls[:10]:  # warm the connection and the plans' catalogue lookups
            call()
        plan = partitions_in_plan(*captured(calls[0])[-1])
        times = [timed(call) for call in calls[10:]]
        report(label, f"{percentiles(times)}  {plan}")

    n = args.repeat + 10
    run("GET agent=", [by_agent] * n)
    run("GET verb= since= until= (one week)", [by_verb_week] * n)
    run("GET activity=", [by_activity] * n)
    run("GET (no filter: the newest page)", [newest] * n)
    cursors = []
    while len(cursors) < n:
        page = by_verb_week()
        if page.more:
            cursors.append(page.more)
    run(
        "GET more= (page 2 of verb + week)",
        [lambda more=more: selectors.statements_page(client=trusted, more=more) for more in cursors],
    )
    run(
        "GET statementId=",
        [
            lambda sid=sid: selectors.statement_get(client=trusted, statement_id=sid, voided=False)
            for sid in (sample_ids * 2)[:n]
        ],
    )
    filters = selectors.StatementFilters(
        verb=ADL + "answered", since="2026-06-10T00:00:00+00:00", until="2026-06-17T00:00:00+00:00"
    )
    sql, params = captured(lambda: selectors.statements_page(client=trusted, filters=filters))[-1]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (COSTS OFF) " + sql, params)
        print("  EXPLAIN of GET verb=answered since=2026-06-10 until=2026-06-17:", flush=True)
        for (line,) in cursor.fetchall():
            print("    " + line)

    # The leaderboard rebuild's scan of one month (the query of realtime/services/rules.py) and a month's
    # feature export for training (by stored: what a monthly export to Spark reads).
    month = month_add(FIRST_MONTH, MONTHS - 3)
    start = datetime.combine(month, datetime.min.time(), UTC)
    end = datetime.combine(month_add(month, 1), datetime.min.time(), UTC)
    scored = [ADL + "answered", ADL + "completed", ADL + "passed"]
    rebuild = (
        Statement.objects.trusted()
        .filter(timestamp__gte=start, timestamp__lt=end, verb_id__in=scored, voided=False)
        .exclude(actor_user=None)
        .order_by("timestamp", "stored", "id")
    )
    export = (
        Statement.objects.trusted()
        .filter(stored__gte=start, stored__lt=end, voided=False)
        .exclude(actor_user=None)
        .values_list("actor_user_id", "object_id", "verb_id", "timestamp")
    )
    for label, queryset in (
        (f"leaderboard rebuild, {month:%Y-%m} by timestamp", rebuild),
        (f"feature export, {month:%Y-%m} by stored", export),
    ):
        sql, params = queryset.query.sql_with_params()
        plan = partitions_in_plan(sql, params)
        found = month_scan(sql, params)
        times = [timed(lambda sql=sql, params=params: month_scan(sql, params)) for _ in range(args.scans)]
        report(
            label,
            f"{found:,} rows  median {statistics.median(times) / 1000:.2f} s  worst {max(times) / 1000:.2f} s "
            f"(n={len(times)})  {plan}",
        )

    # Writes: the xAPI POST's service, batches of 100 from the untrusted client (no handlers run for its
    # statements, so this is the store alone: the read of ids already stored, of the people, the COPY).
    batches = []
    for _ in range(args.batches + 5):
        batch = []
        for person in population.sample_people(rng, 100).tolist():
            verb_iri, verb_en, _share, kind = VERBS[population.sample_verbs(rng, 1)[0]]
            object_iri, atype, name = population.activities[kind][population.sample_activities(rng, kind, 1)[0]]
            batch.append(
                {
                    "actor": {
                        "objectType": "Agent",
                        "name": f"店主{person}",
                        "account": {"homePage": SITE, "name": population.usernames[person]},
                    },
                    "verb": {"id": verb_iri, "display": {"en-US": verb_en}},
                    "object": {
                        "objectType": "Activity",
                        "id": object_iri,
                        "definition": {"type": atype, "name": {"zh-CN": name}},
                    },
                }
            )
        batches.append(batch)
    for batch in batches[:5]:
        services.statements_store(statements=batch, client=external)
    times = [
        timed(lambda batch=batch: services.statements_store(statements=batch, client=external)) for batch in batches[5:]
    ]
    report(
        "POST batch of 100 (statements_store)",
        f"{percentiles(times)}  {100 * len(times) / (sum(times) / 1000):,.0f} statements/s",
    )
    print(f"  load after the queries: {os.getloadavg()}", flush=True)
    connection.close()


def retention(layout: str) -> None:
    """Remove the oldest month: its partition detached and dropped, or DELETE and the VACUUM that frees it."""
    oldest = FIRST_MONTH
    with connect() as conn:
        if layout == "flat":
            step = time.perf_counter()
            deleted = conn.execute(f"DELETE FROM {TABLE} WHERE stored < %s", [month_add(oldest, 1)]).rowcount
            deleting = time.perf_counter() - step
            step = time.perf_counter()
            conn.execute(f"VACUUM {TABLE}")
            print(
                f"  remove {oldest:%Y-%m}: DELETE {deleting:.1f} s for {deleted:,} rows, then VACUUM "
                f"{time.perf_counter() - step:.1f} s",
                flush=True,
            )
        else:
            count = conn.execute(f"SELECT count(*) FROM {partition_name(oldest)}").fetchone()[0]
            step = time.perf_counter()
            conn.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {partition_name(oldest)}")
            detached = time.perf_counter() - step
            conn.execute(f"DROP TABLE {partition_name(oldest)}")
            print(
                f"  remove {oldest:%Y-%m}: DETACH {detached * 1000:.0f} ms, DETACH + DROP "
                f"{(time.perf_counter() - step) * 1000:.0f} ms for {count:,} rows",
                flush=True,
            )
    print(f"  load after: {os.getloadavg()}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("phase", choices=("generate", "load", "measure", "drop"))
    parser.add_argument("--data", default="/tmp/gp_bench_partitions.copy.zst", help="the generated statements")
    parser.add_argument("--layout", choices=("flat", "part"), default="part", help="load: one table or by month")
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--people", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=200, help="GET requests of each kind")
    parser.add_argument("--scans", type=int, default=3, help="month scans of each kind")
    parser.add_argument("--batches", type=int, default=100, help="POST batches of 100")
    parser.add_argument("--rounds", type=int, default=2, help="measure each layout this many times, alternating")
    parser.add_argument("--retention", action="store_true", help="then remove the oldest month (destructive)")
    args = parser.parse_args()
    if args.phase == "generate":
        generate(args)
    elif args.phase == "load":
        load(args)
    elif args.phase == "measure":
        measure(args)
    else:
        admin(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        print(f"dropped {DATABASE}")


if __name__ == "__main__":
    main()
