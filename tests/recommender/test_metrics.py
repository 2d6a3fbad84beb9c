"""Metrics on hand-computed examples, and the array form agreeing with the list form."""

import math

import numpy as np
import pytest
import scipy.sparse as sp

from recommender.engine.metrics import catalogue_coverage, ndcg_at_k, ranking_metrics, recall_at_k, top_k


def test_recall_by_hand():
    assert recall_at_k(["a", "b", "c"], {"b", "x"}, 2) == 0.5
    assert recall_at_k(["a", "b", "c"], {"c"}, 2) == 0.0
    assert recall_at_k(["a"], set(), 5) == 0.0


def test_ndcg_by_hand():
    # hit at rank 2 of 3, two relevant: dcg = 1/log2(3); idcg = 1 + 1/log2(3)
    expected = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(["a", "b", "c"], {"b", "z"}, 3) == pytest.approx(expected)
    assert ndcg_at_k(["b", "a"], {"b"}, 2) == 1.0
    assert ndcg_at_k(["a", "b"], {"c"}, 2) == 0.0


def test_coverage_by_hand():
    assert catalogue_coverage([["a", "b"], ["b", "c"]], 6) == 0.5
    assert catalogue_coverage([], 0) == 0.0


def test_k_is_checked():
    with pytest.raises(ValueError, match="at least 1"):
        ndcg_at_k(["a"], {"a"}, 0)
    with pytest.raises(TypeError, match="must be an integer"):
        recall_at_k(["a"], {"a"}, 1.5)


def test_top_k_orders_best_first():
    scores = np.array([[0.1, 0.9, 0.5, 0.7], [3, 2, 1, 0]], dtype=np.float32)
    assert top_k(scores, 2).tolist() == [[1, 3], [0, 1]]


def test_array_form_matches_list_form():
    rng = np.random.default_rng(1)
    n_users, n_items, k = 50, 30, 5
    ranked = np.array([rng.permutation(n_items)[:k] for _ in range(n_users)])
    rel = sp.random(n_users, n_items, density=0.1, random_state=2, format="csr")
    rel.data[:] = 1
    arr = ranking_metrics(ranked, rel, k)
    for u in range(n_users):
        relevant = set(rel[u].indices.tolist())
        assert arr["ndcg"][u] == pytest.approx(ndcg_at_k(ranked[u].tolist(), relevant, k))
        assert arr["recall"][u] == pytest.approx(recall_at_k(ranked[u].tolist(), relevant, k))
