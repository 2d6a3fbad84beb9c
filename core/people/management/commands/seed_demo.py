"""`manage.py seed_demo [--shops N] [--seed S]`: build the demo city and every app's demo data.
`manage.py seed_demo --province [--shops-per-city N]`: ten cities of 浙江省 (about 300,000 shops), the demo city
金华市 among them; each app's demo step reads `ctx.province` and `ctx.cities` to scale its part.

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
        parser.add_argument("--shops", type=int, default=None, help="How many retail shops (default 2000).")
        parser.add_argument(
            "--province",
            action="store_true",
            help="Build a province of ten cities (浙江省) instead of one city; see --shops-per-city.",
        )
        parser.add_argument(
            "--shops-per-city",
            type=int,
            default=None,
            help="With --province: retail shops in each city (default 30000, about 300,000 in all).",
        )
        parser.add_argument("--seed", type=int, default=42, help="Random seed: the same seed builds the same city.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw progress bars.")
        parser.add_argument(
            "--only",
            action="append",
            metavar="APP_LABEL",
            help="Seed only these apps (repeatable, e.g. --only people); by default every app with a demo step.",
        )

    def handle(
        self,
        *args,
        shops: int | None,
        seed: int,
        no_progress: bool,
        only: list[str] | None = None,
        province: bool = False,
        shops_per_city: int | None = None,
        **options,
    ):
        if province and shops is not None:
            raise CommandError("--shops builds one city; with --province give --shops-per-city.")
        if shops_per_city is not None and not province:
            raise CommandError("--shops-per-city needs --province.")
        if shops_per_city is not None and shops_per_city < 1:
            raise CommandError("--shops-per-city must be at least 1.")
        if province:
            shops_per_city = 30000 if shops_per_city is None else shops_per_city
        from core.people.demo_province import CITIES

        shops = shops_per_city * len(CITIES) if province else max(0, 2000 if shops is None else shops)
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
            province=province,
            shops_per_city=shops_per_city,
            cities=[],
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
                    f"Demo ready: {shops} shops{' in a province of ten cities' if province else ''}, seed {seed}, "
                    f"{len(modules)} apps, {time.monotonic() - started:.1f} s."
                )
            )
