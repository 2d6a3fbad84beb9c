from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The site's root page: a welcome, then what each person should do next."""

    intro = RichTextField(_("introduction"), blank=True, help_text=_("A sentence or two under the title."))
    title_en = models.CharField(
        _("title in English"), max_length=255, blank=True, help_text=_("Shown to English readers; empty: the title.")
    )
    intro_en = RichTextField(
        _("introduction in English"), blank=True, help_text=_("Shown to English readers; empty: the introduction.")
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel([FieldPanel("title_en"), FieldPanel("intro_en")], heading=_("English")),
    ]
    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["home_blocks"] = home_blocks(request)
        return context


_home_block_providers = []


def home_block_register(provider) -> None:
    """Apps add blocks to the home page with `provider(request) -> dict | None`
    ({"template": ..., "context": {...}}), registered in their AppConfig.ready()."""
    if provider not in _home_block_providers:
        _home_block_providers.append(provider)


def home_blocks(request) -> list[dict]:
    blocks = []
    for provider in _home_block_providers:
        block = provider(request)
        if block:
            blocks.append(block)
    return blocks
