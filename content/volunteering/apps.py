from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteeringConfig(AppConfig):
    name = "content.volunteering"
    label = "volunteering"
    verbose_name = _("Volunteer services")

    def ready(self) -> None:
        from core.activity.items import ItemKind, item_kind_register
        from core.activity.vocabulary import ActivityType, Verb
        from core.home.navigation import HEADER, MY_PAGE, SiteLink, site_link_register
        from core.people.demo_steps import DemoStep, demo_step_register
        from realtime.rooms import RoomKind, room_kind_register

        from .cockpit import register as cockpit_register
        from .live import ACTIVITY_ROOM, BOARD_ROOM
        from .selectors import (
            activity_room_may_watch,
            activity_room_snapshot,
            board_room_may_watch,
            board_room_snapshot,
        )

        room_kind_register(
            RoomKind(
                name=ACTIVITY_ROOM,
                snapshot=activity_room_snapshot,
                may_watch=activity_room_may_watch,
                pushes_per_second=4.0,
            )
        )
        room_kind_register(
            RoomKind(
                name=BOARD_ROOM, snapshot=board_room_snapshot, may_watch=board_room_may_watch, pushes_per_second=2.0
            )
        )
        # Volunteer activities are recommendable; "done" once checked in or hours confirmed.
        item_kind_register(
            ItemKind(
                "volunteer",
                ActivityType.VOLUNTEER_ACTIVITY,
                list_items=recommendable_activities,
                done_verbs=frozenset({Verb.CHECKED_IN, Verb.CONFIRMED_HOURS}),
            )
        )
        demo_step_register(DemoStep(self.label, seed_demo))
        cockpit_register()
        site_link_register(SiteLink("volunteering", _("Volunteer"), "volunteering:index", HEADER, order=40))
        site_link_register(SiteLink("volunteer-me", _("My volunteering"), "volunteering:me", MY_PAGE, order=30))
        site_link_register(
            SiteLink("volunteer-stars", _("My volunteer stars"), "volunteering:stars", MY_PAGE, order=31)
        )
        site_link_register(
            SiteLink("notifications", _("Notifications"), "volunteering:notifications", MY_PAGE, order=5)
        )


def recommendable_activities():
    from django.utils import timezone

    from core.activity.items import Item

    from .models import Activity

    now = timezone.now()
    for activity in Activity.objects.filter(cancelled=False, visibility=Activity.Visibility.PUBLIC).select_related(
        "team"
    ):
        if activity.rrule or activity.ends_at > now:
            yield Item(
                item_id=activity.item_id,
                title=activity.title,
                url=activity.get_absolute_url(),
                summary=activity.description[:200],
                tags=" ".join(activity.skill_list),
                category=activity.category,
                first_published_at=activity.created_at,
            )


def seed_demo(ctx) -> None:
    from .cockpit import seed_demo_statements
    from .demo import seed

    seed(ctx)
    seed_demo_statements(ctx)  # the cockpit's volunteer hours: the recent bulk hours' statements
