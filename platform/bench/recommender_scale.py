"""Recommender at one city's scale: train on 7 million synthetic statements (34,000 people, 600 items),
recommend for everybody, and time the API server-side.

    .venv/bin/python platform/bench/recommender_scale.py [--statements 7000000] [--users 34000] [--items 600]
                                                          [--requests 2000] [--no-api]

Synthetic data with a realistic shape: activity per person is log-normal (a few very active learners, a long
tail of occasional ones), item popularity is Zipf-like, people have a taste (one of 20 topics) that most of
their learning follows, verbs are mostly views with some progress, completions and passes, over one year,
and people sit in 200 grids (their segment). Goals: training < 2 min and < 4 GiB peak memory;
recommend_many for all 34,000 people < 5 s; the API's p99 < 10 ms server-side.

Peak memory is the process's peak resident set (resource.getrusage ru_maxrss), data included.
"""

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

GIB = 1024**3


def peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


def synthetic(n_statements: int, n_users: int, n_items: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    topics = 20
    activity = rng.lognormal(mean=0.0, sigma=1.0, size=n_users)
    counts = np.maximum(1, np.round(activity / activity.sum() * n_statements)).astype(np.int64)
    counts[np.argmax(counts)] += n_statements - counts.sum()
    users = np.repeat(np.arange(1, n_users + 1), counts)
    n = len(users)
    user_topic = rng.integers(0, topics, n_users + 1)
    item_topic = np.arange(n_items) % topics
    # Zipf-like popularity over the whole catalogue and within each topic
    ranks = rng.permutation(n_items) + 1
    pop = 1.0 / ranks**0.9
    glob_p = pop / pop.sum()
    in_topic = rng.random(n) < 0.6
    items = np.empty(n, dtype=np.int64)
    items[~in_topic] = rng.choice(n_items, size=(~in_topic).sum(), p=glob_p)
    for t in range(topics):
        members = np.flatnonzero(item_topic == t)
        sel = np.flatnonzero(in_topic & (user_topic[users] == t))
        p = pop[members] / pop[members].sum()
        items[sel] = members[rng.choice(len(members), size=len(sel), p=p)]
    start = 1_700_000_000.0
    timestamps = start + rng.random(n) * 365 * 86_400
    verbs = rng.choice(4, size=n, p=[0.6, 0.2, 0.15, 0.05])
    weight = np.array([1.0, 1.5, 4.0, 5.0], dtype=np.float32)[verbs]
    kinds = np.where(np.arange(n_items) < n_items // 6, "course", "lesson")
    item_names = np.array([f"{k}:{i + 1}" for i, k in enumerate(kinds)], dtype=object)
    segments = np.array([f"retailer@{g}" for g in range(200)], dtype=object)
    user_segment = segments[rng.integers(0, 200, n_users + 1)]
    frame = pd.DataFrame(
        {
            "user_id": users,
            "item_id": item_names[items],
            "timestamp": timestamps,
            "weight": weight,
            "segment": user_segment[users],
        }
    )
    words = ["卷烟", "陈列", "动销", "记账", "现金流", "安全", "服务", "营销", "品牌", "法规", "诚信", "数字化"]
    catalogue = pd.DataFrame(
        {
            "item_id": item_names,
            "kind": kinds,
            "title": [
                f"{words[t % len(words)]}{words[(t * 7 + i) % len(words)]}第{i}讲" for i, t in enumerate(item_topic)
            ],
        }
    )
    return frame, catalogue


def api_p99(rec, catalogue: pd.DataFrame, n_requests: int, production: bool = False) -> dict:
    """Serve the trained model through the real API in-process (Django test client, SQLite database).

    ``production``: DEBUG off as in production (a throw-away secret key, no HTTPS redirect: requests are
    made as HTTPS by the test client)."""
    tmp = tempfile.mkdtemp(prefix="recbench-")
    if production:
        import secrets

        os.environ["DJANGO_DEBUG"] = "false"
        os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
        os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
        os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/db.sqlite3"
    os.environ.pop("REDIS_URL", None)
    os.environ["RECOMMENDER_MODEL_DIR"] = f"{tmp}/models"
    import django

    django.setup()
    import joblib
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from core.people.models import User
    from recommender.services import POINTER, ModelBundle, current_model

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"  (migrated a scratch SQLite database in {time.perf_counter() - t0:.0f} s)")
    info = {
        r.item_id: {"item_id": r.item_id, "kind": r.kind, "title": r.title, "url": f"/learn/{r.item_id}/"}
        for r in catalogue.itertuples()
    }
    kind_items = {}
    for item_id in rec.item_index_:
        kind_items.setdefault(info[item_id]["kind"], []).append(item_id)
    bundle = ModelBundle(
        recommender=rec,
        catalogue=info,
        version="bench",
        trained_at=time.time(),
        statements=0,
        kind_items=kind_items,
    )
    folder = Path(settings.RECOMMENDER_MODEL_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(bundle, folder / "model-bench.joblib")
    (folder / POINTER).write_text("model-bench.joblib")
    assert current_model() is not None
    users = [User.objects.create(username=f"bench{i}") for i in range(20)]  # pks 1..20: people with history
    clients = []
    for u in users:
        c = Client()
        c.force_login(u)
        clients.append(c)
    kinds = ["course", "lesson", None]
    for i in range(50):  # warm up
        clients[i % len(clients)].get("/api/recommendations?limit=10", secure=production)
    times, cpu = [], []
    for i in range(n_requests):
        kind = kinds[i % 3]
        url = "/api/recommendations?limit=10" + (f"&kind={kind}" if kind else "")
        t, c = time.perf_counter(), time.process_time()
        r = clients[i % len(clients)].get(url, secure=production)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        assert r.status_code == 200 and r.json()["items"], r.content[:200]
    ms = np.array(times) * 1000
    cpu_ms = np.array(cpu) * 1000
    return {
        "requests": n_requests,
        "p50": np.percentile(ms, 50),
        "p99": np.percentile(ms, 99),
        "max": ms.max(),
        "cpu_p50": np.percentile(cpu_ms, 50),
        "cpu_p99": np.percentile(cpu_ms, 99),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=7_000_000)
    parser.add_argument("--users", type=int, default=34_000)
    parser.add_argument("--items", type=int, default=600)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--no-api", action="store_true")
    parser.add_argument("--production", action="store_true", help="time the API with DEBUG off, as in production")
    args = parser.parse_args()

    from recommender import Recommender

    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}, {os.cpu_count()} cpus")
    print("CPU figures are process CPU time (all threads): on a machine shared with other jobs they, not wall")
    print("time, say what the work costs.")
    t0 = time.perf_counter()
    frame, catalogue = synthetic(args.statements, args.users, args.items)
    print(
        f"synthetic data: {len(frame):,} statements, {frame['user_id'].nunique():,} people, "
        f"{frame['item_id'].nunique():,} items in {time.perf_counter() - t0:.1f} s; "
        f"peak RSS so far {peak_rss_bytes() / GIB:.2f} GiB"
    )

    t0 = time.perf_counter()
    cpu0 = time.process_time()
    rec = Recommender().fit(frame, catalogue)
    train_s = time.perf_counter() - t0
    train_cpu = time.process_time() - cpu0
    peak = peak_rss_bytes()
    print(
        f"train: {train_s:.1f} s wall ({train_cpu:.1f} s CPU), peak RSS {peak / GIB:.2f} GiB  "
        f"[goal < 120 s, < 4 GiB: {'OK' if train_s < 120 and peak < 4 * GIB else 'MISSED'}]"
    )
    print(f"  half-life {rec.half_life_days_}, weights {rec.info_['weights']}")
    del frame

    user_ids = list(range(1, args.users + 1))
    t0, c0 = time.perf_counter(), time.process_time()
    out = rec.recommend_many(user_ids, k=10)
    many_s = time.perf_counter() - t0
    many_cpu = time.process_time() - c0
    assert len(out) == args.users and all(len(v) == 10 for v in out.values())
    print(
        f"recommend_many: {args.users:,} people x 10 in {many_s:.2f} s ({many_cpu:.2f} s CPU) "
        f"[goal < 5 s: {'OK' if many_s < 5 else 'MISSED'}]"
    )
    t0, c0 = time.perf_counter(), time.process_time()
    for u in user_ids[:1000]:
        rec.recommend_with_reasons(u, k=10)
    print(
        f"recommend_with_reasons: {(time.perf_counter() - t0):.3f} ms per person wall, "
        f"{(time.process_time() - c0):.3f} ms CPU (1,000 people)"
    )

    if not args.no_api:
        r = api_p99(rec, catalogue, args.requests, production=args.production)
        print(
            f"API GET /api/recommendations ({'DEBUG off' if args.production else 'DEBUG on'}): "
            f"{r['requests']} requests in-process, p50 {r['p50']:.2f} ms, "
            f"p99 {r['p99']:.2f} ms, max {r['max']:.2f} ms [goal p99 < 10 ms: {'OK' if r['p99'] < 10 else 'MISSED'}]; "
            f"CPU per request p50 {r['cpu_p50']:.2f} ms, p99 {r['cpu_p99']:.2f} ms"
        )
    print(f"peak RSS {peak_rss_bytes() / GIB:.2f} GiB; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
