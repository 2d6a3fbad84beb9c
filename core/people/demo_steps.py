"""The demo's steps: each app with demo data registers one from `AppConfig.ready()`, and `manage.py seed_demo`
runs them in registration order (INSTALLED_APPS order, core.people first: it builds the city and the demo logins
the others use). The command imports no app, as the site shell imports none for its navigation.

    demo_step_register(DemoStep("learning", seed))  # seed(ctx) builds the app's demo data, idempotently
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DemoStep:
    label: str  # the app label, which `seed_demo --only` names
    seed: Callable[[object], None]  # seed(ctx); see seed_demo for what ctx holds


_steps: dict[str, DemoStep] = {}


def demo_step_register(step: DemoStep) -> None:
    """Register (or replace) an app's demo step."""
    _steps[step.label] = step


def demo_steps() -> list[DemoStep]:
    return list(_steps.values())
