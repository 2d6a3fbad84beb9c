"""`manage.py evaluate_recommender --json` on a tiny CSV."""

import io
import json

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from recommender.engine.evaluation import implicit_available


@pytest.fixture
def tiny_csv(tmp_path):
    rng = np.random.default_rng(3)
    rows = []
    for u in range(60):
        base = (u % 3) * 10
        for j in range(8):
            rows.append((u, base + int(rng.integers(0, 10)), 1_600_000_000 + int(rng.integers(0, 10**7))))
    df = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp"]).drop_duplicates(["user_id", "item_id"])
    path = tmp_path / "interactions.csv"
    df.to_csv(path, index=False)
    items = pd.DataFrame({"item_id": range(30), "title": [f"course {i // 10} part {i}" for i in range(30)]})
    items_path = tmp_path / "items.csv"
    items.to_csv(items_path, index=False)
    return path, items_path


def test_json_lists_every_model(tiny_csv):
    path, items_path = tiny_csv
    out = io.StringIO()
    call_command(
        "evaluate_recommender",
        "--interactions",
        str(path),
        "--items",
        str(items_path),
        "--k",
        "5",
        "--json",
        "--als-grid",
        "small",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    names = {row["model"] for row in result["models"]}
    expected = {"random", "popularity", "itemknn", "ease", "content", "blend"}
    if implicit_available():
        expected.add("implicit_als")
    assert expected <= names
    for row in result["models"]:
        for key in ("ndcg@5", "recall@5", "coverage", "train_seconds", "ms_per_user"):
            assert 0 <= row[key] < float("inf"), (row["model"], key)
    assert result["split"]["test_users"] > 0


def test_models_option_limits_the_table(tiny_csv):
    path, _ = tiny_csv
    out = io.StringIO()
    call_command(
        "evaluate_recommender",
        "--interactions",
        str(path),
        "--k",
        "5",
        "--json",
        "--models",
        "random",
        "popularity",
        stdout=out,
    )
    names = [row["model"] for row in json.loads(out.getvalue())["models"]]
    assert "random" in names and "popularity" in names and "ease" not in names and "implicit_als" not in names


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("evaluate_recommender", "--interactions", str(tmp_path / "nope.csv"), "--json")
