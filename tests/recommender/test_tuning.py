"""The tuned fit's shortcuts: they change the work, not the answer."""

import numpy as np
import pandas as pd

from recommender.engine import algorithms
from recommender.engine.algorithms import EASE, Blend, ItemKNN
from recommender.engine.data import build_dataset, validate_interactions


def dataset(n_items=60, n=3000, seed=0):
    rng = np.random.default_rng(seed)
    return build_dataset(
        validate_interactions(
            pd.DataFrame(
                {
                    "user_id": rng.integers(0, 300, n),
                    "item_id": rng.zipf(1.3, n) % n_items,
                    "timestamp": np.sort(rng.integers(1_600_000_000, 1_700_000_000, n)),
                }
            )
        ),
        half_life_days=None,
    )


def reference_ease(ds, lam):
    X = ds.X.toarray().astype(np.float64)
    P = np.linalg.inv(X.T @ X + lam * np.eye(X.shape[1]))
    B = P / -np.diag(P)
    np.fill_diagonal(B, 0.0)
    return B


def test_float32_ease_with_a_shared_gram_matrix_matches_the_float64_inverse():
    ds = dataset()
    cache = {}
    for lam in (50.0, 200.0):
        m = EASE(lam).fit(ds, cache=cache)
        assert len(m.active_) == ds.n_items  # a small catalogue keeps every touched item
        np.testing.assert_allclose(m.B_, reference_ease(ds, lam)[np.ix_(m.active_, m.active_)], atol=2e-5)
    assert [k for k in cache if k[0] == "ease_gram"] == [("ease_gram", 3)]  # one Gram matrix for both


def test_a_large_catalogue_keeps_only_items_three_people_touched(monkeypatch):
    monkeypatch.setattr(algorithms, "EASE_ALL_ITEMS_UP_TO", 10)
    ds = dataset(n_items=400, n=1500)
    m = EASE(100.0).fit(ds)
    counts = ds.item_counts()
    assert m.active_.tolist() == np.flatnonzero(counts >= 3).tolist()
    assert (counts < 3).any()  # the rule had something to drop
    S = m.score(ds.X[:20])
    assert not S[:, counts < 3].any()  # dropped items get no EASE score


def test_every_neighbourhood_size_cuts_the_same_similarities():
    ds = dataset()
    cache = {}
    small = ItemKNN(5).fit(ds, cache=cache)
    large = ItemKNN(20).fit(ds, cache=cache)
    alone = ItemKNN(5).fit(ds)
    assert (small.sim_ != alone.sim_).nnz == 0
    assert np.diff(small.sim_.indptr).max() <= 5 < np.diff(large.sim_.indptr).max()


def walk(ndcgs):
    """The options the grid walk fits, and its choice, for given validation NDCGs."""
    blend = Blend(k=10)
    fitted = []

    def validate(name, cand, train, Xv, segv, rel, cache):
        fitted.append(cand)
        return ndcgs[cand], np.zeros((1, 1))

    blend._validate = validate
    nd, chosen, _ = blend._tune("x", list(range(len(ndcgs))), None, None, None, None, {})
    return sorted(fitted), chosen, nd


def test_the_grid_walk_finds_the_full_grids_best_with_fewer_fits():
    assert walk([0.1, 0.3, 0.2]) == ([0, 1, 2], 1, 0.3)  # a peak in the middle needs both neighbours
    assert walk([0.1, 0.2, 0.3]) == ([1, 2], 2, 0.3)  # rising: the low end is never fitted
    assert walk([0.3, 0.2, 0.1]) == ([0, 1, 2], 0, 0.3)
    assert walk([0.1, 0.2, 0.3, 0.4, 0.5]) == ([2, 3, 4], 4, 0.5)
    assert walk([0.5, 0.4, 0.3, 0.2, 0.1]) == ([0, 1, 2, 3], 0, 0.5)
    assert walk([0.2, 0.2, 0.2]) == ([0, 1, 2], 0, 0.2)  # ties go to the first, as the full grid did
