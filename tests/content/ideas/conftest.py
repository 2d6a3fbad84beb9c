"""Idea boards and challenges on top of the shared `world`: an innovation home with a board scoped to the county
(西湖区) and a reviewer/moderator (chen_editor)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from wagtail.models import Site

from content.ideas.models import IdeaBoardPage, IdeasIndexPage


def _site_tree():
    """A transactional test empties every table when it ends, the Wagtail tree that migrations made included:
    build it again as the migrations do (as tests/content/learning/test_progress_socket.py does)."""
    from django.conf import settings
    from wagtail.coreutils import get_supported_content_language_variant
    from wagtail.models import Locale, Page

    from core.home.models import HomePage

    if Site.objects.filter(is_default_site=True).exists():
        return
    Locale.objects.get_or_create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    root = Page.add_root(instance=Page(title="Root", slug="root"))
    home = root.add_child(instance=HomePage(title="先锋学苑", slug="home"))
    Site.objects.create(hostname="localhost", port=80, root_page=home, is_default_site=True, site_name="先锋学苑")


@pytest.fixture
def ideas_world(world):
    _site_tree()
    home = Site.objects.get(is_default_site=True).root_page.specific
    index = home.add_child(instance=IdeasIndexPage(title="金点子", slug="ideas"))
    board = index.add_child(
        instance=IdeaBoardPage(
            title="2026年冬季金点子",
            slug="winter",
            topic="<p>怎样让零售户更方便?</p>",
            scope=world.department,
            opens_at=timezone.now() - dt.timedelta(days=10),
            closes_at=timezone.now() + dt.timedelta(days=30),
        )
    )
    perms = Permission.objects.filter(
        content_type__app_label="ideas", codename__in=["review_idea", "moderate_idea", "post_challenge"]
    )
    world.editor.user_permissions.add(*perms)
    return SimpleNamespace(world=world, index=index, board=board, reviewer=world.editor, moderator=world.editor)
