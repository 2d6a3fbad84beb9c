"""``Recommender``: the contract of DESIGN.md around the tuned blend.

    rec = Recommender().fit(interactions, items=None)
    rec.recommend(user_id, k=10, exclude_seen=True)          # list of item ids, best first
    rec.recommend_many(user_ids, k=10)                       # {user_id: [item ids]}
    rec.recommend_with_reasons(user_id, k=10)                # [Recommendation(item_id, reason, source_item_id)]

Known users are scored from their history; unknown users (and everybody when there is no data)
get popularity, within their segment (role / organisation unit) when one is given. A small,
configurable share of slots goes to *fresh* items (new, or with very few interactions), chosen
deterministically per user, so new courses get seen; ``fresh_share=0`` switches it off.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import zlib
from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .algorithms import Blend, rank_blocks
from .data import SECONDS_PER_DAY, Dataset, build_dataset, validate_interactions, validate_items
from .metrics import top_k

log = logging.getLogger(__name__)

DEFAULT_HALF_LIFE_DAYS = "auto"
#: The half-lives ``half_life_days="auto"`` chooses among on the validation split (None: no decay).
HALF_LIFE_CHOICES = (None, 365.0, 120.0)

REASON_BECAUSE_YOU_LEARNED = "because_you_learned"
REASON_POPULAR_IN_YOUR_UNIT = "popular_in_your_unit"
REASON_POPULAR = "popular"
REASON_NEW = "new"
REASONS = (REASON_BECAUSE_YOU_LEARNED, REASON_POPULAR_IN_YOUR_UNIT, REASON_POPULAR, REASON_NEW)

_FRESH_POOL = 3  # a fresh slot takes one of the user's 3 best-scored fresh items, by a per-user hash
_SEGMENT_TOP = 20  # "popular in your unit" means among the unit's 20 most popular items


class Recommendation(NamedTuple):
    item_id: object
    reason: str
    source_item_id: object = None


class NotFittedError(ValueError, AttributeError):
    """Raised when recommending before ``fit`` (a ValueError, like scikit-learn's)."""


def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise TypeError(f"k must be an integer, got {type(k).__name__}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    return int(k)


def _is_missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _check_user_id(user_id):
    if _is_missing(user_id):
        raise ValueError("user_id must not be missing (None/NaN)")
    try:
        hash(user_id)
    except TypeError:
        raise TypeError(f"user_id must be hashable (a number or a string), got {type(user_id).__name__}") from None
    return user_id


def _user_hash(user_id) -> int:
    """A stable per-user number (same in every process, unlike ``hash``)."""
    return zlib.crc32(str(user_id).encode("utf-8"))


class Recommender:
    """Personalised recommendations from implicit feedback: a tuned blend of EASE, item-kNN,
    popularity (global and per segment) and a text model, with fresh-item mixing and reasons.

    Parameters
    ----------
    half_life_days: old events decay with this half-life in days (None: no decay; "auto": chosen among
        :data:`HALF_LIFE_CHOICES` on the validation split).
    fresh_share: expected share of slots given to fresh items (0 switches mixing off).
    fresh_days / fresh_max_interactions: an item is fresh when first seen (or created, if the items
        frame has ``created_at`` / ``published_at``) within ``fresh_days`` of the newest event, or
        when fewer than ``fresh_max_interactions`` users have touched it.
    k_tune: the cut-off NDCG is tuned at; validation_quantile: where the validation split is cut.
    candidates: override the component grid (``{name: [Model, ...]}``), see ``models.default_candidates``.
    """

    def __init__(
        self,
        *,
        half_life_days: float | None = DEFAULT_HALF_LIFE_DAYS,
        fresh_share: float = 0.1,
        fresh_days: float = 30.0,
        fresh_max_interactions: int = 3,
        k_tune: int = 10,
        validation_quantile: float = 0.8,
        random_state: int = 0,
        candidates=None,
    ):
        if not 0 <= fresh_share <= 1:
            raise ValueError(f"fresh_share must be between 0 and 1, got {fresh_share}")
        self.half_life_days = half_life_days
        self.fresh_share = fresh_share
        self.fresh_days = fresh_days
        self.fresh_max_interactions = fresh_max_interactions
        self.k_tune = k_tune
        self.validation_quantile = validation_quantile
        self.random_state = random_state
        self.candidates = candidates

    # ------------------------------------------------------------------------------------------
    # fitting
    # ------------------------------------------------------------------------------------------
    def fit(self, interactions, items=None) -> Recommender:
        """Fit on an interactions frame (``user_id, item_id, timestamp[, weight][, segment]``) and an
        optional items frame (``item_id`` and text columns; ``kind``, ``created_at`` understood)."""
        df = validate_interactions(interactions)
        items_df = validate_items(items)
        hl = None if self.half_life_days == "auto" else self.half_life_days
        ds = build_dataset(df, items_df, half_life_days=hl)
        return self._fit_dataset(ds)

    def _fit_dataset(self, ds: Dataset) -> Recommender:
        t0 = time.perf_counter()
        self.blend_ = None
        if len(ds.timestamps):
            half_lives = HALF_LIFE_CHOICES if self.half_life_days == "auto" else None
            self.blend_ = Blend(
                k=self.k_tune,
                validation_quantile=self.validation_quantile,
                candidates=self.candidates,
                seed=self.random_state,
                half_lives=half_lives,
            ).fit(ds)
            ds = self.blend_.dataset_
            del self.blend_.dataset_
        self.half_life_days_ = ds.half_life_days
        self.user_index_ = ds.user_index
        self.item_index_ = ds.item_index
        self.segment_index_ = ds.segment_index
        self.user_segment_ = ds.user_segment
        self.X_ = ds.X
        self.now_ = ds.now
        n_items = ds.n_items
        self.explain_knn_ = self.explain_content_ = None
        if self.blend_ is not None:
            comps = self.blend_.components_
            self.explain_knn_ = getattr(comps.get("itemknn"), "sim_", None)
            self.explain_content_ = getattr(comps.get("content"), "sim_", None)
        if self.explain_knn_ is None and n_items:
            from .algorithms import ItemKNN

            self.explain_knn_ = ItemKNN(50).fit(ds).sim_ if len(ds.timestamps) else None
        # fallback when there is no data at all: catalogue order
        self.fallback_ = np.linspace(1.0, 0.5, n_items, dtype=np.float32) if n_items else np.zeros(0, np.float32)
        # fresh items
        counts = ds.item_counts()
        first = ds.item_first_seen()
        with np.errstate(invalid="ignore"):
            recent = first >= ds.now - self.fresh_days * SECONDS_PER_DAY
        self.fresh_mask_ = (counts < self.fresh_max_interactions) | np.nan_to_num(recent, nan=0).astype(bool)
        self.item_counts_ = counts
        # each segment's most popular items, for the "popular in your unit" reason
        self.segment_top_ = None
        if ds.segment_index is not None and len(ds.segment_index) and ds.user_segment is not None:
            known = np.flatnonzero(ds.user_segment >= 0)
            onehot = sp.csr_matrix(
                (np.ones(len(known), np.float32), (ds.user_segment[known], known)),
                shape=(len(ds.segment_index), ds.n_users),
            )
            mass = np.asarray((onehot @ ds.X).todense())
            top = top_k(mass, min(_SEGMENT_TOP, n_items))
            self.segment_top_ = [set(row[mass[i, row] > 0].tolist()) for i, row in enumerate(top)]
        self.info_ = {
            "interactions": int(len(ds.timestamps)),
            "users": int(ds.n_users),
            "items": int(n_items),
            "newest_event": float(ds.now),
            "fit_seconds": time.perf_counter() - t0,
            "weights": None if self.blend_ is None else self.blend_.weights_,
            "half_life_days": ds.half_life_days,
        }
        return self

    # ------------------------------------------------------------------------------------------
    # scoring
    # ------------------------------------------------------------------------------------------
    def _check_fitted(self):
        if not hasattr(self, "item_index_"):
            raise NotFittedError("this Recommender is not fitted yet: call fit(interactions) first")

    def _score(self, X: sp.csr_matrix, segments) -> np.ndarray:
        if self.blend_ is None:
            return np.broadcast_to(self.fallback_, X.shape).copy()
        S = self.blend_.score(X, segments)
        empty = np.diff(X.indptr) == 0
        if empty.any():
            # no history: popularity within the segment (role / unit) when known, else overall,
            # whatever weight the blend gives popularity
            comps = self.blend_.components_
            cold = comps.get("segment_popularity") or comps.get("popularity")
            if cold is not None:
                idx = np.flatnonzero(empty)
                seg = None if segments is None else np.asarray(segments)[idx]
                S[idx] = cold.score(X[idx], seg) + self.fallback_ * 1e-6
        return S

    def _lookup(self):
        """item id -> code and user id -> code dicts (built on first use; single lookups in O(1))."""
        lk = getattr(self, "_lookup_", None)
        if lk is None:
            lk = self._lookup_ = (
                {item: code for code, item in enumerate(self.item_index_.tolist())},
                {user: code for code, user in enumerate(self.user_index_.tolist())},
            )
        return lk

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_lookup_", None)
        state.pop("_explain_dense_", None)
        state.pop("_segment_lookup_", None)
        return state

    def _item_codes(self, ids) -> np.ndarray:
        if ids is None:
            return np.zeros(0, dtype=np.int64)
        items = self._lookup()[0]
        codes = [items.get(i, -1) for i in ids]
        codes = np.asarray([c for c in codes if c >= 0], dtype=np.int64)
        return codes

    def allowed_mask(self, candidates) -> np.ndarray:
        """A boolean mask over the catalogue from item ids (callers cache it and pass it as ``candidates``)."""
        mask = np.zeros(len(self.item_index_), dtype=bool)
        mask[self._item_codes(candidates)] = True
        return mask

    def _allowed(self, candidates, exclude) -> np.ndarray | None:
        if candidates is None and not exclude:
            return None
        n = len(self.item_index_)
        allowed = np.ones(n, dtype=bool)
        if isinstance(candidates, np.ndarray) and candidates.dtype == bool:
            if candidates.shape != (n,):
                raise ValueError(f"a candidates mask must have one entry per item ({n})")
            allowed = candidates.copy()
        elif candidates is not None:
            allowed[:] = False
            allowed[self._item_codes(candidates)] = True
        if exclude:
            allowed[self._item_codes(exclude)] = False
        return allowed

    def _segment_code(self, segment) -> int:
        if segment is None or self.segment_index_ is None:
            return -1
        lk = getattr(self, "_segment_lookup_", None)
        if lk is None:
            lk = self._segment_lookup_ = {seg: code for code, seg in enumerate(self.segment_index_.tolist())}
        return lk.get(segment, -1)

    def _rows_for(self, user_codes: np.ndarray) -> sp.csr_matrix:
        user_codes = np.asarray(user_codes, dtype=np.int64)
        known = user_codes >= 0
        n = len(user_codes)
        if not known.any() or self.X_.shape[0] == 0:
            return sp.csr_matrix((n, len(self.item_index_)), dtype=np.float32)
        R = self.X_[np.where(known, user_codes, 0)]
        if known.all():
            return R
        R = (sp.diags(known.astype(np.float32)) @ R).tocsr()
        R.eliminate_zeros()
        return R

    def _rank_codes(
        self,
        user_codes,
        k: int,
        *,
        history: sp.csr_matrix | None = None,
        segments=None,
        exclude_seen: bool = True,
        allowed: np.ndarray | None = None,
        fresh: bool | None = None,
        keys=None,
        block: int = 2048,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k item codes (-1 padding) and a same-shape "fresh slot" mask for users given by code.

        ``history`` replaces the stored rows (the evaluation and single-user calls pass it);
        ``keys`` are the user ids hashed for fresh-slot choice (default: the ids of the codes).
        """
        user_codes = np.asarray(user_codes, dtype=np.int64)
        X = self._rows_for(user_codes) if history is None else history
        n, m = X.shape
        kk = min(k, m)
        codes = np.full((n, kk), -1, dtype=np.int64)
        is_fresh = np.zeros((n, kk), dtype=bool)
        if kk == 0 or n == 0:
            return codes, is_fresh
        fresh = (self.fresh_share > 0) if fresh is None else (fresh and self.fresh_share > 0)
        fresh_codes = np.flatnonzero(self.fresh_mask_ if allowed is None else self.fresh_mask_ & allowed)
        # A fresh item never takes the first place (below it is put at 1 + ...): so a list of one has no fresh slot,
        # else about fresh_share of people (by their id's hash) got an exploration pick instead of their best item.
        if fresh and len(fresh_codes) and kk > 1:
            if keys is None:
                keys = [self.user_index_[c] if c >= 0 else None for c in user_codes]
            hashes = np.fromiter((_user_hash(key) for key in keys), dtype=np.int64, count=n)
            n_slots = np.floor(kk * self.fresh_share + (hashes & 0xFFFF) / 65536.0).astype(np.int64)
        else:
            fresh = False
        if segments is None and self.user_segment_ is not None:
            segments = np.where(user_codes >= 0, self.user_segment_[np.maximum(user_codes, 0)], -1)
        blocks = rank_blocks(
            self._score, X, kk, segments=segments, exclude_seen=exclude_seen, allowed=allowed, block=block
        )
        for start, stop, S, t in blocks:
            t[~np.isfinite(np.take_along_axis(S, t, axis=1))] = -1
            if fresh:
                pool_n = min(_FRESH_POOL + kk, len(fresh_codes))
                F = S[:, fresh_codes]
                pidx = top_k(F, pool_n)
                pool_ok = np.isfinite(np.take_along_axis(F, pidx, axis=1))
                pool = fresh_codes[pidx]
                fb = is_fresh[start:stop]
                for r in np.flatnonzero(n_slots[start:stop] > 0):
                    h = int(hashes[start + r])
                    row = t[r]
                    listed = set(row[row >= 0].tolist())
                    avail = [
                        c for c, ok in zip(pool[r].tolist(), pool_ok[r].tolist(), strict=True) if ok and c not in listed
                    ]
                    want = min(int(n_slots[start + r]), len(avail))
                    if not want:
                        continue
                    avail = avail[: _FRESH_POOL + want - 1]
                    off = (h >> 16) % len(avail)
                    picks = [avail[(off + j) % len(avail)] for j in range(want)]
                    ranked = [c for c in row.tolist() if c >= 0][: kk - want]
                    flags = [False] * len(ranked)
                    span = max(len(ranked), 1)
                    for j, c in enumerate(picks):
                        pos = 1 + ((h >> 8) + j * span // want) % span if kk > 1 else 0
                        pos = min(pos, len(ranked))
                        ranked.insert(pos, c)
                        flags.insert(pos, True)
                    row[:] = -1
                    row[: len(ranked)] = ranked
                    fb[r, :] = False
                    fb[r, : len(flags)] = flags
            codes[start:stop] = t
        return codes, is_fresh

    def _history_row(self, code: int, history) -> sp.csr_matrix:
        row = self._rows_for(np.array([code]))
        if history:
            if isinstance(history, Mapping):
                ids, w = list(history.keys()), np.asarray(list(history.values()), dtype=np.float32)
            else:
                ids = list(history)
                w = np.ones(len(ids), dtype=np.float32)
            items = self._lookup()[0]
            c = np.asarray([items.get(i, -1) for i in ids], dtype=np.int64)
            ok = c >= 0
            if ok.any():
                extra = sp.csr_matrix(
                    (w[ok], (np.zeros(ok.sum(), dtype=np.int64), c[ok])),
                    shape=(1, len(self.item_index_)),
                    dtype=np.float32,
                )
                row = (row + extra).tocsr()
        return row

    # ------------------------------------------------------------------------------------------
    # the public API
    # ------------------------------------------------------------------------------------------
    def recommend_with_reasons(
        self,
        user_id,
        k: int = 10,
        exclude_seen: bool = True,
        *,
        segment=None,
        history=None,
        exclude: Iterable | None = None,
        candidates: Iterable | None = None,
        fresh: bool | None = None,
    ) -> list[Recommendation]:
        """Like :meth:`recommend`, each item with a reason code and the item that explains it.

        Reasons: ``because_you_learned`` (``source_item_id``: the most similar item in the user's
        history), ``popular_in_your_unit`` (among the segment's most popular items), ``popular``,
        ``new`` (a fresh-item slot). ``history`` (item ids, or ``{item_id: weight}``) adds what the
        user did since training; ``exclude`` drops items (e.g. completed ones); ``candidates``
        restricts to a set of items (e.g. one kind); ``segment`` overrides the user's segment.
        """
        self._check_fitted()
        _check_user_id(user_id)
        k = _check_k(k)
        code = self._lookup()[1].get(user_id, -1)
        row = self._history_row(code, history)
        seg = self._segment_code(segment)
        if seg < 0 and code >= 0 and self.user_segment_ is not None:
            seg = int(self.user_segment_[code])
        segments = None if self.segment_index_ is None else np.array([seg])
        codes, is_fresh = self._rank_codes(
            np.array([code]),
            k,
            history=row,
            segments=segments,
            exclude_seen=exclude_seen,
            allowed=self._allowed(candidates, exclude),
            fresh=fresh,
            keys=[user_id],
        )
        hist, hist_w = row.indices, row.data
        out = []
        for c, new in zip(codes[0].tolist(), is_fresh[0].tolist(), strict=True):
            if c < 0:
                continue
            item = self.item_index_[c]
            if new:
                out.append(Recommendation(item, REASON_NEW))
                continue
            src = self._explaining_item(c, hist, hist_w)
            if src is not None:
                out.append(Recommendation(item, REASON_BECAUSE_YOU_LEARNED, self.item_index_[src]))
            elif seg >= 0 and self.segment_top_ is not None and c in self.segment_top_[seg]:
                out.append(Recommendation(item, REASON_POPULAR_IN_YOUR_UNIT))
            else:
                out.append(Recommendation(item, REASON_POPULAR))
        return out

    def _explain_matrices(self):
        dense = getattr(self, "_explain_dense_", None)
        if dense is None:
            from .algorithms import DENSE_WEIGHTS_MAX_ITEMS

            small = len(self.item_index_) <= DENSE_WEIGHTS_MAX_ITEMS
            dense = self._explain_dense_ = [
                (m.toarray() if small else m) for m in (self.explain_knn_, self.explain_content_) if m is not None
            ]
        return dense

    def _explaining_item(self, c: int, hist: np.ndarray, hist_w: np.ndarray):
        if len(hist) == 0:
            return None
        for sim in self._explain_matrices():
            row = sim[c, hist]
            s = (np.asarray(row.todense()).ravel() if sp.issparse(row) else row) * hist_w
            if s.size and s.max() > 0:
                return int(hist[int(np.argmax(s))])
        return None

    def recommend(self, user_id, k: int = 10, exclude_seen: bool = True, **kwargs) -> list:
        """Item ids for ``user_id``, best first; unknown users get (segment) popularity.

        Keyword options as for :meth:`recommend_with_reasons`.
        """
        return [r.item_id for r in self.recommend_with_reasons(user_id, k, exclude_seen, **kwargs)]

    def recommend_many(
        self,
        user_ids,
        k: int = 10,
        exclude_seen: bool = True,
        *,
        segments: Mapping | None = None,
        candidates: Iterable | None = None,
        fresh: bool | None = None,
    ) -> dict:
        """``{user_id: [item ids]}`` for many users at once (scored in blocks with matrix products).

        ``segments`` optionally maps user ids to their segment (for users the model has not seen).
        """
        self._check_fitted()
        k = _check_k(k)
        if isinstance(user_ids, str | bytes) or not isinstance(user_ids, Iterable):
            raise TypeError(f"user_ids must be a list (or other iterable) of user ids, got {type(user_ids).__name__}")
        user_ids = list(user_ids)
        if not user_ids:
            return {}
        ids = pd.Index(user_ids)
        if ids.hasnans:
            raise ValueError("user_ids must not contain missing values (None/NaN)")
        codes = self.user_index_.get_indexer(ids) if len(self.user_index_) else np.full(len(ids), -1)
        seg = None
        if self.segment_index_ is not None:
            stored = self.user_segment_
            seg = np.where(codes >= 0, stored[np.maximum(codes, 0)], -1).astype(np.int64)
            if segments:
                given = self.segment_index_.get_indexer(pd.Index([segments.get(u) for u in user_ids], dtype=object))
                seg = np.where(given >= 0, given, seg)
        top, _ = self._rank_codes(
            codes,
            k,
            segments=seg,
            exclude_seen=exclude_seen,
            allowed=self._allowed(candidates, None),
            fresh=fresh,
            keys=user_ids,
        )
        items = self.item_index_.to_numpy()
        valid = top >= 0
        if valid.all():
            lists = items[top].tolist()
        else:
            lists = [items[row[ok]].tolist() for row, ok in zip(top, valid, strict=True)]
        return dict(zip(user_ids, lists, strict=True))

    # ------------------------------------------------------------------------------------------
    # files
    # ------------------------------------------------------------------------------------------
    def save(self, path) -> str:
        """Write the fitted model to ``path`` atomically (temporary file in the same folder, then
        ``os.replace``): readers see the old file or the new one, never half of one."""
        import joblib

        self._check_fitted()
        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".joblib", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                joblib.dump(self, fh, compress=3)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return path

    @classmethod
    def load(cls, path) -> Recommender:
        import joblib

        obj = joblib.load(path)
        if not isinstance(obj, cls):
            raise TypeError(f"{path} does not hold a Recommender")
        return obj


__all__ = ["Recommender", "Recommendation", "NotFittedError", "REASONS"]
