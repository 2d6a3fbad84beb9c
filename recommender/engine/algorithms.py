"""The recommendation models: one interface, usable alone or inside the blend.

Every model has ``fit(ds: Dataset) -> self`` and ``score(X, segments=None) -> ndarray``: ``X`` is a
CSR block of user histories (rows, same item codes as the dataset; an empty row is a user with
no history) and the result a dense float32 (n_users, n_items) array, higher is better. Scoring
histories rather than user ids means a user who was not in training (or did something since) is
scored the same way. Seen items are *not* masked here: ranking does that.

* :class:`Popularity` -- weighted, decayed interaction mass per item.
* :class:`SegmentPopularity` -- the same within the user's segment (role, organisation unit).
* :class:`ItemKNN` -- item-to-item cosine neighbourhood, top-N neighbours per item.
* :class:`EASE` -- Steck's closed-form linear autoencoder (WWW 2019), ridge ``lam``.
* :class:`Content` -- TF-IDF on item text (character n-grams, which work for Chinese), top-N
  similar items; gives items nobody has touched a score.
* :class:`RandomModel` -- the floor.
* :class:`ImplicitALS` -- the ``implicit`` library's ALS, an outside reference for the evaluation.
* :class:`Blend` -- weighted sum of per-user max-normalised component scores; component
  hyper-parameters and blend weights are chosen on a validation split carved from the training
  data by time (coordinate search on NDCG@k).
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import re
import time
from typing import TYPE_CHECKING

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .data import Dataset

if TYPE_CHECKING:
    from .evaluation import Holdout
from .metrics import ranking_metrics, top_k

log = logging.getLogger(__name__)


class Model:
    name = "model"
    #: ``fit(ds, cache=...)`` reuses work shared across a tuning grid (see :func:`_cached`).
    shares_work = False

    def fit(self, ds: Dataset) -> Model:  # pragma: no cover - interface
        raise NotImplementedError

    def score(self, X: sp.csr_matrix, segments: np.ndarray | None = None) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def params(self) -> dict:
        return {}

    def __repr__(self) -> str:
        p = ", ".join(f"{k}={v}" for k, v in self.params().items())
        return f"{type(self).__name__}({p})"


def fit_model(model: Model, ds: Dataset, cache: dict | None = None) -> Model:
    """``model.fit(ds)``, handing the tuning run's cache to the models that share work through it."""
    return model.fit(ds, cache=cache) if model.shares_work else model.fit(ds)


def _top_n_per_row(S: sp.csr_matrix, n: int) -> sp.csr_matrix:
    """Keep the ``n`` largest entries of every row of a CSR matrix (vectorised over rows)."""
    S = S.tocsr()
    S.sum_duplicates()
    counts = np.diff(S.indptr)
    if n <= 0 or counts.max(initial=0) <= n:
        return S
    rows = np.repeat(np.arange(S.shape[0]), counts)
    # sort entries by (row, -value), then keep the first n of each row
    order = np.lexsort((-S.data, rows))
    rank_in_row = np.arange(len(order)) - np.repeat(S.indptr[:-1], counts)
    keep = order[rank_in_row < n]
    keep.sort()
    out = sp.csr_matrix((S.data[keep], (rows[keep], S.indices[keep])), shape=S.shape, dtype=S.dtype)
    return out


#: Up to this many items, neighbourhood weights are kept dense after fitting (600 items: 1.4 MB):
#: scoring one person is then one small dense product, not a sparse one.
DENSE_WEIGHTS_MAX_ITEMS = 3000


def _sparse_times_weights(model, X) -> np.ndarray:
    W = model.W_
    if W.shape[0] <= DENSE_WEIGHTS_MAX_ITEMS:
        dense = getattr(model, "W_dense_", None)
        if dense is None:
            dense = model.W_dense_ = W.toarray().astype(np.float32)
        return np.asarray(X @ dense, dtype=np.float32)
    return np.asarray((X @ W).todense(), dtype=np.float32)


