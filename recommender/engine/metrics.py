"""Ranking and top-k metrics over the full catalogue (no sampled negatives).

Two forms: small, readable list functions (:func:`recall_at_k`, :func:`ndcg_at_k`) that the tests
check by hand, and array forms (:func:`ranking_metrics`) that the evaluation uses on thousands of
users at once. Both give the same numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp


def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError(f"k must be an integer, got {type(k).__name__}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    return int(k)


def recall_at_k(ranked: Sequence, relevant: Iterable, k: int) -> float:
    """Share of the relevant items found in the first ``k`` of ``ranked`` (0 when nothing is relevant)."""
    k = _check_k(k)
    relevant = set(relevant)
    if not relevant:
        return 0.0
    return len(relevant.intersection(list(ranked)[:k])) / len(relevant)


def ndcg_at_k(ranked: Sequence, relevant: Iterable, k: int) -> float:
    """Binary-relevance NDCG@k: sum of 1/log2(rank+1) over hits, divided by the best possible."""
    k = _check_k(k)
    relevant = set(relevant)
    if not relevant:
        return 0.0
    dcg = sum(1.0 / np.log2(r + 2) for r, item in enumerate(list(ranked)[:k]) if item in relevant)
    idcg = sum(1.0 / np.log2(r + 2) for r in range(min(k, len(relevant))))
    return float(dcg / idcg)


def catalogue_coverage(recommendation_lists: Iterable[Sequence], n_items: int) -> float:
    """Share of the catalogue that appears in at least one list."""
    if n_items <= 0:
        return 0.0
    seen = set()
    for lst in recommendation_lists:
        seen.update(lst)
    return len(seen) / n_items


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the ``k`` largest scores per row, best first (argpartition, then sort k)."""
    n, m = scores.shape
    k = min(k, m)
    if k == 0:
        return np.zeros((n, 0), dtype=np.int64)
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k] if k < m else np.broadcast_to(np.arange(m), (n, m)).copy()
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def ranking_metrics(topk: np.ndarray, relevant: sp.csr_matrix, k: int) -> dict[str, np.ndarray]:
    """Per-user hits, recall@k and NDCG@k for a block of ranked lists.

    ``topk``: (n_users, >=k) item codes best first (entries < 0 are padding); ``relevant``: a binary
    (n_users, n_items) CSR matrix of held-out items. Users without relevant items get 0.
    """
    k = _check_k(k)
    topk = np.asarray(topk)[:, :k]
    n, n_items = relevant.shape
    rel = relevant.tocsr()
    keys_rel = np.repeat(np.arange(n, dtype=np.int64), np.diff(rel.indptr)) * n_items + rel.indices.astype(np.int64)
    keys_top = np.arange(n, dtype=np.int64)[:, None] * n_items + topk.astype(np.int64)
    hits = np.isin(keys_top, keys_rel) & (topk >= 0)
    n_rel = np.diff(rel.indptr)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hits * discounts[: hits.shape[1]]).sum(axis=1)
    ideal = np.concatenate([[0.0], np.cumsum(discounts)])
    idcg = ideal[np.minimum(n_rel, k)]
    with np.errstate(invalid="ignore", divide="ignore"):
        ndcg = np.where(idcg > 0, dcg / np.where(idcg > 0, idcg, 1), 0.0)
        recall = np.where(n_rel > 0, hits.sum(axis=1) / np.maximum(n_rel, 1), 0.0)
    return {"hits": hits.sum(axis=1), "recall": recall, "ndcg": ndcg}
