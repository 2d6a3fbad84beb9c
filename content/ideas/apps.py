from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdeasConfig(AppConfig):
    name = "content.ideas"
    label = "ideas"
    verbose_name = _("Golden ideas and challenges")

    def ready(self):
        from core.activity.items import ItemKind, item_kind_register
        from core.activity.vocabulary import ActivityType, Verb
        from core.home.navigation import HEADER, SiteLink, site_link_register
        from core.people.demo_steps import DemoStep, demo_step_register
        from realtime.rooms import RoomKind, room_kind_register

        from .cockpit import register as cockpit_register
        from .selectors import idea_room_may_watch, idea_room_snapshot, recommendable_challenges, recommendable_ideas

        # Live support counts and comments: an idea's room ("12") and a board's room ("board-3").
        room_kind_register(
            RoomKind(name="ideas", snapshot=idea_room_snapshot, may_watch=idea_room_may_watch, pushes_per_second=4.0)
        )
        # Ideas and challenges are recommendable: "done" when supported or claimed.
        item_kind_register(
            ItemKind(
                "idea",
                ActivityType.PROPOSAL,
                list_items=recommendable_ideas,
                done_verbs=frozenset({Verb.SUPPORTED, Verb.PROPOSED, Verb.ADOPTED}),
            )
        )
        item_kind_register(
            ItemKind(
                "challenge",
                ActivityType.CHALLENGE,
                list_items=recommendable_challenges,
                done_verbs=frozenset({Verb.CLAIMED, Verb.DELIVERED, Verb.ACCEPTED}),
            )
        )
        site_link_register(SiteLink("ideas", _("Golden ideas"), ideas_url, HEADER, order=40))
        demo_step_register(DemoStep(self.label, seed_demo))
        cockpit_register()


def ideas_url(request) -> str | None:
    """The innovation home's URL for the header, cached for a few minutes (every page shows it)."""
    from django.core.cache import cache

    from .models import IdeasIndexPage

    url = cache.get("ideas:home-url")
    if url is None:
        home = IdeasIndexPage.objects.live().first()
        if home is None:
            return None
        url = home.get_url(request)
        cache.set("ideas:home-url", url, 300)
    return url


def seed_demo(ctx) -> None:
    from .demo import seed

    seed(ctx)