class Popularity(Model):
    """Items by their decayed interaction mass (the same list for everybody)."""

    name = "popularity"

    def fit(self, ds: Dataset) -> Popularity:
        X = ds.X
        pop = np.asarray(X.sum(axis=0)).ravel().astype(np.float32)
        # ties (e.g. no data) break towards catalogue order
        self.pop_ = pop + np.linspace(1e-6, 0, len(pop), dtype=np.float32) * (pop.max(initial=0) or 1)
        return self

    def score(self, X, segments=None):
        return np.broadcast_to(self.pop_, (X.shape[0], len(self.pop_))).copy()


class SegmentPopularity(Model):
    """Popularity within the user's segment (role, organisation unit); global for unknown segments."""

    name = "segment_popularity"

    def __init__(self, global_share: float = 0.1):
        self.global_share = global_share

    def params(self):
        return {"global_share": self.global_share}

    def fit(self, ds: Dataset) -> SegmentPopularity:
        X = ds.X
        glob = np.asarray(X.sum(axis=0)).ravel().astype(np.float32)
        self.global_ = glob / (glob.max(initial=0) or 1.0)
        n_seg = 0 if ds.segment_index is None else len(ds.segment_index)
        self.seg_ = np.zeros((n_seg, ds.n_items), dtype=np.float32)
        if n_seg and ds.user_segment is not None:
            seg = ds.user_segment
            known = np.flatnonzero(seg >= 0)
            onehot = sp.csr_matrix((np.ones(len(known), np.float32), (seg[known], known)), shape=(n_seg, ds.n_users))
            mass = np.asarray((onehot @ X).todense(), dtype=np.float32)
            mx = mass.max(axis=1, keepdims=True)
            self.seg_ = mass / np.where(mx > 0, mx, 1.0)
        return self

    def score(self, X, segments=None):
        n = X.shape[0]
        out = np.broadcast_to(self.global_, (n, len(self.global_))).copy()
        if segments is not None and len(self.seg_):
            segments = np.asarray(segments)
            has = segments >= 0
            if has.any():
                out[has] = (1 - self.global_share) * self.seg_[segments[has]] + self.global_share * out[has]
        return out


class ItemKNN(Model):
    """Item-to-item cosine neighbourhood: score(j) = sum over the user's items i among j's N nearest."""

    name = "itemknn"
    shares_work = True

    def __init__(self, neighbours: int = 100, shrink: float = 0.0):
        self.neighbours = neighbours
        self.shrink = shrink

    def params(self):
        return {"neighbours": self.neighbours, "shrink": self.shrink}

    def fit(self, ds: Dataset, cache: dict | None = None) -> ItemKNN:
        def similarities():
            X = ds.X.tocsc()
            norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=0)).ravel())
            inv = np.where(norms > 0, 1.0 / np.maximum(norms, 1e-12), 0.0).astype(np.float32)
            Xn = (X @ sp.diags(inv)).tocsr()
            S = (Xn.T @ Xn).tocsr().astype(np.float32)
            if self.shrink:
                # shrink similarities supported by little co-occurrence
                B = (X > 0).astype(np.float32)
                co = (B.T @ B).tocsr()
                co.data = co.data / (co.data + self.shrink)
                S = S.multiply(co).tocsr()
            S.setdiag(0)
            S.eliminate_zeros()
            return S

        # every neighbourhood size of a grid cuts the same similarities
        S = _cached(cache, ("itemknn_sim", self.shrink), ds.X, similarities)
        # rows are candidate items j, columns their neighbours i
        self.sim_ = _top_n_per_row(S, self.neighbours)
        self.W_ = self.sim_.T.tocsr()  # score = X @ W
        return self

    def score(self, X, segments=None):
        return _sparse_times_weights(self, X)


#: EASE keeps every touched item up to this many; above it only items at least ``min_users`` people touched.
EASE_ALL_ITEMS_UP_TO = 2000


def _cached(cache: dict | None, key: tuple, source, compute):
    """``compute()`` once per (key, source) within one tuning run: the cache keeps the object the value was
    computed from (the matrix ``ds.X``, or the item texts) and recomputes when it is another object (another
    split or half-life)."""
    if cache is None:
        return compute()
    hit = cache.get(key)
    if hit is not None and hit[0] is source:
        return hit[1]
    value = compute()
    cache[key] = (source, value)
    return value


