"""Admin screens: issuers, programmes and certificates (read-only, with a "Revoke" action that asks for the
reason), and a menu link to the staff dashboard."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from core.errors import ApplicationError, PermissionDenied

from .models import Certificate, Issuer, Programme
from .services import MAX_REASON_LENGTH, REVOKED_ACTION, certificate_revoke


class CertificatePermissionPolicy(ModelPermissionPolicy):
    """Certificates are issued by the platform and revoked through their own action: nobody, administrators
    included, adds, edits or deletes one in the admin."""

    FORBIDDEN = frozenset({"add", "change", "delete"})

    def user_has_permission(self, user, action):
        return action not in self.FORBIDDEN and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        allowed = [action for action in actions if action not in self.FORBIDDEN]
        if not allowed:
            return get_user_model().objects.none()
        return super().users_with_any_permission(allowed)


register_permission_policy(Certificate, CertificatePermissionPolicy(Certificate))


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published in the certificate's assertion and on its verification page."),
    )


class CertificateRevokeView(WagtailAdminTemplateMixin, FormView):
    template_name = "certification/admin/revoke.html"
    form_class = RevokeForm
    page_title = _("Revoke certificate")
    header_icon = "warning"

    def dispatch(self, request, *args, **kwargs):
        self.certificate = get_object_or_404(
            Certificate.objects.select_related("recipient", "programme"), pk=kwargs["pk"]
        )
        if not (request.user.is_superuser or request.user.has_perm("certification.revoke_certificate")):
            raise DjangoPermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.certificate)

    def get_context_data(self, **kwargs):
        return super().get_context_data(certificate=self.certificate, **kwargs)

    def form_valid(self, form):
        try:
            certificate_revoke(certificate=self.certificate, by=self.request.user, reason=form.cleaned_data["reason"])
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from exc
        except ApplicationError as exc:
            form.add_error("reason", exc.message)
            return self.form_invalid(form)
        messages.success(self.request, _("The certificate is revoked."))
        return redirect("wagtailsnippets_certification_certificate:list")


class StatusColumn(Column):
    def get_value(self, instance):
        return instance.get_status_display()


class IssuerViewSet(SnippetViewSet):
    model = Issuer
    icon = "site"
    menu_label = _("Issuers")
    list_display = ["name", "url", "email"]


class ProgrammeViewSet(SnippetViewSet):
    model = Programme
    icon = "pick"
    menu_label = _("Programmes")
    list_display = ["title", "issuer", "validity_months", "active"]
    list_filter = ["active", "issuer"]


class CertificateViewSet(SnippetViewSet):
    model = Certificate
    icon = "tick-inverse"
    menu_label = _("Certificates")
    url_prefix = "certification/certificates"
    inspect_view_enabled = True
    list_display = ["programme", "recipient", "issued_at", "expires_at", StatusColumn("status", label=_("Status"))]
    list_filter = ["programme"]
    search_fields = ["recipient__username", "recipient__display_name", "recipient__phone"]
    ordering = ["-issued_at"]
    inspect_view_fields = [
        "uuid",
        "recipient",
        "programme",
        "issued_at",
        "expires_at",
        "revoked_at",
        "revoked_by",
        "revocation_reason",
        "evidence",
    ]

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("revoke/<int:pk>/", CertificateRevokeView.as_view(), name="revoke"),
        ]


class CertificationGroup(SnippetViewSetGroup):
    items = (ProgrammeViewSet, IssuerViewSet, CertificateViewSet)
    menu_icon = "pick"
    menu_label = _("Certification")
    menu_name = "certification"


register_snippet(CertificationGroup)


@hooks.register("register_snippet_listing_buttons")
def certificate_revoke_button(snippet, user, next_url=None):
    if not isinstance(snippet, Certificate) or snippet.revoked_at is not None:
        return
    if user.is_superuser or user.has_perm("certification.revoke_certificate"):
        yield Button(
            _("Revoke"),
            reverse("wagtailsnippets_certification_certificate:revoke", args=[snippet.pk]),
            icon_name="warning",
            priority=90,
            attrs={"data-testid": "revoke-certificate"},
        )


@hooks.register("register_log_actions")
def register_certification_log_actions(actions):
    actions.register_action(REVOKED_ACTION, _("Revoke certificate"), _("Certificate revoked"))


@hooks.register("register_admin_menu_item")
def dashboard_menu_item():
    return MenuItem(_("Certification dashboard"), "/certificates/dashboard/", icon_name="table", order=900)
