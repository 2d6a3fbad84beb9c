"""What a passed or failed quiz led to, told on the quiz's result: a registry other apps fill.

The learning app knows nothing of certificates; the certification app registers a provider from its
`AppConfig.ready()` that says which certificate a quiz (a programme's final exam) led to: issued, or what is
still missing. Providers only read, and get the person and the quiz page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class QuizOutcome:
    """One line under a quiz's result: a sentence, and where it leads."""

    kind: str  # a short name for styling and tests, e.g. "certificate-issued"
    message: str
    url: str = ""
    link_text: str = ""


QuizOutcomeProvider = Callable[..., list[QuizOutcome]]  # (*, user, quiz) -> outcomes
_providers: list[QuizOutcomeProvider] = []


def quiz_outcome_register(provider: QuizOutcomeProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def quiz_outcomes(*, user, quiz) -> list[QuizOutcome]:
    """Everything the registered providers say about `quiz` for `user` (reads only)."""
    if user is None or not user.is_authenticated:
        return []
    return [outcome for provider in _providers for outcome in provider(user=user, quiz=quiz)]