def _ease_gram(ds: Dataset, min_users: int, cache: dict | None) -> tuple[np.ndarray, np.ndarray]:
    """The items EASE models and their dense float32 Gram matrix X'X, shared by every lambda of a grid."""

    def compute():
        X = ds.X
        counts = np.diff(X.tocsc().indptr)
        active = np.flatnonzero(counts > 0)
        if len(active) > EASE_ALL_ITEMS_UP_TO:
            active = np.flatnonzero(counts >= min_users)
        Xa = X[:, active]
        return active, (Xa.T @ Xa).toarray().astype(np.float32)

    return _cached(cache, ("ease_gram", min_users), ds.X, compute)


class EASE(Model):
    """Embarrassingly Shallow Autoencoder: B = I - P diagMat(1/diag(P)), P = (X'X + lam I)^-1.

    Above :data:`EASE_ALL_ITEMS_UP_TO` touched items, only items touched by at least ``min_users`` people take
    part (the others get no EASE score; the blend's neighbourhood and content models still rank them): the dense
    inverse costs the cube of their number, and an item one or two people touched barely moves it. The inverse
    is a float32 Cholesky one (half the work and memory of float64; the ridge keeps the system well conditioned).
    """

    name = "ease"
    shares_work = True
    max_items = 40_000  # a dense items x items inverse: beyond this use a factor model instead

    def __init__(self, lam: float = 200.0, min_users: int = 3):
        self.lam = lam
        self.min_users = min_users

    def params(self):
        return {"lam": self.lam}

    def fit(self, ds: Dataset, cache: dict | None = None) -> EASE:
        if ds.n_items > self.max_items:
            raise ValueError(
                f"EASE needs a dense {ds.n_items}x{ds.n_items} matrix; more than "
                f"{self.max_items} items is too many for it"
            )
        active, G = _ease_gram(ds, self.min_users, cache)
        self.B_ = None
        self.active_ = active
        self.n_items_ = ds.n_items
        if len(active) == 0:
            return self
        G = G.copy()
        G[np.diag_indices_from(G)] += np.float32(self.lam)
        c, info = scipy.linalg.lapack.spotrf(G, lower=False, overwrite_a=True)
        if info == 0:
            P, info = scipy.linalg.lapack.spotri(c, lower=False, overwrite_c=True)
        if info != 0:  # not positive definite in float32: the general float64 inverse
            G = _ease_gram(ds, self.min_users, cache)[1].astype(np.float64)
            G[np.diag_indices_from(G)] += self.lam
            P = np.linalg.inv(G).astype(np.float32)
        else:
            P = np.triu(P) + np.triu(P, 1).T
        del G
        P /= -np.diag(P)
        np.fill_diagonal(P, 0.0)
        self.B_ = P
        return self

    def score(self, X, segments=None):
        n = X.shape[0]
        out = np.zeros((n, X.shape[1]), dtype=np.float32)
        if self.B_ is None:
            return out
        Xa = X[:, self.active_]
        out[:, self.active_] = np.asarray(Xa @ self.B_, dtype=np.float32)
        return out


_LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9+#.\-]*[a-z0-9+#]|[a-z0-9]")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def text_tokens(text: str) -> list[str]:
    """Tokens for the content model: Latin words, and character unigrams and bigrams of Chinese runs.

    Character bigrams need no word segmenter and match Chinese titles on shared words
    (卷烟陈列技巧 ~ 陈列与动销 share 陈列); Latin text is matched on whole words.
    """
    text = text.lower()
    tokens = _LATIN_WORD.findall(text)
    for run in _CJK_RUN.findall(text):
        tokens.extend(run)
        tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


