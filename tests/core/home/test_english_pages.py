"""The pages whose editor-managed texts have an English twin read English in English and Chinese in Chinese:
the home hero, the course catalogue's title and intro, index and dimension names (branch board, my index).
In English no Chinese is left in the interface of these pages; in Chinese the branch board no longer reads
"堡垒指数：堡垒指数"."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from wagtail.models import Site

from content.learning.models import CourseIndexPage
from realtime.models import Contest, Dimension, Index
from realtime.store import leaderboard_store

CJK = re.compile(r"[\u3400-\u9fff]")


def _text(html: str) -> str:
    """What a reader sees: no scripts, styles or tags; the language switch (which names 中文 on purpose) left out."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<form[^>]*class="language-switch".*?</form>', " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def english_site(world):
    leaderboard_store().clear()
    home = Site.objects.get(is_default_site=True).root_page
    home.add_child(
        instance=CourseIndexPage(
            title="学苑课程",
            slug="courses",
            intro="<p>利用零碎时间学习。</p>",
            title_en="Academy courses",
            intro_en="<p>Learn in spare moments.</p>",
        )
    )
    pioneer = Index.objects.create(name="先锋指数", name_en="Pioneer index", slug="pioneer-en")
    Dimension.objects.create(index=pioneer, name="学习成长", name_en="Learning and growth", code="learning")
    fortress = Index.objects.create(
        name="堡垒指数", name_en="Fortress index", slug="fortress-en", scope=Index.Scope.BRANCH, member_index=pioneer
    )
    now = timezone.now()
    Contest.objects.create(
        name="支部堡垒赛",
        slug="fortress-en",
        index=fortress,
        ranking=Contest.Ranking.TEAM,
        starts_at=now - dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=7),
    )
    return world


def _english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})


@pytest.mark.django_db
def test_the_home_hero_and_the_catalogue_read_english_in_english(client, english_site):
    _english(client)
    home = _text(client.get("/").content.decode())
    assert "Pioneer Academy" in home and "Learning, contests and service, on one platform." in home
    assert not CJK.search(home), CJK.findall(home)
    catalogue = _text(client.get("/courses/").content.decode())
    assert "Academy courses" in catalogue and "Learn in spare moments." in catalogue
    assert not CJK.search(catalogue), CJK.findall(catalogue)


@pytest.mark.django_db
def test_the_home_hero_and_the_catalogue_stay_chinese_in_chinese(client, english_site):
    home = _text(client.get("/").content.decode())
    assert "先锋学苑" in home and "学习、竞赛、服务，一个平台。" in home and "Pioneer Academy" not in home
    catalogue = _text(client.get("/courses/").content.decode())
    assert "利用零碎时间学习。" in catalogue and "Learn in spare moments" not in catalogue


@pytest.mark.django_db
def test_index_names_follow_the_language(client, english_site):
    client.force_login(english_site.member)
    board = _text(client.get("/branches/").content.decode())
    assert "排名依据：堡垒指数" in board and "堡垒指数：堡垒指数" not in board
    mine = _text(client.get("/pioneer-index/").content.decode())
    assert "先锋指数" in mine and "学习成长" in mine

    _english(client)
    board = _text(client.get("/branches/").content.decode())
    assert "Ranked by: Fortress index" in board
    # The member's own branch is named as it is called (data, not interface); nothing else stays Chinese.
    assert english_site.branch.name in board
    board = board.replace(english_site.branch.name, "")
    assert not CJK.search(board), CJK.findall(board)
    mine = _text(client.get("/pioneer-index/").content.decode())
    assert "Pioneer index" in mine and "Learning and growth" in mine
    assert not CJK.search(mine), CJK.findall(mine)


@pytest.mark.django_db
def test_an_index_without_an_english_name_falls_back_to_its_chinese_name(client, english_site):
    Index.objects.filter(slug="fortress-en").update(name_en="")
    client.force_login(english_site.member)
    _english(client)
    assert "Ranked by: 堡垒指数" in _text(client.get("/branches/").content.decode())
