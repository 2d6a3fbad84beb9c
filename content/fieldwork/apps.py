from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldworkConfig(AppConfig):
    name = "content.fieldwork"
    label = "fieldwork"
    verbose_name = _("Field work")

    def ready(self) -> None:
        from core.home.navigation import MY_PAGE, SiteLink, site_link_register
        from core.people.demo_steps import DemoStep, demo_step_register

        from .indicators import register as indicators_register
        from .selectors import worker_of

        indicators_register()
        demo_step_register(DemoStep(self.label, seed_demo))
        site_link_register(
            SiteLink(
                "fieldwork-today",
                _("My work list"),
                "fieldwork:today",
                MY_PAGE,
                order=55,
                visible=lambda request: worker_of(request.user) is not None,
            )
        )
        site_link_register(
            SiteLink(
                "fieldwork-problems",
                _("Problems"),
                "fieldwork:problems",
                MY_PAGE,
                order=56,
                visible=lambda request: (
                    request.user.is_authenticated and bool(request.user.role_codes() & {"staff", "editor"})
                ),
            )
        )
        site_link_register(
            SiteLink(
                "fieldwork-surveys",
                _("Questionnaires"),
                "fieldwork:questionnaires",
                MY_PAGE,
                order=57,
                visible=lambda request: request.user.is_authenticated,
            )
        )
        site_link_register(
            SiteLink(
                "fieldwork-shop",
                _("My shop's visits"),
                "fieldwork:my-shop",
                MY_PAGE,
                order=58,
                visible=lambda request: request.user.is_authenticated and request.user.has_role("retailer"),
            )
        )


def seed_demo(ctx) -> None:
    from .demo import seed

    seed(ctx)