class Content(Model):
    """TF-IDF on item text, cosine top-N similar items; score(j) = sum of the user's items' similarity.

    Tokens from :func:`text_tokens` (words for Latin text, character uni/bigrams for Chinese).
    Gives items nobody has touched yet a score through the items they resemble.
    """

    name = "content"
    shares_work = True

    def __init__(self, neighbours: int = 50, max_df: float = 0.5, block: int = 2048):
        self.neighbours = neighbours
        self.max_df = max_df
        self.block = block

    def params(self):
        return {"neighbours": self.neighbours, "max_df": self.max_df}

    def fit(self, ds: Dataset, cache: dict | None = None) -> Content:
        # the similarities depend on the item texts only: the validation fit serves the final one
        self.sim_ = _cached(cache, ("content", self.neighbours, self.max_df), ds.item_text, lambda: self._sim(ds))
        self.W_ = self.sim_.T.tocsr()
        return self

    def _sim(self, ds: Dataset) -> sp.csr_matrix:
        from sklearn.feature_extraction.text import TfidfVectorizer

        n = ds.n_items
        texts = list(ds.item_text or [""] * n)
        has_text = np.array([bool(t.strip()) for t in texts], dtype=bool)
        sim = sp.csr_matrix((n, n), dtype=np.float32)
        idx = np.flatnonzero(has_text)
        T = None
        if len(idx) >= 2:
            max_df = self.max_df if len(idx) >= 20 else 1.0
            vec = TfidfVectorizer(analyzer=text_tokens, sublinear_tf=True, max_df=max_df, dtype=np.float32)
            try:
                T = vec.fit_transform([texts[i] for i in idx]).tocsr()
            except ValueError:  # no token survived
                T = None
        if T is not None:
            TT = T.T.tocsc()
            nn_k = min(self.neighbours, len(idx) - 1)
            rows, cols, vals = [], [], []
            for start in range(0, len(idx), self.block):
                stop = min(start + self.block, len(idx))
                D = (T[start:stop] @ TT).toarray()
                D[np.arange(stop - start), np.arange(start, stop)] = 0.0  # not similar to itself
                t = top_k(D, nn_k)
                v = np.take_along_axis(D, t, axis=1)
                rows.append(np.repeat(idx[start:stop], nn_k))
                cols.append(idx[t.ravel()])
                vals.append(v.ravel())
            S = sp.csr_matrix(
                (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n), dtype=np.float32
            )
            S.eliminate_zeros()
            sim = S
        return sim

    def score(self, X, segments=None):
        return _sparse_times_weights(self, X)


class RandomModel(Model):
    name = "random"

    def __init__(self, seed: int = 0):
        self.seed = seed

    def params(self):
        return {"seed": self.seed}

    def fit(self, ds: Dataset) -> RandomModel:
        self.rng_ = np.random.default_rng(self.seed)
        return self

    def score(self, X, segments=None):
        return self.rng_.random((X.shape[0], X.shape[1]), dtype=np.float32)


class ImplicitALS(Model):
    """The ``implicit`` library's ALS (Hu, Koren, Volinsky 2008) as an outside reference.

    Users are scored by implicit's own least-squares fold-in of their history
    (``recalculate_user``), so the same histories are scored as for every other model.
    """

    name = "implicit_als"

    def __init__(self, factors=64, regularization=0.1, alpha=1.0, iterations=15, threads=2, seed=0):
        self.factors, self.regularization, self.alpha = factors, regularization, alpha
        self.iterations, self.threads, self.seed = iterations, threads, seed

    def params(self):
        return {
            "factors": self.factors,
            "regularization": self.regularization,
            "alpha": self.alpha,
            "iterations": self.iterations,
        }

    def fit(self, ds):
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, "blas"):  # implicit's advice: its own threads, single-threaded BLAS
            self.model_ = AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=self.alpha,
                iterations=self.iterations,
                num_threads=self.threads,
                random_state=self.seed,
            )
            self.model_.fit(ds.X.astype(np.float32), show_progress=False)
        return self

    def score(self, X, segments=None):
        uf = self.model_.recalculate_user(np.arange(X.shape[0]), X.astype(np.float32).tocsr())
        return np.asarray(uf @ self.model_.item_factors.T, dtype=np.float32)


