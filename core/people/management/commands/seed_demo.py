"""`manage.py seed_demo [--shops N] [--seed S]`: build the demo city and every app's demo data.

Runs the demo step every app registered from its `AppConfig.ready()` (core/people/demo_steps.py), in
INSTALLED_APPS order (core.people first: it builds the city and the demo logins the others use). Each app's
seed runs in its own transaction with its own random generator, derived from --seed and the app label, so one
app's changes never shift another's data. Seeds are idempotent: a second run creates nothing and changes nothing.
"""

from __future__ import annotations

import random
import sys
import time
from types import SimpleNamespace

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from core.people.demo_steps import demo_steps


def demo_modules():
    """(app config, demo step) for every registered demo step, in INSTALLED_APPS order."""
    order = {app_config.label: n for n, app_config in enumerate(apps.get_app_configs())}
    steps = sorted(demo_steps(), key=lambda step: order.get(step.label, len(order)))
    return [(apps.get_app_config(step.label), step) for step in steps]


class Command(BaseCommand):
    help = "Build a deterministic demo city (organisation, shops, branches, villages, demo logins) and app demos."

    def add_arguments(self, parser):
        parser.add_argument("--shops", type=int, default=2000, help="How many retail shops (default 2000).")
        parser.add_argument("--seed", type=int, default=42, help="Random seed: the same seed builds the same city.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw progress bars.")
        parser.add_argument(
            "--only",
            action="append",
            metavar="APP_LABEL",
            help="Seed only these apps (repeatable, e.g. --only people); by default every app with a demo step.",
        )

    def handle(self, *args, shops: int, seed: int, no_progress: bool, only: list[str] | None = None, **options):
        if shops < 0:
            shops = 0
        show_bars = not no_progress and options.get("verbosity", 1) > 0

        def progress(iterable, desc: str = "", total: int | None = None):
            return tqdm(
                iterable,
                desc=desc,
                total=total,
                file=sys.stderr,
                disable=not show_bars,
                mininterval=0.5,
                leave=False,
                unit="",
            )

        ctx = SimpleNamespace(
            rng=random.Random(seed),
            seed=seed,
            stdout=self.stdout,
            progress=progress,
            city=None,
            demo_users={},
            now=timezone.now(),
            shops=shops,
        )
        modules = demo_modules()
        if only:
            unknown = set(only) - {app_config.label for app_config, _module in modules}
            if unknown:
                raise CommandError(f"No demo step in: {', '.join(sorted(unknown))}")
            modules = [(app_config, module) for app_config, module in modules if app_config.label in only]
        started = time.monotonic()
        for app_config, module in progress(modules, desc="demo"):
            ctx.rng = random.Random(f"{seed}:{app_config.label}")
            app_started = time.monotonic()
            with transaction.atomic():
                module.seed(ctx)
            if options.get("verbosity", 1) > 0:
                self.stdout.write(f"  {app_config.label}: {time.monotonic() - app_started:.1f} s")
        if options.get("verbosity", 1) > 0:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo ready: {shops} shops, seed {seed}, {len(modules)} apps, {time.monotonic() - started:.1f} s."
                )
            )
