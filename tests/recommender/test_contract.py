"""The Recommender contract of DESIGN.md on a small, readable frame."""

import numpy as np
import pandas as pd
import pytest

from recommender import Recommender
from recommender.engine.recommender import REASON_BECAUSE_YOU_LEARNED, REASON_NEW, REASON_POPULAR, NotFittedError

DAY = 86_400


def small_frame():
    """Two taste groups: cigarette display (a*) and finance (f*); 'pop' everyone takes; 'new' nobody."""
    rows = []
    t = 1_700_000_000
    for u in range(12):
        group = "a" if u % 2 == 0 else "f"
        for j, item in enumerate([f"{group}1", f"{group}2", f"{group}3", "pop"]):
            if u >= 10 and item == f"{group}3":  # users 10 and 11 have not taken item 3 yet
                continue
            rows.append({"user_id": f"u{u}", "item_id": item, "timestamp": t + (u * 4 + j) * DAY})
    return pd.DataFrame(rows)


def small_items():
    return pd.DataFrame(
        [
            {"item_id": "a1", "title": "卷烟陈列技巧入门"},
            {"item_id": "a2", "title": "卷烟陈列与动销"},
            {"item_id": "a3", "title": "卷烟陈列进阶"},
            {"item_id": "f1", "title": "小店记账与现金流"},
            {"item_id": "f2", "title": "现金流管理"},
            {"item_id": "f3", "title": "小店记账进阶"},
            {"item_id": "pop", "title": "安全生产须知"},
            {"item_id": "new", "title": "卷烟陈列新规"},  # nobody has touched it
        ]
    )


@pytest.fixture(scope="module")
def rec():
    return Recommender(fresh_share=0).fit(small_frame(), small_items())


def test_known_user_gets_their_groups_next_item_first(rec):
    assert rec.recommend("u10", k=1) == ["a3"]
    assert rec.recommend("u11", k=1) == ["f3"]


def test_seen_items_are_excluded(rec):
    out = rec.recommend("u10", k=10)
    assert not {"a1", "a2", "pop"} & set(out)
    assert len(out) == len(set(out))


def test_exclude_seen_false_may_return_seen_items(rec):
    out = rec.recommend("u10", k=8, exclude_seen=False)
    assert {"a1", "a2", "pop"} <= set(out)


def test_unknown_user_gets_the_cold_start_list(rec):
    out = rec.recommend("somebody-new", k=3)
    assert out[0] == "pop"  # the most popular item
    reasons = rec.recommend_with_reasons("somebody-new", k=3)
    assert all(r.reason == REASON_POPULAR for r in reasons)


def test_cold_start_item_is_reached_through_the_content_model(rec):
    # 'new' has no interactions; its title is close to the a-group's titles
    out = rec.recommend("u10", k=3)
    assert "new" in out
    assert "new" not in rec.recommend("u11", k=2)


def test_reasons_name_the_item_that_explains_them(rec):
    first = rec.recommend_with_reasons("u10", k=1)[0]
    assert first.item_id == "a3"
    assert first.reason == REASON_BECAUSE_YOU_LEARNED
    assert first.source_item_id in {"a1", "a2"}


def test_recommend_many_returns_a_dict_for_known_and_unknown_users(rec):
    out = rec.recommend_many(["u10", "u11", "nobody"], k=2)
    assert set(out) == {"u10", "u11", "nobody"}
    assert out["u10"][0] == "a3"
    assert out["u11"][0] == "f3"
    assert out["nobody"][0] == "pop"
    assert out["u10"] == rec.recommend("u10", k=2)


def test_fresh_items_get_some_slots():
    rec = Recommender(fresh_share=0.5, fresh_max_interactions=1).fit(small_frame(), small_items())
    # 'new' does not resemble what u11 learns, so only a fresh slot brings it
    assert "new" not in Recommender(fresh_share=0).fit(small_frame(), small_items()).recommend("u11", k=4)
    recs = rec.recommend_with_reasons("u11", k=4)
    assert any(r.reason == REASON_NEW and r.item_id == "new" for r in recs)


def test_empty_data_gives_popularity_order():
    empty = pd.DataFrame(columns=["user_id", "item_id", "timestamp"])
    rec = Recommender().fit(empty, small_items())
    out = rec.recommend("anyone", k=3)
    assert len(out) == 3
    assert rec.recommend_many(["x", "y"], k=2) == {"x": out[:2], "y": out[:2]}


def test_model_saves_and_loads(tmp_path, rec):
    path = rec.save(tmp_path / "m.joblib")
    again = Recommender.load(path)
    assert again.recommend("u10", k=3) == rec.recommend("u10", k=3)


@pytest.mark.parametrize(
    ("interactions", "error", "message"),
    [
        ([1, 2, 3], TypeError, "must be a pandas DataFrame"),
        (pd.DataFrame({"user_id": [1], "item_id": [2]}), ValueError, "missing column(s) timestamp"),
        (pd.DataFrame({"user_id": [None], "item_id": [2], "timestamp": [1]}), ValueError, "user_id has 1 missing"),
        (
            pd.DataFrame({"user_id": [1], "item_id": [2], "timestamp": ["not a date"]}),
            ValueError,
            "could not be parsed",
        ),
        (
            pd.DataFrame({"user_id": [1], "item_id": [2], "timestamp": [1], "weight": [-1]}),
            ValueError,
            "must not be negative",
        ),
    ],
)
def test_bad_input_gives_a_clear_error(interactions, error, message):
    with pytest.raises(error) as exc:
        Recommender().fit(interactions)
    assert message in str(exc.value)


def test_bad_calls_give_clear_errors(rec):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        Recommender().recommend("u1")
    with pytest.raises(ValueError, match="k must be at least 1"):
        rec.recommend("u10", k=0)
    with pytest.raises(TypeError, match="k must be an integer"):
        rec.recommend("u10", k="3")
    with pytest.raises(ValueError, match="user_id must not be missing"):
        rec.recommend(None)
    with pytest.raises(TypeError, match="user_ids must be a list"):
        rec.recommend_many("u10")
    with pytest.raises(ValueError, match="fresh_share must be between 0 and 1"):
        Recommender(fresh_share=2)


def test_iso_timestamps_and_weights_are_understood():
    df = small_frame()
    df["timestamp"] = pd.to_datetime(df["timestamp"], unit="s", utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    df["weight"] = np.where(df["item_id"] == "pop", 0.5, 4.0)
    rec = Recommender(fresh_share=0).fit(df)
    assert rec.recommend("u10", k=1) == ["a3"]
