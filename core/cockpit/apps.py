from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CockpitConfig(AppConfig):
    name = "core.cockpit"
    label = "cockpit"
    verbose_name = _("Digital cockpit")

    def ready(self) -> None:
        from core.activity.services import statement_batch_handler_register

        from .services import statements_tally

        # Every trusted statement batch moves the summaries of the indicators it counts for, in its transaction.
        statement_batch_handler_register(statements_tally)
