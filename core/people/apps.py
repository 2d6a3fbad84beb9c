from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "core.people"
    label = "people"
    verbose_name = _("People and organisations")

    def ready(self) -> None:
        from . import throttle  # noqa: F401 - counts failed sign-ins (user_login_failed)
