"""What a programme's final exam led to, said under the quiz's result (the learning app's outcome registry)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from content.learning.outcomes import QuizOutcome

from . import selectors


def final_exam_outcomes(*, user, quiz) -> list[QuizOutcome]:
    """One line per programme whose final exam `quiz` is: the certificate issued, or the steps still missing."""
    outcomes = []
    for path in selectors.final_exam_outcomes(user=user, quiz=quiz):
        programme = path["programme"]
        certificate = path["certificate"]
        if certificate is not None:
            outcomes.append(
                QuizOutcome(
                    kind="certificate-issued",
                    message=_("You hold the certificate %(programme)s.") % {"programme": programme.title},
                    url=certificate.get_absolute_url(),
                    link_text=_("See the certificate"),
                )
            )
            continue
        missing = "、".join(step["title"] for step in path["missing"])
        outcomes.append(
            QuizOutcome(
                kind="certificate-missing",
                message=_("For the certificate %(programme)s you still need: %(missing)s.")
                % {"programme": programme.title, "missing": missing},
                url=programme.get_absolute_url(),
                link_text=_("See the path to the certificate"),
            )
        )
    return outcomes
