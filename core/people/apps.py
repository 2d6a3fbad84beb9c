from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "core.people"
    label = "people"
    verbose_name = _("People and organisations")

    def ready(self) -> None:
        from . import (
            socket_auth,  # noqa: F401 - forgets a cached person when they are saved
            throttle,  # noqa: F401 - counts failed sign-ins (user_login_failed)
        )
        from .demo_steps import DemoStep, demo_step_register

        # The demo city and its logins, the first step of `seed_demo`.
        demo_step_register(DemoStep(self.label, seed_demo))


def seed_demo(ctx) -> None:
    """This app's demo step (imported when the demo runs, not when the app loads)."""
    from .demo import seed

    seed(ctx)
