from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    name = "core.home"
    label = "home"
    verbose_name = _("Site")

    def ready(self):
        from django.db import models
        from wagtail.admin.forms.models import register_form_field_override
        from wagtail.admin.widgets import SlugInput

        from .slugs import PinyinSlugField

        # Every admin slug field (pages, snippets) keeps Wagtail's widget and saves pinyin for Chinese.
        register_form_field_override(models.SlugField, override={"widget": SlugInput, "form_class": PinyinSlugField})
