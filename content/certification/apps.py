from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "content.certification"
    label = "certification"
    verbose_name = _("Certification")

    def ready(self) -> None:
        from core.activity.services import statement_batch_handler_register
        from core.cockpit.services import cockpit_changed_register
        from core.home.navigation import MY_PAGE, SiteLink, site_link_register
        from core.people.demo_steps import DemoStep, demo_step_register
        from realtime.rooms import RoomKind, room_kind_register

        from .cockpit_views import ROOM, room_may_watch, room_snapshot, units_changed
        from .indicators import register as indicators_register
        from .selectors import may_see_dashboard
        from .services import statements_certify

        # A completed course or a passed quiz may complete a programme: issue in the same transaction.
        statement_batch_handler_register(statements_certify)
        from content.learning.outcomes import quiz_outcome_register

        from .outcomes import final_exam_outcomes

        # A programme's final exam says, under its result, which certificate it led to or what is missing.
        quiz_outcome_register(final_exam_outcomes)
        demo_step_register(DemoStep(self.label, seed_demo))
        # The digital cockpit: indicators of this app, the live room per unit, pushed when summaries move.
        indicators_register()
        room_kind_register(RoomKind(name=ROOM, snapshot=room_snapshot, may_watch=room_may_watch, pushes_per_second=2.0))
        cockpit_changed_register(units_changed)
        site_link_register(SiteLink("certificates", _("My certificates"), "certification:mine", MY_PAGE, order=20))
        site_link_register(
            SiteLink(
                "dashboard",
                _("Certification dashboard"),
                "certification:dashboard",
                MY_PAGE,
                order=60,
                visible=lambda request: may_see_dashboard(request.user),
            )
        )
        site_link_register(
            SiteLink(
                "cockpit",
                _("Digital cockpit"),
                "cockpit:cockpit",
                MY_PAGE,
                order=61,
                visible=lambda request: may_see_dashboard(request.user),
            )
        )


def seed_demo(ctx) -> None:
    """This app's demo step (imported when the demo runs, not when the app loads)."""
    from .demo import seed

    seed(ctx)
