"""The sign-in forms (the site's and the Wagtail admin's): they say so when sign-in is throttled instead of
repeating "wrong password", which would send a person who has just remembered it round in circles."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

from .throttle import sign_in_throttled

THROTTLED_MESSAGE = _("Too many failed sign-ins. Wait a few minutes and try again.")


class SignInThrottleMessageMixin:
    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if sign_in_throttled(self.request, self.cleaned_data.get("username")):
                raise forms.ValidationError(THROTTLED_MESSAGE, code="throttled") from None
            raise


class SignInForm(SignInThrottleMessageMixin, AuthenticationForm):
    pass


class AdminSignInForm(SignInThrottleMessageMixin, WagtailLoginForm):
    pass
