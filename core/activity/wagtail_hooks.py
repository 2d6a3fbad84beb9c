"""xAPI clients in the Wagtail admin: list with search and filters, switch active/trusted, and create one
(the secret is shown once, in the confirmation message, and only its hash is kept)."""

import secrets

from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.views.generic.models import CreateView
from wagtail.admin.viewsets.model import ModelViewSet

from .models import XapiClient
from .services import xapi_client_credentials_set


class XapiClientCreateView(CreateView):
    def save_instance(self):
        client = self.form.instance
        self.secret = secrets.token_urlsafe(32)
        xapi_client_credentials_set(client=client, secret=self.secret)
        client.save()
        return client

    def get_success_message(self, instance):
        return format_html(
            "{} <code data-testid='xapi-key'>{}</code> {} <code data-testid='xapi-secret'>{}</code> {}",
            _("Client %(name)s created. Key:") % {"name": instance.name},
            instance.key,
            _("Secret:"),
            self.secret,
            _("Copy the secret now: it is stored only as a hash and cannot be shown again."),
        )


class XapiClientViewSet(ModelViewSet):
    model = XapiClient
    form_fields = ["name", "trusted", "active"]
    add_view_class = XapiClientCreateView
    copy_view_enabled = False
    icon = "key"
    menu_label = gettext_lazy("xAPI clients")
    menu_order = 900
    add_to_settings_menu = True
    list_display = ["name", "key", "trusted", "active", "created_at"]
    list_filter = ["trusted", "active"]
    search_fields = ["name", "key"]
    search_backend_name = None
    ordering = ["name"]


@hooks.register("register_admin_viewset")
def register_xapi_client_viewset():
    return XapiClientViewSet("xapi_clients")
