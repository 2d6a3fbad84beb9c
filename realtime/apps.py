from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = _("Contests and live rooms")

    def ready(self) -> None:
        from core.activity.services import statement_handler_register

        from .services import statement_score

        # Points are written inside the statement's own transaction.
        statement_handler_register(statement_score)
        from . import broadcast  # noqa: F401  (live push: listens to scores_changed)
