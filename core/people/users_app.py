from wagtail.users.apps import WagtailUsersAppConfig


class PeopleUsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's user admin (Settings > Users) with the people fields: see wagtail_users.py."""

    user_viewset = "core.people.wagtail_users.PeopleUserViewSet"
