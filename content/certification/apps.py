from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "content.certification"
    label = "certification"
    verbose_name = _("Certification")

    def ready(self) -> None:
        from core.activity.services import statement_handler_register

        from .services import on_statement

        # A completed course or a passed quiz may complete a programme: issue in the same transaction.
        statement_handler_register(on_statement)
