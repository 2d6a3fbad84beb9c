"""The recommender's tuned fit, before and after a change, in one run: fit time and held-out quality.

    .venv/bin/python platform/bench/recommender_fit.py [--before DIR] [--datasets DIR]

For every dataset folder in ``--datasets`` (default: the nearest ``shared/datasets`` above the checkout; each with
``interactions.csv.gz`` and optionally ``items.csv.gz``) it runs the evaluation protocol of ``evaluate_recommender``
for the blend alone (global time cut at the 80th percentile, the tuned ``Recommender`` fitted on the training part,
full-catalogue ranking of the held-out part): the fit's wall seconds, the run's CPU seconds, NDCG@10 and Recall@10.
``--before DIR`` runs the same with the code of another checkout (e.g. ``git archive main | tar -x -C DIR``) first,
each in its own process, so the two are measured side by side under the same load.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def measure(code: Path, datasets: Path) -> list[dict]:
    """Fit and score with the engine found in ``code`` (this process imports it)."""
    sys.path.insert(0, str(code))
    from recommender.engine.evaluation import run_evaluation

    rows = []
    for folder in sorted(p for p in datasets.iterdir() if (p / "interactions.csv.gz").exists()):
        items = folder / "items.csv.gz"
        load = os.getloadavg()
        c0, t0 = time.process_time(), time.perf_counter()
        result = run_evaluation(
            str(folder / "interactions.csv.gz"),
            str(items) if items.exists() else None,
            k=10,
            include_als=False,
            models=["blend"],
        )
        blend = next(r for r in result["models"] if r["model"] == "blend")
        validation = result["validation"]["blend"]
        rows.append(
            {
                "dataset": folder.name,
                "train_interactions": result["split"]["train_interactions"],
                "items": result["dataset"]["items"],
                "fit_seconds": blend["train_seconds"],
                "run_seconds": time.perf_counter() - t0,
                "run_cpu_seconds": time.process_time() - c0,
                "ndcg@10": blend["ndcg@10"],
                "recall@10": blend["recall@10"],
                "weights": blend["params"]["weights"],
                "half_life_days": result["split"]["half_life_days_chosen"],
                "validation_fits": len(validation["candidates"]),
                "load_before": load,
                "load_after": os.getloadavg(),
            }
        )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, default=None, help="a checkout of the code to compare with")
    shared = [p / "shared" / "datasets" for p in ROOT.parents if (p / "shared" / "datasets").is_dir()]
    parser.add_argument("--datasets", type=Path, default=shared[0] if shared else None)
    parser.add_argument("--code", type=Path, default=None, help=argparse.SUPPRESS)  # one side, in a child process
    args = parser.parse_args()
    if args.code is not None:
        print(json.dumps(measure(args.code, args.datasets), default=str))
        return
    sides = ([("before", args.before)] if args.before else []) + [("after", ROOT)]
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cpus")
    for label, code in sides:
        out = subprocess.run(
            [sys.executable, __file__, "--code", str(code.resolve()), "--datasets", str(args.datasets)],
            capture_output=True,
            text=True,
        )
        if out.returncode:
            sys.exit(f"the {label} side failed:\n{out.stderr}")
        for r in json.loads(out.stdout.strip().splitlines()[-1]):
            print(
                f"{label:6} {r['dataset']}: {r['train_interactions']:,} training records, {r['items']:,} items; "
                f"tuned fit {r['fit_seconds']:.1f} s wall; whole run {r['run_seconds']:.1f} s wall, "
                f"{r['run_cpu_seconds']:.1f} s CPU; NDCG@10 {r['ndcg@10']:.4f}, Recall@10 {r['recall@10']:.4f}; "
                f"{r['validation_fits']} validation fits; half-life {r['half_life_days']}; weights {r['weights']}; "
                f"load {r['load_before'][0]:.2f} -> {r['load_after'][0]:.2f}"
            )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