# --------------------------------------------------------------------------------------------------
# ranking helpers shared with the evaluation
# --------------------------------------------------------------------------------------------------
def _csr_entries(X) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of the stored entries of a CSR matrix, without the COO round trip of ``nonzero``."""
    if not sp.isspmatrix_csr(X) and not isinstance(X, sp.csr_array):
        X = sp.csr_matrix(X)
    return np.repeat(np.arange(X.shape[0]), np.diff(X.indptr)), X.indices


def mask_seen(scores: np.ndarray, X: sp.csr_matrix) -> np.ndarray:
    """Set the scores of items in each row's history to -inf (in place)."""
    r, c = _csr_entries(X)
    scores[r, c] = -np.inf
    return scores


def rank_blocks(
    score,
    X: sp.csr_matrix,
    k: int,
    *,
    segments=None,
    exclude_seen: bool = True,
    allowed: np.ndarray | None = None,
    block: int = 2048,
):
    """Score the rows of ``X`` in blocks of users with ``score(X_block, segments_block)`` and yield
    ``(start, stop, scores, top)`` per block: the scores with seen (``exclude_seen``) and disallowed items at
    -inf, and the codes of the ``k`` best of each row (``k`` at most the number of items). The one ranking loop
    of the engine: :func:`rank` and ``Recommender`` both use it."""
    n = X.shape[0]
    for start in range(0, n, block):
        stop = min(start + block, n)
        Xb = X[start:stop]
        S = score(Xb, None if segments is None else segments[start:stop])
        if exclude_seen:
            mask_seen(S, Xb)
        if allowed is not None:
            S[:, ~allowed] = -np.inf
        yield start, stop, S, top_k(S, k)


