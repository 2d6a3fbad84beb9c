from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LivestreamsConfig(AppConfig):
    name = "content.livestreams"
    label = "livestreams"
    verbose_name = _("Livestreams")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from core.activity.items import ItemKind, item_kind_register
        from core.activity.vocabulary import ActivityType, Verb
        from core.home.navigation import HEADER, SiteLink, site_link_register
        from core.people.demo_steps import DemoStep, demo_step_register
        from realtime.rooms import RoomKind, room_kind_register

        from . import selectors, services
        from .models import BannedWord

        room_kind_register(
            RoomKind(
                name=services.ROOM_KIND,
                snapshot=selectors.room_snapshot_for,
                may_watch=selectors.room_may_watch,
                pushes_per_second=2.0,
                shows_viewers=True,
            )
        )
        # Streams are items the recommender may recommend: "done" once attended live or watched as a replay.
        item_kind_register(
            ItemKind(
                "livestream",
                ActivityType.LIVESTREAM,
                list_items=selectors.recommendable_streams,
                done_verbs=frozenset({Verb.ATTENDED, Verb.WATCHED}),
            )
        )
        site_link_register(SiteLink("livestreams", _("Livestreams"), schedule_url, HEADER, order=20))
        demo_step_register(DemoStep(self.label, seed_demo))

        def words_changed(sender, **kwargs):
            services.banned_words_changed()

        post_save.connect(words_changed, sender=BannedWord, dispatch_uid="livestreams-words-saved")
        post_delete.connect(words_changed, sender=BannedWord, dispatch_uid="livestreams-words-deleted")


def schedule_url(request) -> str | None:
    from django.core.cache import cache

    from .models import StreamIndexPage

    url = cache.get("livestreams:schedule-url")
    if url is None:
        index = StreamIndexPage.objects.live().first()
        url = index.get_url(request) if index is not None else ""
        cache.set("livestreams:schedule-url", url, 60)
    return url or None


def seed_demo(ctx) -> None:
    """This app's demo step (imported when the demo runs, not when the app loads)."""
    from .demo import seed

    seed(ctx)
