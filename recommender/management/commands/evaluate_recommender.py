"""``manage.py evaluate_recommender --interactions CSV [--items CSV] --k 10 [--json] [--models ...]``."""

import json
import logging

from django.core.management.base import BaseCommand, CommandError

SMALL_ALS_GRID = {"factors": (16,), "regularization": (0.1,), "alpha": (10.0,)}
MODEL_CHOICES = ("random", "popularity", "segment_popularity", "itemknn", "ease", "content", "implicit_als", "blend")


class Command(BaseCommand):
    help = (
        "Evaluate every recommender model and baseline on a time split of an interactions CSV "
        "(full ranking, Recall@k, NDCG@k, coverage, training seconds, ms per user)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interactions", required=True, help="CSV (gzip fine): user_id,item_id,timestamp[,weight]")
        parser.add_argument("--items", default=None, help="optional items CSV: item_id and text columns")
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--json", action="store_true", help="print the result as JSON")
        parser.add_argument(
            "--models",
            nargs="+",
            choices=MODEL_CHOICES,
            default=None,
            help="only these models (default: all; the blend always runs)",
        )
        parser.add_argument("--quantile", type=float, default=0.8, help="test cut: quantile of event times")
        parser.add_argument("--no-als", action="store_true", help="skip the implicit ALS reference")
        parser.add_argument("--threads", type=int, default=2)
        parser.add_argument(
            "--als-grid",
            choices=("full", "small"),
            default="full",
            help="ALS tuning grid: full (18 settings) or small (one setting, for smoke tests)",
        )

    def handle(self, *args, **opts):
        from recommender.engine.evaluation import format_table, run_evaluation

        if not opts["json"] and opts["verbosity"] >= 2:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        models = opts["models"]
        try:
            result = run_evaluation(
                opts["interactions"],
                opts["items"],
                k=opts["k"],
                quantile=opts["quantile"],
                include_als=not opts["no_als"] and (models is None or "implicit_als" in models),
                models=models,
                threads=opts["threads"],
                als_grid=SMALL_ALS_GRID if opts["als_grid"] == "small" else None,
            )
        except (ValueError, TypeError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from None
        if opts["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
        else:
            self.stdout.write(format_table(result))
