"""Admin screens: the chat word filter editors keep, and a stream's state after a page is created."""

from __future__ import annotations

from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import BannedWord, StreamPage


class BannedWordViewSet(SnippetViewSet):
    model = BannedWord
    icon = "warning"
    menu_label = None
    list_display = ["word", "added_at"]
    search_fields = ["word"]
    add_to_admin_menu = False


register_snippet(BannedWordViewSet)


@hooks.register("after_create_page")
def stream_created(request, page):
    """A new stream gets its state and secret key at once, so its host can set up the encoder."""
    if isinstance(page.specific, StreamPage):
        from .services import stream_state_ensure

        stream_state_ensure(stream=page.specific)
