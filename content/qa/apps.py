from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QaConfig(AppConfig):
    name = "content.qa"
    label = "qa"
    verbose_name = _("Questions and answers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core.people.demo_steps import DemoStep, demo_step_register

        demo_step_register(DemoStep(self.label, seed_demo))


def seed_demo(ctx) -> None:
    """This app's demo step (imported when the demo runs, not when the app loads)."""
    from .demo import seed

    seed(ctx)
