"""A fresh (new or little-seen) item is mixed into a person's list, but never in the first place: a list of one is
the person's best item, whoever they are (it used to be a fresh item for about one person in ten, by id hash)."""

import pandas as pd

from recommender import Recommender


def test_the_first_place_is_never_a_fresh_item():
    rows = []
    for user in range(200):
        # Two tastes; everyone also took "safety", and every item is fresh (all seen within days).
        taste = ["display-1", "display-2"] if user % 2 == 0 else ["books-1", "books-2"]
        for day, item in enumerate([taste[0], "safety", taste[1]] if user >= 20 else [taste[0]]):
            rows.append(
                {"user_id": user, "item_id": item, "timestamp": pd.Timestamp("2026-01-01") + pd.Timedelta(days=day)}
            )
    model = Recommender().fit(pd.DataFrame(rows))
    assert model.fresh_share > 0
    differing = {user: (model.recommend(user, k=1), model.recommend(user, k=3)[:1]) for user in range(20)}
    assert {u: pair for u, pair in differing.items() if pair[0] != pair[1]} == {}
    assert all(len(model.recommend(user, k=1)) == 1 for user in range(20))
