"""Learning logs -> weighted implicit feedback.

Three things live here:

* reading and checking the interactions CSV format of DESIGN.md
  (``user_id,item_id,timestamp[,weight]``, gzip fine, extra columns ignored) and the items CSV;
* turning activity-statement-like records (verb, result score / completion / duration, timestamp)
  into interaction weights (:func:`statement_weight`, :func:`statements_to_interactions`);
* :class:`Dataset`: integer codes for users and items, the event arrays, and the user x item
  CSR matrix (float32) with duplicates summed and old events decayed by a configurable half-life.

Nothing here imports Django (the statement contract's pure-Python modules only).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

# Pure-Python parts of the statement contract (no Django): the verbs and the one duration reader.
from core.activity.durations import duration_seconds
from core.activity.iris import ADL, TINCAN, Verb

REQUIRED_COLUMNS = ("user_id", "item_id", "timestamp")
SECONDS_PER_DAY = 86_400.0

#: Text columns of an items frame that are never treated as text.
NON_TEXT_ITEM_COLUMNS = frozenset(
    {"item_id", "kind", "segment", "created_at", "published_at", "first_published_at", "url", "slug"}
)


# --------------------------------------------------------------------------------------------------
# checking input
# --------------------------------------------------------------------------------------------------
def _to_unix_seconds(values: pd.Series) -> np.ndarray:
    """Timestamps as float64 Unix seconds: numbers stay, datetimes and ISO strings are parsed."""
    if pd.api.types.is_bool_dtype(values):
        raise TypeError("timestamp must be Unix seconds, a datetime or an ISO 8601 string, not booleans")
    if pd.api.types.is_numeric_dtype(values):
        out = values.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        try:
            parsed = pd.to_datetime(values, utc=True, format="mixed")
        except (ValueError, TypeError) as exc:
            raise ValueError(f"timestamp could not be parsed as a date/time: {exc}") from None
        # nanoseconds / microseconds / seconds depending on the resolution pandas picked
        unit = np.datetime_data(parsed.dtype.base if hasattr(parsed.dtype, "base") else parsed.dtype)[0]
        scale = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}[unit]
        ints = parsed.dt.tz_localize(None).to_numpy().astype("int64").astype(np.float64)
        ints[parsed.isna().to_numpy()] = np.nan
        out = ints / scale
    if np.isnan(out).any():
        raise ValueError("timestamp contains missing values")
    return out


def validate_interactions(interactions) -> pd.DataFrame:
    """Check an interactions frame and return a clean copy.

    Columns ``user_id, item_id, timestamp`` are required, ``weight`` is optional (default 1.0),
    any other column is dropped except ``segment``. Raises ``TypeError`` / ``ValueError`` with
    a message saying what is wrong. A frame with no rows is accepted whatever its columns.
    """
    if not isinstance(interactions, pd.DataFrame):
        raise TypeError(
            f"interactions must be a pandas DataFrame with columns user_id, item_id, timestamp, "
            f"got {type(interactions).__name__}"
        )
    if len(interactions) == 0:
        return pd.DataFrame(
            {
                "user_id": pd.Series([], dtype=object),
                "item_id": pd.Series([], dtype=object),
                "timestamp": pd.Series([], dtype=np.float64),
                "weight": pd.Series([], dtype=np.float32),
            }
        )
    missing = [c for c in REQUIRED_COLUMNS if c not in interactions.columns]
    if missing:
        raise ValueError(
            f"interactions is missing column(s) {', '.join(missing)}; "
            f"required: user_id, item_id, timestamp (weight optional)"
        )
    for col in ("user_id", "item_id"):
        if interactions[col].isna().any():
            n = int(interactions[col].isna().sum())
            raise ValueError(f"interactions.{col} has {n} missing value(s) (NaN/None)")
    out = pd.DataFrame(
        {
            "user_id": interactions["user_id"].to_numpy(),
            "item_id": interactions["item_id"].to_numpy(),
            "timestamp": _to_unix_seconds(interactions["timestamp"]),
        }
    )
    if "weight" in interactions.columns:
        w = pd.to_numeric(interactions["weight"], errors="coerce").to_numpy(dtype=np.float64)
        if not np.isfinite(w).all():
            raise ValueError("interactions.weight must be finite numbers")
        if (w < 0).any():
            raise ValueError("interactions.weight must not be negative")
        out["weight"] = w.astype(np.float32)
    else:
        out["weight"] = np.float32(1.0)
    if "segment" in interactions.columns:
        out["segment"] = interactions["segment"].to_numpy()
    return out


def validate_items(items) -> pd.DataFrame | None:
    if items is None:
        return None
    if not isinstance(items, pd.DataFrame):
        raise TypeError(f"items must be a pandas DataFrame with an item_id column, got {type(items).__name__}")
    if len(items) == 0:
        return None
    if "item_id" not in items.columns:
        raise ValueError("items is missing column item_id")
    if items["item_id"].isna().any():
        raise ValueError("items.item_id has missing values (NaN/None)")
    return items.drop_duplicates("item_id", keep="last").reset_index(drop=True)


def read_interactions(path) -> pd.DataFrame:
    """Read an interactions CSV (``user_id,item_id,timestamp[,weight]``; gzip by extension).

    Extra columns (the coco set's ``rating``, ``source_file``) are not even loaded, except
    ``segment``.
    """
    wanted = {*REQUIRED_COLUMNS, "weight", "segment"}
    df = pd.read_csv(path, usecols=lambda c: c in wanted)
    return validate_interactions(df)


def read_items(path) -> pd.DataFrame | None:
    if path is None:
        return None
    return validate_items(
        pd.read_csv(path, dtype={"item_id": None}, keep_default_na=False, na_values={"item_id": [""]})
    )


def item_texts(items: pd.DataFrame | None, item_ids: pd.Index) -> list[str]:
    """One text per item in ``item_ids`` order: all string columns of ``items`` joined.

    ``|``-joined lists (tags, categories) become spaces; items without a row get "".
    """
    if items is None or len(items) == 0:
        return [""] * len(item_ids)
    cols = [
        c
        for c in items.columns
        if c not in NON_TEXT_ITEM_COLUMNS
        and (pd.api.types.is_string_dtype(items[c]) or pd.api.types.is_object_dtype(items[c]))
    ]
    if not cols:
        return [""] * len(item_ids)
    joined = items[cols].fillna("").astype(str).agg(" ".join, axis=1).str.replace("|", " ", regex=False)
    by_id = pd.Series(joined.to_numpy(), index=items["item_id"].to_numpy())
    by_id = by_id[~by_id.index.duplicated(keep="last")]
    return by_id.reindex(item_ids).fillna("").tolist()


# --------------------------------------------------------------------------------------------------
# activity statements -> weights
# --------------------------------------------------------------------------------------------------
#: Base weight per verb IRI (the platform's vocabulary, core/activity/iris.py, and other ADL and Tin Can
#: registry verbs clients send). Completing counts more than viewing; passing and earning count most.
VERB_WEIGHTS: dict[str, float] = {
    ADL + "launched": 0.5,
    ADL + "initialized": 0.5,
    TINCAN + "viewed": 1.0,
    Verb.EXPERIENCED: 1.0,
    Verb.WATCHED: 1.0,
    Verb.PROGRESSED: 1.5,
    Verb.ATTEMPTED: 1.5,
    Verb.ANSWERED: 1.5,
    ADL + "attended": 2.0,
    TINCAN + "liked": 2.0,
    ADL + "shared": 2.0,
    ADL + "commented": 2.0,
    Verb.REGISTERED: 2.0,
    Verb.FAILED: 1.5,
    Verb.COMPLETED: 4.0,
    Verb.PASSED: 5.0,
    ADL + "mastered": 5.0,
    Verb.EARNED: 5.0,
}
DEFAULT_VERB_WEIGHT = 1.0
#: Verbs that say nothing about interest: the statement is dropped.
IGNORED_VERBS = frozenset(
    {Verb.VOIDED, *(ADL + name for name in ("exited", "terminated", "suspended", "resumed", "logged-in", "logged-out"))}
)


@dataclass(frozen=True)
class VerbWeights:
    """How much each verb says about interest: data the caller may replace (keys are verb IRIs)."""

    weights: Mapping[str, float] = field(default_factory=lambda: dict(VERB_WEIGHTS))
    ignored: frozenset[str] = IGNORED_VERBS
    default: float = DEFAULT_VERB_WEIGHT
    completion: float = VERB_WEIGHTS[Verb.COMPLETED]  # the least a completed result weighs
    success: float = VERB_WEIGHTS[Verb.PASSED]  # the least a successful result weighs


DEFAULT_VERB_WEIGHTS = VerbWeights()


def verb_iri(verb) -> str:
    """A verb as given (an IRI, or a mapping with ``id``) as its IRI."""
    if isinstance(verb, Mapping):
        verb = verb.get("id", "")
    return str(verb or "").strip()


def statement_weight(
    verb,
    *,
    score: float | None = None,
    completion: bool | None = None,
    success: bool | None = None,
    duration=None,
    full_duration_seconds: float = 3600.0,
    weights: VerbWeights = DEFAULT_VERB_WEIGHTS,
) -> float:
    """Interest weight of one statement, before time decay.

    * base weight by verb IRI (``weights``, by default :data:`VERB_WEIGHTS`): viewing 1, completing 4,
      passing and earning 5;
    * ``completion=True`` lifts the weight to at least a completion's, ``success=True`` to a pass;
    * a scaled score in [0, 1] (xAPI ``result.score.scaled``, negatives clipped) multiplies by
      0.75 + 0.5 * score (a good score counts more; a poor one still shows interest);
    * time spent (seconds or an ISO 8601 duration) multiplies by 1 + log1p(t) / log1p(full), capped at 2,
      so an hour's study counts twice a glance.

    Returns 0.0 for verbs that carry no interest (voided, exited, ...).
    """
    key = verb_iri(verb)
    if key in weights.ignored or not key:
        return 0.0
    w = weights.weights.get(key, weights.default)
    if completion:
        w = max(w, weights.completion)
    if success:
        w = max(w, weights.success)
    if score is not None:
        try:
            s = float(score)
        except (TypeError, ValueError):
            s = float("nan")
        if math.isfinite(s):
            w *= 0.75 + 0.5 * min(max(s, 0.0), 1.0)
    seconds = duration_seconds(duration)
    if seconds:
        w *= 1.0 + min(math.log1p(seconds) / math.log1p(full_duration_seconds), 1.0)
    return float(w)


def _get(record: Mapping, *paths, default=None):
    """First value found among dotted ``paths`` of a nested mapping."""
    for path in paths:
        cur = record
        ok = True
        for part in path.split("."):
            if isinstance(cur, Mapping) and part in cur:
                cur = cur[part]
            else:
                ok = False
                break
        if ok and cur is not None:
            return cur
    return default


def statements_to_interactions(
    records: Iterable[Mapping], *, weights: VerbWeights = DEFAULT_VERB_WEIGHTS
) -> pd.DataFrame:
    """Activity-statement-like records -> an interactions frame ``user_id, item_id, timestamp, weight``.

    Each record is a flat mapping (``user_id``/``actor``, ``item_id``/``object``, ``verb``,
    ``timestamp``, optional ``score``, ``completion``, ``success``, ``duration``, ``segment``) or a
    nested xAPI-shaped one (``result.score.scaled``, ``result.completion``, ``result.duration``,
    ``object.id``). Old events are decayed later, when :class:`Dataset` builds the matrix
    (``half_life_days``), so the frame keeps the raw weight and the time. Statements with no
    interest (voided, exited...) or missing user/item/time are dropped.
    """
    users, items, times, weights, segments = [], [], [], [], []
    for r in records:
        user = _get(r, "user_id", "actor_id", "actor")
        item = _get(r, "item_id", "object_id", "object")
        if isinstance(user, Mapping):
            user = user.get("id") or user.get("account", {}).get("name") or user.get("mbox")
        if isinstance(item, Mapping):
            item = item.get("id")
        ts = _get(r, "timestamp")
        if user is None or item is None or ts is None:
            continue
        score = _get(r, "score", "result.score.scaled", "result_score")
        if score is None:
            raw, lo, hi = (
                _get(r, "result.score.raw"),
                _get(r, "result.score.min", default=0),
                _get(r, "result.score.max"),
            )
            if raw is not None and hi not in (None, lo):
                score = (float(raw) - float(lo)) / (float(hi) - float(lo))
        w = statement_weight(
            _get(r, "verb", default=""),
            score=score,
            completion=_get(r, "completion", "result.completion", "result_completion"),
            success=_get(r, "success", "result.success", "result_success"),
            duration=_get(r, "duration", "duration_seconds", "result.duration", "result_duration"),
            weights=weights,
        )
        if w <= 0:
            continue
        users.append(user)
        items.append(item)
        times.append(ts)
        weights.append(w)
        segments.append(_get(r, "segment"))
    frame = pd.DataFrame({"user_id": users, "item_id": items, "timestamp": times, "weight": weights})
    if any(s is not None for s in segments):
        frame["segment"] = segments
    return validate_interactions(frame)


# --------------------------------------------------------------------------------------------------
# the dataset: codes, events, matrix
# --------------------------------------------------------------------------------------------------
def decay_factors(timestamps: np.ndarray, now: float, half_life_days: float | None) -> np.ndarray:
    """2 ** (-age / half_life); 1 everywhere when ``half_life_days`` is None. Future events count fully."""
    if half_life_days is None or len(timestamps) == 0:
        return np.ones(len(timestamps), dtype=np.float32)
    if half_life_days <= 0:
        raise ValueError(f"half_life_days must be positive or None, got {half_life_days}")
    age_days = np.maximum(now - np.asarray(timestamps, dtype=np.float64), 0.0) / SECONDS_PER_DAY
    return np.exp2(-age_days / float(half_life_days)).astype(np.float32)


@dataclass
class Dataset:
    """Users, items and events as integer codes, and the decayed user x item matrix.

    ``user_index`` / ``item_index`` map codes to the caller's ids. The item index is the whole
    catalogue: interaction items plus items-frame items nobody touched yet.
    """

    user_index: pd.Index
    item_index: pd.Index
    user_codes: np.ndarray  # int32, one per event
    item_codes: np.ndarray  # int32
    timestamps: np.ndarray  # float64 Unix seconds
    weights: np.ndarray  # float32, before decay
    now: float
    half_life_days: float | None = 180.0
    item_text: list[str] = field(default_factory=list)
    item_created: np.ndarray | None = None  # float64 Unix seconds or NaN, from the items frame
    user_segment: np.ndarray | None = None  # int32 codes into segment_index, -1 unknown
    segment_index: pd.Index | None = None
    _X: sp.csr_matrix | None = field(default=None, repr=False)

    @property
    def n_users(self) -> int:
        return len(self.user_index)

    @property
    def n_items(self) -> int:
        return len(self.item_index)

    @property
    def X(self) -> sp.csr_matrix:
        """User x item CSR float32: weights summed per (user, item), decayed to ``now``."""
        if self._X is None:
            w = self.weights * decay_factors(self.timestamps, self.now, self.half_life_days)
            X = sp.csr_matrix(
                (w.astype(np.float32), (self.user_codes, self.item_codes)),
                shape=(self.n_users, self.n_items),
                dtype=np.float32,
            )
            X.sum_duplicates()
            X.eliminate_zeros()
            self._X = X
        return self._X

    def item_counts(self) -> np.ndarray:
        """Number of distinct users per item."""
        X = self.X
        return np.diff(X.tocsc().indptr).astype(np.int64) if X.nnz else np.zeros(self.n_items, np.int64)

    def item_first_seen(self) -> np.ndarray:
        """First event time per item (NaN when no event), or the items frame's creation time if given."""
        first = np.full(self.n_items, np.inf)
        if len(self.item_codes):
            np.minimum.at(first, self.item_codes, self.timestamps)
        first[np.isinf(first)] = np.nan
        if self.item_created is not None:
            has = ~np.isnan(self.item_created)
            first[has] = self.item_created[has]
        return first

    def subset(self, mask: np.ndarray, now: float | None = None) -> Dataset:
        """Same users and items (same codes), only the events under ``mask``."""
        return Dataset(
            user_index=self.user_index,
            item_index=self.item_index,
            user_codes=self.user_codes[mask],
            item_codes=self.item_codes[mask],
            timestamps=self.timestamps[mask],
            weights=self.weights[mask],
            now=self.now if now is None else now,
            half_life_days=self.half_life_days,
            item_text=self.item_text,
            item_created=self.item_created,
            user_segment=self.user_segment,
            segment_index=self.segment_index,
        )

    def user_rows(self, user_codes: np.ndarray) -> sp.csr_matrix:
        """Rows of :attr:`X` for ``user_codes``; code -1 (unknown user) gives an empty row."""
        user_codes = np.asarray(user_codes, dtype=np.int64)
        known = user_codes >= 0
        if not known.any():
            return sp.csr_matrix((len(user_codes), self.n_items), dtype=np.float32)
        if known.all():
            return self.X[user_codes]
        # unknown users read row 0, then their rows are zeroed
        R = self.X[np.where(known, user_codes, 0)]
        return (sp.diags(known.astype(np.float32)) @ R).tocsr()


def build_dataset(
    interactions: pd.DataFrame,
    items: pd.DataFrame | None = None,
    *,
    half_life_days: float | None = 180.0,
    now: float | None = None,
    extra_items: Iterable | None = None,
) -> Dataset:
    """Encode a validated interactions frame (see :func:`validate_interactions`) and an items frame.

    ``now`` is the time decay is measured to (default: the latest event). ``extra_items`` adds
    catalogue items without events (the evaluation uses it to rank the whole catalogue).
    """
    user_codes, user_uniques = pd.factorize(interactions["user_id"], sort=False)
    item_ids = [pd.Index(interactions["item_id"].unique())]
    if items is not None:
        item_ids.append(pd.Index(items["item_id"].unique()))
    if extra_items is not None:
        item_ids.append(pd.Index(pd.unique(pd.Series(list(extra_items)))))
    item_index = item_ids[0]
    for more in item_ids[1:]:
        item_index = item_index.append(more[~more.isin(item_index)])
    if len(item_index) and item_index.inferred_type == "integer":
        item_index = pd.Index(item_index.to_numpy().astype(np.int64))
    item_codes = item_index.get_indexer(interactions["item_id"])
    ts = interactions["timestamp"].to_numpy(dtype=np.float64)
    if now is None:
        now = float(ts.max()) if len(ts) else 0.0
    user_index = pd.Index(user_uniques)
    if len(user_index) and user_index.inferred_type == "integer":
        user_index = pd.Index(user_index.to_numpy().astype(np.int64))

    segment_codes = segment_index = None
    if "segment" in interactions.columns and len(interactions):
        # each user's latest segment
        last = (
            pd.DataFrame({"u": user_codes, "t": ts, "s": interactions["segment"].to_numpy()})
            .dropna(subset=["s"])
            .sort_values("t", kind="stable")
            .drop_duplicates("u", keep="last")
        )
        seg_codes, segment_index = pd.factorize(last["s"])
        segment_codes = np.full(len(user_index), -1, dtype=np.int32)
        segment_codes[last["u"].to_numpy()] = seg_codes
        segment_index = pd.Index(segment_index)

    created = None
    if items is not None:
        for col in ("created_at", "published_at", "first_published_at"):
            if col in items.columns:
                c = pd.Series(items[col].to_numpy(), index=items["item_id"].to_numpy()).reindex(item_index)
                created = np.full(len(item_index), np.nan)
                ok = c.notna().to_numpy()
                if ok.any():
                    created[ok] = _to_unix_seconds(c[ok])
                break

    return Dataset(
        user_index=user_index,
        item_index=item_index,
        user_codes=user_codes.astype(np.int32),
        item_codes=item_codes.astype(np.int32),
        timestamps=ts,
        weights=interactions["weight"].to_numpy(dtype=np.float32),
        now=float(now),
        half_life_days=half_life_days,
        item_text=item_texts(items, item_index),
        item_created=created,
        user_segment=segment_codes,
        segment_index=segment_index,
    )
