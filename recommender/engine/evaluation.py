"""Offline evaluation: every model and baseline in one run, on one time split, full ranking.

:func:`run_evaluation` is the plain function behind ``manage.py evaluate_recommender``:

1. a global time cut at ``quantile`` of event times (default the 80th percentile): train on
   events before it, test on the items each user took after it that they had not had before;
   only users with training history and at least one such item are evaluated;
2. every model is ranked over the whole catalogue (every item in the interactions and the items
   file), the user's training items excluded, no sampled negatives;
3. Recall@k, NDCG@k, catalogue coverage (share of items shown to at least one test user),
   training seconds and milliseconds per user to produce the top-k.

Hyper-parameters (EASE's lambda, the neighbourhood size, the blend weights and, when the
``implicit`` library is installed, ALS's factors / regularisation / confidence scale) are tuned on
one validation split carved from the training part by time; the test part is touched once. All
figures are measured in the run; nothing is copied from anywhere.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .algorithms import ImplicitALS, Model, RandomModel, rank
from .data import Dataset, build_dataset, read_interactions, read_items, validate_interactions, validate_items
from .metrics import ranking_metrics
from .recommender import DEFAULT_HALF_LIFE_DAYS, Recommender

log = logging.getLogger(__name__)

#: The grid ALS is tuned over on the validation split (18 settings, 15 iterations each).
ALS_GRID = {
    "factors": (32, 64, 128),
    "regularization": (0.1, 1.0),
    "alpha": (1.0, 10.0, 40.0),
}


@dataclass
class Holdout:
    """A time split of a dataset: train events before the cut, held-out (user, item) after it."""

    train: Dataset
    users: np.ndarray  # user codes evaluated (train history and at least one new held-out item)
    relevant: sp.csr_matrix  # binary (len(users), n_items)
    cut: float


def split_by_time(ds: Dataset, quantile: float = 0.8) -> Holdout:
    """Global time cut at ``quantile`` of event times: train on the past, test on what users did next.

    Only users with train history and at least one held-out item they had not had before are
    evaluated. The train part keeps the same user and item codes, and its ``now`` is the cut, so
    nothing after the cut leaks into it.
    """
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must be between 0 and 1, got {quantile}")
    if len(ds.timestamps) == 0:
        return Holdout(ds, np.zeros(0, np.int64), sp.csr_matrix((0, ds.n_items), dtype=np.float32), ds.now)
    cut = float(np.quantile(ds.timestamps, quantile))
    before = ds.timestamps < cut
    train = ds.subset(before, now=cut)
    Xtr = train.X
    after_u, after_i = ds.user_codes[~before], ds.item_codes[~before]
    H = sp.csr_matrix((np.ones(len(after_u), np.float32), (after_u, after_i)), shape=(ds.n_users, ds.n_items))
    H.sum_duplicates()
    H.data[:] = 1.0
    H = H - H.multiply(Xtr > 0)  # an item already had before the cut is not news
    H.eliminate_zeros()
    has_train = np.diff(Xtr.indptr) > 0
    has_test = np.diff(H.indptr) > 0
    users = np.flatnonzero(has_train & has_test)
    return Holdout(train, users, H[users].tocsr(), cut)


def evaluate_scores(model: Model, holdout: Holdout, k: int, *, max_users: int | None = None, seed: int = 0) -> float:
    """Mean NDCG@k of ``model`` (already fitted on ``holdout.train``) on the held-out users."""
    users, rel = holdout.users, holdout.relevant
    if max_users is not None and len(users) > max_users:
        pick = np.sort(np.random.default_rng(seed).choice(len(users), max_users, replace=False))
        users, rel = users[pick], rel[pick]
    X = holdout.train.X[users]
    seg = None if holdout.train.user_segment is None else holdout.train.user_segment[users]
    codes, _ = rank(model, X, k, segments=seg)
    return float(ranking_metrics(codes, rel, k)["ndcg"].mean()) if len(users) else 0.0


def implicit_available() -> bool:
    try:
        import implicit.cpu.als  # noqa: F401
    except ImportError:
        return False
    return True


def tune_als(
    train, k: int, validation_quantile: float, grid=None, threads: int = 2, max_users: int = 10_000
) -> tuple[ImplicitALS, dict]:
    """Pick ALS settings by validation NDCG@k on the same time-carved split the blend uses."""
    import itertools

    grid = grid or ALS_GRID
    hold = split_by_time(train, validation_quantile)
    results = {}
    best = None
    for factors, reg, alpha in itertools.product(grid["factors"], grid["regularization"], grid["alpha"]):
        m = ImplicitALS(factors=factors, regularization=reg, alpha=alpha, threads=threads)
        t0 = time.perf_counter()
        m.fit(hold.train)
        nd = evaluate_scores(m, hold, k, max_users=max_users)
        results[f"factors={factors},reg={reg},alpha={alpha}"] = {"ndcg": nd, "seconds": time.perf_counter() - t0}
        log.info("ALS validation factors=%s reg=%s alpha=%s NDCG@%d=%.4f", factors, reg, alpha, k, nd)
        if best is None or nd > best[0]:
            best = (nd, m)
    chosen = best[1]
    return ImplicitALS(
        factors=chosen.factors, regularization=chosen.regularization, alpha=chosen.alpha, threads=threads
    ), results


def _measure(
    name: str,
    ranker: Callable[[], np.ndarray],
    relevant,
    k: int,
    n_items: int,
    train_seconds: float,
    params: dict,
    role: str,
) -> dict:
    t0 = time.perf_counter()
    codes = ranker()
    seconds = time.perf_counter() - t0
    m = ranking_metrics(codes, relevant, k)
    shown = np.unique(codes[codes >= 0])
    n = len(codes)
    return {
        "model": name,
        "role": role,
        f"ndcg@{k}": float(m["ndcg"].mean()) if n else 0.0,
        f"recall@{k}": float(m["recall"].mean()) if n else 0.0,
        "coverage": len(shown) / n_items if n_items else 0.0,
        "train_seconds": float(train_seconds),
        "ms_per_user": 1000.0 * seconds / max(n, 1),
        "params": params,
    }


def run_evaluation(
    interactions,
    items=None,
    *,
    k: int = 10,
    quantile: float = 0.8,
    validation_quantile: float = 0.8,
    half_life_days: float | None = DEFAULT_HALF_LIFE_DAYS,
    include_als: bool = True,
    als_grid: dict | None = None,
    threads: int = 2,
    seed: int = 0,
    models: list[str] | None = None,
) -> dict:
    """Evaluate every model on a time split. ``interactions`` / ``items``: frames or CSV paths.

    Returns a JSON-able dict: ``dataset`` (counts), ``split`` (cut time, users, rows), ``models``
    (one row per model: ndcg@k, recall@k, coverage, train_seconds, ms_per_user, params), and
    ``validation`` (the tuning figures).
    """
    started = time.perf_counter()
    cpu_started = time.process_time()
    if isinstance(interactions, str | os.PathLike):
        source = str(interactions)
        df = read_interactions(interactions)
    else:
        source = "<DataFrame>"
        df = validate_interactions(interactions)
    items_df = read_items(items) if isinstance(items, str | os.PathLike) else validate_items(items)
    if len(df) == 0:
        raise ValueError("interactions is empty: nothing to evaluate")

    ds = build_dataset(df, items_df, half_life_days=None if half_life_days == "auto" else half_life_days)
    hold = split_by_time(ds, quantile)
    if len(hold.users) == 0:
        raise ValueError("the time split left no user with both training history and later items")
    train = hold.train
    users, relevant = hold.users, hold.relevant
    n_items = ds.n_items
    rows: list[dict] = []

    # the shipped model: the blend inside Recommender (tuned on a split of the training part)
    t0 = time.perf_counter()
    rec = Recommender(
        half_life_days=half_life_days, validation_quantile=validation_quantile, k_tune=k, random_state=seed
    )
    rec._fit_dataset(train)
    blend_seconds = time.perf_counter() - t0
    blend = rec.blend_
    # every model sees the training data as the blend chose to weigh it (its half-life)
    if rec.half_life_days_ != train.half_life_days:
        train = dataclasses.replace(train, half_life_days=rec.half_life_days_, _X=None)
    X_test = train.X[users]
    seg = None if train.user_segment is None else train.user_segment[users]

    def model_ranker(model):
        return lambda: rank(model, X_test, k, segments=seg)[0]

    def wanted(name):
        return models is None or name in models

    if wanted("random"):
        rnd = RandomModel(seed).fit(train)
        rows.append(_measure("random", model_ranker(rnd), relevant, k, n_items, 0.0, {}, "baseline"))
    for name, model in blend.components_.items():
        if not wanted(name):
            continue
        rows.append(
            _measure(
                name, model_ranker(model), relevant, k, n_items, blend.fit_seconds_[name], model.params(), "component"
            )
        )

    als_validation = None
    if include_als:
        if implicit_available():
            t0 = time.perf_counter()
            als, als_validation = tune_als(train, k, validation_quantile, als_grid, threads)
            tune_seconds = time.perf_counter() - t0
            t0 = time.perf_counter()
            als.fit(train)
            als_fit = time.perf_counter() - t0
            params = dict(als.params(), tune_seconds=round(tune_seconds, 1), threads=threads)
            rows.append(_measure("implicit_als", model_ranker(als), relevant, k, n_items, als_fit, params, "reference"))
        else:
            log.warning("implicit is not installed: ALS reference skipped (pip install implicit)")

    rows.append(
        _measure(
            "blend", model_ranker(blend), relevant, k, n_items, blend_seconds, {"weights": blend.weights_}, "shipped"
        )
    )
    fresh_rec = rec
    rows.append(
        _measure(
            f"blend+fresh({rec.fresh_share:g})",
            lambda: fresh_rec._rank_codes(users, k, history=X_test, segments=seg, fresh=True)[0],
            relevant,
            k,
            n_items,
            blend_seconds,
            {
                "fresh_share": rec.fresh_share,
                "fresh_days": rec.fresh_days,
                "fresh_max_interactions": rec.fresh_max_interactions,
                "fresh_items": int(rec.fresh_mask_.sum()),
            },
            "shipped, fresh mixing on",
        )
    )

    t_all = pd.to_datetime(ds.timestamps, unit="s", utc=True)
    return {
        "source": source,
        "k": k,
        "dataset": {
            "interactions": int(len(df)),
            "users": int(ds.n_users),
            "items": int(n_items),
            "first": t_all.min().isoformat(),
            "last": t_all.max().isoformat(),
        },
        "split": {
            "quantile": quantile,
            "cut": dt.datetime.fromtimestamp(hold.cut, dt.UTC).isoformat(),
            "train_interactions": int(len(train.timestamps)),
            "test_users": int(len(users)),
            "test_pairs": int(relevant.nnz),
            "validation_quantile": validation_quantile,
            "half_life_days": half_life_days,
            "half_life_days_chosen": rec.half_life_days_,
        },
        "models": rows,
        "validation": {"blend": blend.validation_, "implicit_als": als_validation},
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_started,
        "load_average": list(os.getloadavg()),
    }


def format_table(result: dict) -> str:
    """The models side by side, one line each."""
    k = result["k"]
    head = f"{'model':<24} {'NDCG@' + str(k):>9} {'Recall@' + str(k):>10} {'coverage':>9} {'train s':>9} {'ms/user':>8}"
    lines = [
        f"{result['source']}: {result['dataset']['interactions']:,} interactions, "
        f"{result['dataset']['users']:,} users, {result['dataset']['items']:,} items",
        f"time split at {result['split']['cut']} (quantile {result['split']['quantile']}): "
        f"{result['split']['train_interactions']:,} training interactions, "
        f"{result['split']['test_users']:,} test users, {result['split']['test_pairs']:,} held-out pairs; "
        f"full ranking, seen items excluded",
        "",
        head,
        "-" * len(head),
    ]
    for r in result["models"]:
        lines.append(
            f"{r['model']:<24} {r[f'ndcg@{k}']:>9.4f} {r[f'recall@{k}']:>10.4f} {r['coverage']:>9.3f} "
            f"{r['train_seconds']:>9.1f} {r['ms_per_user']:>8.3f}"
        )
    lines.append("")
    for r in result["models"]:
        if r["params"]:
            lines.append(f"{r['model']}: {r['params']}")
    lines.append(f"half-life chosen on the validation split: {result['split'].get('half_life_days_chosen')} days")
    lines.append(
        f"total {result['seconds']:.0f} s wall, {result.get('cpu_seconds', 0):.0f} s CPU "
        f"(load average {', '.join(f'{x:.1f}' for x in result.get('load_average', []))})"
    )
    return "\n".join(lines)
