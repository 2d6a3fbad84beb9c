"""Training and the model store.

``model_train`` reads the statements, fits a :class:`~recommender.Recommender` and writes a
versioned model file into ``settings.RECOMMENDER_MODEL_DIR`` atomically (temporary file, then
``os.replace``), then moves the ``current`` pointer the same way. Servers read the pointer through
:func:`current_model`, which looks at the pointer's mtime at most every
``settings.RECOMMENDER_RELOAD_SECONDS`` seconds, so a new model is picked up without a restart.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

log = logging.getLogger(__name__)

POINTER = "current"
KEEP_VERSIONS = 3


@dataclass
class ModelBundle:
    """What a model file holds: the fitted recommender and what the server shows for its items."""

    recommender: object
    catalogue: dict  # item_id -> {"kind", "title", "url", ...}
    version: str
    trained_at: float
    statements: int
    kind_items: dict = field(default_factory=dict)  # kind -> [item ids]

    def items_of_kind(self, kind: str | None) -> list:
        if kind is None:
            return [i for items in self.kind_items.values() for i in items]
        return self.kind_items.get(kind, [])

    def mask_of_kind(self, kind: str | None):
        """The servable items of ``kind`` (None: every kind) as a boolean mask, computed once per process."""
        masks = self.__dict__.setdefault("_masks", {})
        if kind not in masks:
            masks[kind] = self.recommender.allowed_mask(self.items_of_kind(kind))
        return masks[kind]

    def facts(self):
        """Who each item is for and what it belongs to (:class:`recommender.selectors.ItemFacts`), as the training
        saw the registry; a model trained before the catalogue kept them asks the registry once per process."""
        facts = self.__dict__.get("_facts")
        if facts is None:
            from .selectors import ItemFacts, recommendable_items

            catalogue = self.catalogue
            if any("audience" not in entry for entry in catalogue.values()):
                catalogue = {str(it["item_id"]): it for it in recommendable_items()}
            facts = self.__dict__["_facts"] = ItemFacts.of(catalogue)
        return facts

    def mask_for(self, kind: str | None, roles: frozenset[str]):
        """The servable items of ``kind`` meant for a person with ``roles`` (their audience names none of their
        roles: left out), as a boolean mask computed once per process for each (kind, roles)."""
        masks = self.__dict__.setdefault("_masks", {})
        key = (kind, roles)
        if key not in masks:
            facts = self.facts()
            items = [i for i in self.items_of_kind(kind) if facts.is_for(i, roles)]
            masks[key] = self.recommender.allowed_mask(items)
        return masks[key]


def model_dir() -> Path:
    return Path(settings.RECOMMENDER_MODEL_DIR)


def _write_atomic(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def model_train(*, progress=None, stdout=None, min_interactions: int = 1) -> Path | None:
    """Fit on every statement and publish the model; returns the model file (None: no data)."""
    import joblib

    from .engine.recommender import Recommender
    from .selectors import training_frames

    def say(msg):
        if stdout is not None:
            stdout.write(msg)

    t0 = time.perf_counter()
    interactions, items, catalogue = training_frames(progress=progress)
    say(
        f"{len(interactions):,} interactions, {interactions['user_id'].nunique() if len(interactions) else 0:,} "
        f"people, {len(catalogue):,} items ({time.perf_counter() - t0:.1f} s)"
    )
    if len(interactions) < min_interactions and not catalogue:
        say("nothing to train on")
        return None
    t1 = time.perf_counter()
    rec = Recommender().fit(interactions, items if len(items) else None)
    say(f"fitted in {time.perf_counter() - t1:.1f} s; weights {rec.info_.get('weights')}")
    now = time.time()
    version = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    kind_items: dict[str, list] = {}
    for item_id in rec.item_index_:
        if item_id in catalogue:  # only live items are served
            kind_items.setdefault(catalogue[item_id]["kind"], []).append(item_id)
    bundle = ModelBundle(
        recommender=rec,
        catalogue=catalogue,
        version=version,
        trained_at=now,
        statements=len(interactions),
        kind_items=kind_items,
    )
    folder = model_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"model-{version}.joblib"
    _write_atomic(path, lambda fh: joblib.dump(bundle, fh, compress=3))
    _write_atomic(folder / POINTER, lambda fh: fh.write(path.name.encode()))
    for old in sorted(folder.glob("model-*.joblib"))[:-KEEP_VERSIONS]:
        with contextlib.suppress(OSError):
            old.unlink()
    say(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
    return path


class _ModelCache:
    """The current model of this process, re-read when the pointer changes (checked at most every
    ``RECOMMENDER_RELOAD_SECONDS``)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.bundle: ModelBundle | None = None
        self.pointer_mtime: float | None = None
        self.checked_at = -1e18
        self.folder: Path | None = None

    def get(self) -> ModelBundle | None:
        now = time.monotonic()
        interval = float(getattr(settings, "RECOMMENDER_RELOAD_SECONDS", 10))
        folder = model_dir()
        if folder == self.folder and now - self.checked_at < interval:
            return self.bundle
        with self.lock:
            if folder == self.folder and now - self.checked_at < interval:
                return self.bundle
            self.checked_at = now
            if folder != self.folder:
                self.folder, self.bundle, self.pointer_mtime = folder, None, None
            pointer = folder / POINTER
            try:
                mtime = pointer.stat().st_mtime_ns
            except FileNotFoundError:
                self.bundle, self.pointer_mtime = None, None
                return None
            if mtime != self.pointer_mtime:
                try:
                    import joblib

                    name = pointer.read_text().strip()
                    bundle = joblib.load(folder / name)
                    if isinstance(bundle, ModelBundle):
                        self.bundle = bundle
                        log.info("recommender model %s loaded", bundle.version)
                    self.pointer_mtime = mtime
                except Exception:  # a bad file must not take the site down: keep the old model
                    log.exception("could not load the recommender model from %s", folder)
            return self.bundle

    def reset(self):
        with self.lock:
            self.bundle, self.pointer_mtime, self.checked_at, self.folder = None, None, -1e18, None


_cache = _ModelCache()


def current_model() -> ModelBundle | None:
    return _cache.get()


def current_model_reset() -> None:
    """Forget the loaded model (tests; the next call reads the pointer again)."""
    _cache.reset()
