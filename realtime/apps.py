from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RealtimeConfig(AppConfig):
    name = "realtime"
    verbose_name = _("Contests and live rooms")

    def ready(self) -> None:
        from core.activity.services import statement_batch_handler_register
        from core.home.navigation import HEADER, MY_PAGE, SiteLink, site_link_register

        from . import (
            broadcast,  # noqa: F401  (live push: listens to scores_changed)
            contest_cache,  # noqa: F401  (forgets a cached contest when it changes)
            rules_cache,  # noqa: F401  (renews the rules' token when a rule changes)
        )
        from .services.scoring import statements_score

        # Points are written inside the statements' own transaction, a whole xAPI batch at once.
        statement_batch_handler_register(statements_score)

        from core.people.demo_steps import DemoStep, demo_step_register

        demo_step_register(DemoStep(self.label, seed_demo))

        site_link_register(SiteLink("contests", _("Contests"), "realtime:contests", HEADER, order=20))
        site_link_register(SiteLink("my-index", _("My pioneer index"), "realtime:my-index", MY_PAGE, order=30))
        site_link_register(SiteLink("branches", _("Branch board"), "realtime:branches", MY_PAGE, order=40))

        from core.home.models import home_block_register

        home_block_register(league_home_block)


def league_home_block(request):
    """The home page's "my league this week" block: the signed-in person's weekly leagues, their tier, rank and the
    time left (reads the leagues the scheduler formed; nothing for anyone who plays in none)."""
    from .selectors import leagues_of

    if not request.user.is_authenticated:
        return None
    leagues = leagues_of(user=request.user)
    if not leagues:
        return None
    return {"template": "realtime/includes/home_league.html", "context": {"leagues": leagues}}


def seed_demo(ctx) -> None:
    """This app's demo step (imported when the demo runs, not when the app loads)."""
    from .demo import seed

    seed(ctx)
