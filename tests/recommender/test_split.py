"""The time split: nothing after the cut reaches training; only news is held out."""

import numpy as np
import pandas as pd

from recommender.engine.data import build_dataset, validate_interactions
from recommender.engine.evaluation import split_by_time


def frame():
    rng = np.random.default_rng(0)
    n = 400
    return validate_interactions(
        pd.DataFrame(
            {
                "user_id": rng.integers(0, 40, n),
                "item_id": rng.integers(0, 25, n),
                "timestamp": np.sort(rng.integers(1_600_000_000, 1_700_000_000, n)),
            }
        )
    )


def test_training_part_ends_before_the_cut_and_decays_to_it():
    ds = build_dataset(frame(), half_life_days=30)
    hold = split_by_time(ds, 0.8)
    assert len(hold.train.timestamps) > 0
    assert hold.train.timestamps.max() < hold.cut
    assert hold.train.now == hold.cut  # decay measured to the cut, not to the future
    # the training matrix is exactly the events before the cut
    before = ds.timestamps < hold.cut
    pairs = set(zip(ds.user_codes[before].tolist(), ds.item_codes[before].tolist(), strict=True))
    r, c = hold.train.X.nonzero()
    assert set(zip(r.tolist(), c.tolist(), strict=True)) == pairs


def test_held_out_items_are_later_and_new_to_the_user():
    ds = build_dataset(frame(), half_life_days=None)
    hold = split_by_time(ds, 0.7)
    after = ds.timestamps >= hold.cut
    later = set(zip(ds.user_codes[after].tolist(), ds.item_codes[after].tolist(), strict=True))
    Xtr = hold.train.X
    assert len(hold.users)
    for row, u in enumerate(hold.users):
        held = set(hold.relevant[row].indices.tolist())
        assert held, "every evaluated user has something held out"
        assert Xtr[u].nnz > 0, "every evaluated user has training history"
        assert not held & set(Xtr[u].indices.tolist()), "an item had before the cut is not held out"
        assert all((u, i) in later for i in held)


def test_the_blend_tunes_on_the_training_part_only(monkeypatch):
    """The blend's validation split is carved from what it is given: fed the training part, it never
    sees a timestamp at or after the test cut."""
    from recommender.engine import algorithms as models
    from recommender.engine import evaluation

    ds = build_dataset(frame(), half_life_days=None)
    hold = split_by_time(ds, 0.8)
    seen = []
    real = evaluation.split_by_time

    def spy(d, q=0.8):
        seen.append(d.timestamps.max())
        return real(d, q)

    monkeypatch.setattr(evaluation, "split_by_time", spy)
    models.Blend(min_validation_users=1).fit(hold.train)
    assert seen and max(seen) < hold.cut