def rank(
    model: Model,
    X: sp.csr_matrix,
    k: int,
    *,
    segments=None,
    exclude_seen: bool = True,
    allowed: np.ndarray | None = None,
    block: int = 2048,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k item codes and their scores per row of ``X``, scored in blocks of users.

    Excluded entries score -inf; rows with fewer than k rankable items are padded with -inf
    scores (callers drop them).
    """
    n, m = X.shape
    kk = min(k, m)
    codes = np.empty((n, kk), dtype=np.int64)
    vals = np.empty((n, kk), dtype=np.float32)
    blocks = rank_blocks(model.score, X, kk, segments=segments, exclude_seen=exclude_seen, allowed=allowed, block=block)
    for start, stop, S, t in blocks:
        codes[start:stop] = t
        vals[start:stop] = np.take_along_axis(S, t, axis=1)
    return codes, vals


# --------------------------------------------------------------------------------------------------
# the blend
# --------------------------------------------------------------------------------------------------
def default_candidates(n_items: int | None = None, with_segments: bool = False) -> dict[str, list[Model]]:
    """The hyper-parameter grid each component is tuned over on the validation split."""
    cands: dict[str, list[Model]] = {
        "popularity": [Popularity()],
        "itemknn": [ItemKNN(n) for n in (50, 200, 800)],
        "ease": [EASE(lam) for lam in (50, 200, 800)],
        "content": [Content(50)],
    }
    if with_segments:
        cands["segment_popularity"] = [SegmentPopularity()]
    if n_items is not None and n_items > EASE.max_items:
        del cands["ease"]
    return cands


DEFAULT_WEIGHTS = {
    "ease": 1.0,
    "itemknn": 0.3,
    "popularity": 0.1,
    "segment_popularity": 0.1,
    "content": 0.2,
    "content_cold": 1.0,
}
WEIGHT_GRID = (0.0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)


def normalise_rows(S: np.ndarray, X: sp.csr_matrix) -> np.ndarray:
    """Divide each row by its largest score among unseen items (in place); rows with no positive
    score are left as they are."""
    r, c = _csr_entries(X)
    saved = S[r, c]
    S[r, c] = -np.inf
    mx = S.max(axis=1)
    S[r, c] = saved
    scale = np.where(mx > 0, mx, 1.0).astype(np.float32)
    S /= scale[:, None]
    return S


class Blend(Model):
    """A weighted sum of component models' per-user-normalised scores.

    ``fit`` carves a validation split from the training data by time (``validation_quantile`` of
    its event times), picks each component's hyper-parameters by NDCG@k there, then the blend
    weights by coordinate search over :data:`WEIGHT_GRID` (starting from the best single component,
    so the blend is never worse than it on validation), and refits the chosen components on all
    the data. With too few validation users it keeps the first candidate of each component and
    :data:`DEFAULT_WEIGHTS`.
    """

    name = "blend"

    def __init__(
        self,
        candidates: dict[str, list[Model]] | None = None,
        *,
        k: int = 10,
        validation_quantile: float = 0.8,
        min_validation_users: int = 30,
        max_validation_users: int = 10_000,
        weight_grid=WEIGHT_GRID,
        rounds: int = 3,
        seed: int = 0,
        half_lives: tuple | None = None,
    ):
        self.candidates = candidates
        self.half_lives = half_lives
        self.k = k
        self.validation_quantile = validation_quantile
        self.min_validation_users = min_validation_users
        self.max_validation_users = max_validation_users
        self.weight_grid = weight_grid
        self.rounds = rounds
        self.seed = seed

    def params(self):
        return {
            "weights": getattr(self, "weights_", None),
            "components": {n: m.params() for n, m in getattr(self, "components_", {}).items()},
        }

    # -- fitting ---------------------------------------------------------------------------------
    def fit(self, ds: Dataset) -> Blend:
        t0 = time.perf_counter()
        cands = self.candidates or default_candidates(
            ds.n_items, with_segments=ds.segment_index is not None and len(ds.segment_index) > 1
        )
        self.validation_ = {"users": 0, "candidates": {}, "weights_ndcg": None}
        # work shared across the grids and the final fit (Gram matrix, similarities, content), and each
        # candidate's validation result, so a setting is fitted and scored at most once per half-life
        cache: dict = {}
        self._validated: dict = {}
        chosen: dict[str, Model] = {}
        weights = {n: DEFAULT_WEIGHTS.get(n, 0.1) for n in cands}
        from . import evaluation  # the split is evaluation's; imported here, as evaluation imports the models

        hold = evaluation.split_by_time(ds, self.validation_quantile) if len(ds.timestamps) else None
        self.half_life_days_ = ds.half_life_days
        if hold is not None and len(hold.users) >= self.min_validation_users:
            users, rel = hold.users, hold.relevant
            if len(users) > self.max_validation_users:
                pick = np.sort(
                    np.random.default_rng(self.seed).choice(len(users), self.max_validation_users, replace=False)
                )
                users, rel = users[pick], rel[pick]
            self.validation_["users"] = int(len(users))
            if self.half_lives:
                hl, hold.train = self._pick_half_life(hold, users, rel, cands, cache)
                if hl != ds.half_life_days:
                    ds = dataclasses.replace(ds, half_life_days=hl, _X=None)
                self.half_life_days_ = hl
            Xv = hold.train.X[users]
            segv = None if hold.train.user_segment is None else hold.train.user_segment[users]
            val_scores: dict[str, np.ndarray] = {}
            for name, options in cands.items():
                nd, cand, S = self._tune(name, options, hold.train, Xv, segv, rel, cache)
                chosen[name] = cand
                val_scores[name] = normalise_rows(S, Xv)
            cold = hold.train.item_counts() == 0
            if "content" in val_scores and cold.any():
                # items nobody has touched: the CF models cannot score them, so their content score
                # gets a weight of its own
                val_scores["content_cold"] = val_scores["content"] * cold.astype(np.float32)
            weights, nd = self._search_weights(val_scores, Xv, rel)
            self.validation_["weights_ndcg"] = nd
            del val_scores
        else:
            chosen = {name: options[0] for name, options in cands.items()}
        self.components_: dict[str, Model] = {}
        self.fit_seconds_: dict[str, float] = {}
        for name, cand in chosen.items():
            t1 = time.perf_counter()
            self.components_[name] = fit_model(copy.deepcopy(cand), ds, cache)
            self.fit_seconds_[name] = time.perf_counter() - t1
        self.weights_ = {n: float(w) for n, w in weights.items()}
        if "content" in self.components_:
            self.weights_.setdefault("content_cold", DEFAULT_WEIGHTS["content_cold"])
        self.cold_ = ds.item_counts() == 0
        self.dataset_ = ds  # the data as fitted (with the chosen half-life)
        self.fit_seconds_["blend_total"] = time.perf_counter() - t0
        del self._validated
        return self

    def _validate(self, name: str, cand: Model, train: Dataset, Xv, segv, rel, cache) -> tuple[float, np.ndarray]:
        """Validation NDCG@k and scores of one candidate fitted on ``train`` (the half-life choice's proxy is
        remembered: the component grid asks for the same fit)."""
        key = (name, repr(cand))
        hit = self._validated.get(key)
        if hit is not None and hit[0] is train.X:
            return hit[1], hit[2]
        t1 = time.perf_counter()
        m = fit_model(copy.deepcopy(cand), train, cache)
        S = m.score(Xv, segv)
        nd = self._ndcg(S.copy(), Xv, rel)
        self.validation_["candidates"][f"{name}{m.params()}@{train.half_life_days}"] = {
            "ndcg": nd,
            "seconds": time.perf_counter() - t1,
        }
        log.info("validation %s %s half-life %s NDCG@%d=%.4f", name, m.params(), train.half_life_days, self.k, nd)
        return nd, S

    def _tune(self, name: str, options: list[Model], train: Dataset, Xv, segv, rel, cache):
        """The best of ``options`` by validation NDCG@k: ``(ndcg, candidate, scores)``.

        A grid of three or more is taken as ordered (a ridge, a neighbourhood size): the search starts in the
        middle and walks towards the better neighbour while NDCG improves, which finds the full grid's choice
        when validation NDCG has one peak along it, with fewer fits.
        """
        results: dict[int, float] = {}
        best: list = [None, None]  # (index, scores) of the best so far: one score matrix kept, not one per fit

        def at(i: int) -> float:
            if i not in results:
                results[i], S = self._validate(name, options[i], train, Xv, segv, rel, cache)
                if best[0] is None or (results[i], -i) > (results[best[0]], -best[0]):
                    best[:] = [i, S]
            return results[i]

        if len(options) < 3:
            for i in range(len(options)):
                at(i)
        else:
            i = len(options) // 2
            step = 1 if at(i + 1) > at(i) else -1
            if step < 0 and at(i - 1) <= at(i):
                step = 0
            while step and 0 <= i + step < len(options) and at(i + step) > at(i):
                i += step
        return results[best[0]], options[best[0]], best[1]

    def _pick_half_life(self, hold: Holdout, users, rel, cands, cache) -> tuple[float | None, Dataset]:
        """The decay half-life with the best validation NDCG@k of one proxy model (the middle EASE
        candidate when EASE is in the grid, else the middle item-kNN one), and the validation training
        data weighed with it."""
        proxy_options = cands.get("ease") or cands.get("itemknn")
        if not proxy_options:
            return hold.train.half_life_days, hold.train
        proxy = proxy_options[len(proxy_options) // 2]
        name = "ease" if cands.get("ease") else "itemknn"
        results = {}
        for hl in self.half_lives:
            train = hold.train
            if hl != train.half_life_days:
                train = dataclasses.replace(hold.train, half_life_days=hl, _X=None)
            Xv = train.X[users]
            segv = None if train.user_segment is None else train.user_segment[users]
            nd, S = self._validate(name, proxy, train, Xv, segv, rel, cache)
            if not results or nd > max(results.values()):  # ties go to the first, as max() does
                best = (hl, train)
                self._validated = {(name, repr(proxy)): (train.X, nd, S)}  # the grid's middle candidate
            results[hl] = nd
        self.validation_["half_life_days"] = {str(h): v for h, v in results.items()}
        return best

    def _ndcg(self, S: np.ndarray, X: sp.csr_matrix, rel: sp.csr_matrix) -> float:
        mask_seen(S, X)
        return float(ranking_metrics(top_k(S, self.k), rel, self.k)["ndcg"].mean())

    def _search_weights(self, val_scores: dict[str, np.ndarray], X, rel) -> tuple[dict[str, float], float]:
        """Coordinate search over :attr:`weight_grid`, on candidate pools.

        Ranking the whole catalogue for every trial weight vector is what made the search slow
        (a dense top-k over users x items per trial). Each user's top-k under any non-negative
        weighting of max-normalised scores comes, in practice, from the union of the components'
        own top ``pool`` lists, so the scores are gathered there once and every trial is a
        top-k over a few hundred columns. The final weights are checked once on the full ranking.
        """
        names = list(val_scores)
        n = X.shape[0]
        pool = max(5 * self.k, 50)
        seen_r, seen_c = X.nonzero()
        tops = []
        for S in val_scores.values():
            saved = S[seen_r, seen_c].copy()
            S[seen_r, seen_c] = -np.inf
            tops.append(top_k(S, min(pool, S.shape[1])))
            S[seen_r, seen_c] = saved
        cand = np.sort(np.concatenate(tops, axis=1), axis=1)
        invalid = np.zeros(cand.shape, dtype=bool)
        invalid[:, 1:] = cand[:, 1:] == cand[:, :-1]
        Xc = X.tocsr()
        seen_keys = np.repeat(np.arange(n, dtype=np.int64), np.diff(Xc.indptr)) * X.shape[1] + Xc.indices
        keys = np.arange(n, dtype=np.int64)[:, None] * X.shape[1] + cand
        invalid |= np.isin(keys, seen_keys)
        relc = rel.tocsr()
        rel_keys = np.repeat(np.arange(n, dtype=np.int64), np.diff(relc.indptr)) * X.shape[1] + relc.indices
        hit = np.isin(keys, rel_keys)
        gathered = {name: np.take_along_axis(val_scores[name], cand, axis=1) for name in names}
        kk = min(self.k, cand.shape[1])
        discounts = 1.0 / np.log2(np.arange(2, kk + 2))
        ideal = np.concatenate([[0.0], np.cumsum(discounts)])
        idcg = ideal[np.minimum(np.diff(relc.indptr), kk)]
        idcg = np.where(idcg > 0, idcg, np.inf)
        cache: dict[tuple, float] = {}

        def evaluate(w: dict[str, float]) -> float:
            key = tuple(round(w[name], 6) for name in names)
            if key not in cache:
                B = np.zeros(cand.shape, dtype=np.float32)
                for name in names:
                    if w[name]:
                        B += np.float32(w[name]) * gathered[name]
                B[invalid] = -np.inf
                t = top_k(B, kk)
                h = np.take_along_axis(hit, t, axis=1) & np.isfinite(np.take_along_axis(B, t, axis=1))
                cache[key] = float(((h * discounts).sum(axis=1) / idcg).mean())
            return cache[key]

        singles = {name: evaluate({m: float(m == name) for m in names}) for name in names}
        start = max(singles, key=singles.get)
        w = {name: float(name == start) for name in names}
        best = singles[start]
        for _ in range(self.rounds):
            improved = False
            for name in names:
                for value in self.weight_grid:
                    trial = dict(w, **{name: float(value)})
                    if not any(trial.values()):
                        continue
                    nd = evaluate(trial)
                    if nd > best + 1e-9:
                        best, w, improved = nd, trial, True
            if not improved:
                break
        # the figure on the full ranking, for the record
        S = np.zeros(X.shape, dtype=np.float32)
        for name in names:
            if w[name]:
                S += np.float32(w[name]) * val_scores[name]
        full = self._ndcg(S, X, rel)
        log.info("blend weights %s validation NDCG@%d=%.4f (pooled %.4f)", w, self.k, full, best)
        return w, full

    # -- scoring ---------------------------------------------------------------------------------
    def score(self, X, segments=None):
        out = np.zeros(X.shape, dtype=np.float32)
        for name, m in self.components_.items():
            w = self.weights_.get(name, 0.0)
            w_cold = self.weights_.get("content_cold", 0.0) if name == "content" else 0.0
            if w or w_cold:
                S = normalise_rows(m.score(X, segments), X)
                out += np.float32(w) * S
                if w_cold and self.cold_.any():
                    out[:, self.cold_] += np.float32(w_cold) * S[:, self.cold_]
        return out
