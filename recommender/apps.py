from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommenderConfig(AppConfig):
    name = "recommender"
    verbose_name = _("Recommender")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core.home.models import home_block_register

        from .blocks import for_you_home_block

        home_block_register(for_you_home_block)
