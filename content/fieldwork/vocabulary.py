"""What this app's statements say beyond the shared vocabulary (core/activity/iris.py), and how they name
its things. One more verb only: a problem past its deadline is escalated (no shared verb says that)."""

from core.activity import iris
from core.activity.items import item_iri

ESCALATED = iris.PLATFORM + "escalated"

# result.extensions of a VISITED statement: the first finished visit of this shop this month (coverage counts it)
FIRST_IN_MONTH = iris.PLATFORM_EXTENSIONS + "first-visit-in-month"
# result.extensions of a work task's COMPLETED statement: it was already counted late when its deadline passed
LATE_COUNTED = iris.PLATFORM_EXTENSIONS + "late-counted"
# result.extensions of a problem's COMPLETED statement: it had been escalated (overdue)
WAS_ESCALATED = iris.PLATFORM_EXTENSIONS + "was-escalated"
# result.extensions of CLOSED / ESCALATED: which side closed, which level
SIDE = iris.PLATFORM_EXTENSIONS + "side"
LEVEL = iris.PLATFORM_EXTENSIONS + "escalation-level"


def visit_iri(pk: int) -> str:
    return item_iri(f"shop-visit:{pk}")


def task_iri(pk: int) -> str:
    return item_iri(f"work-task:{pk}")


def problem_iri(pk: int) -> str:
    return item_iri(f"field-problem:{pk}")


def questionnaire_iri(pk: int) -> str:
    return item_iri(f"questionnaire:{pk}")
