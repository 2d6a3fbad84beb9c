from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "content.community"
    label = "community"
    verbose_name = _("Community services")

    def ready(self):
        from core.activity.items import ItemKind, item_kind_register
        from core.activity.vocabulary import ActivityType, Verb
        from core.home.navigation import HEADER, MY_PAGE, SiteLink, site_link_register
        from core.people.demo_steps import DemoStep, demo_step_register

        from .cards import cards_connect
        from .cockpit import register as cockpit_register
        from .rooms import register as rooms_register
        from .selectors import recommendable_station_services

        rooms_register()
        cards_connect()
        cockpit_register()
        # Station services may be recommended to villagers; "done" when a station served someone with one.
        item_kind_register(
            ItemKind(
                "station-service",
                ActivityType.STATION_SERVICE,
                list_items=recommendable_station_services,
                done_verbs=frozenset({Verb.SERVED}),
            )
        )
        demo_step_register(DemoStep(self.label, seed_demo))
        site_link_register(SiteLink("stations", _("Service stations"), "community:stations", HEADER, order=40))
        site_link_register(SiteLink("my-requests", _("My requests"), "community:my-requests", MY_PAGE, order=40))
        site_link_register(SiteLink("my-stations", _("My stations"), _owner_url, MY_PAGE, order=41))
        site_link_register(SiteLink("request-queue", _("Direct-line queue"), _staff_url, MY_PAGE, order=42))


def _owner_url(request):
    from django.urls import reverse

    from .models import Station

    user = request.user
    if user.is_authenticated and Station.objects.filter(shop__owner=user).exists():
        return reverse("community:my-stations")
    return None


def _staff_url(request):
    from django.urls import reverse

    from .permissions import is_staff_member

    return reverse("community:queue") if is_staff_member(request.user) else None


def seed_demo(ctx) -> None:
    from .demo import seed

    seed(ctx)
