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


@pytest.fixture
def ideas_world(world):
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
