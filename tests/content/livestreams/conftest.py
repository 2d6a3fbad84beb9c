"""A schedule with one stream on top of the shared `world`: zhao_staff hosts it, two products, one prepared
question, a course it belongs to; li_retailer and wang_member watch."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from content.learning.models import CourseIndexPage, CoursePage
from content.livestreams import services
from content.livestreams.models import StreamIndexPage, StreamPage, StreamProduct, StreamQuestion


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    services.rate_limits_reset()
    yield


@pytest.fixture(autouse=True)
def _in_english():
    """Messages are asserted verbatim in English (the msgids); pages are checked in either language."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def rooms_sent(monkeypatch):
    """Every room_send and room_changed the services make after commit, in order: [(kind, key, payload|None)]."""
    sent = []
    import realtime.rooms

    monkeypatch.setattr(
        realtime.rooms, "room_send", lambda kind, key, *payloads: sent.extend((kind, key, p) for p in payloads)
    )
    monkeypatch.setattr(realtime.rooms, "room_changed", lambda kind, key: sent.append((kind, key, None)))
    return sent


@pytest.fixture
def stream_world(world, site_home):
    home = site_home
    catalogue = home.add_child(instance=CourseIndexPage(title="学苑课程", slug="courses"))
    course = catalogue.add_child(
        instance=CoursePage(title="助农直播带货技巧", slug="farm-live", summary="直播卖农产品。", category="rural")
    )
    index = home.add_child(instance=StreamIndexPage(title="直播", slug="live"))
    start = timezone.now() + timedelta(minutes=10)
    stream = StreamPage(
        title="龙坞村助农直播:高山茶叶",
        slug="tea",
        host=world.staff,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        course=course,
    )
    stream.products.add(StreamProduct(name="龙井茶", price=Decimal("88.00"), seller="龙坞村惠民服务站", stock=50))
    stream.products.add(StreamProduct(name="高山笋干", price=Decimal("35.50"), seller="西湖便利店", stock=20))
    stream.questions.add(StreamQuestion(text="龙井茶产自哪里?", choices="*杭州\n云南\n福建", seconds=20))
    index.add_child(instance=stream)
    state = services.stream_state_ensure(stream=stream)
    return SimpleNamespace(
        **vars(world),
        index=index,
        course=course,
        stream=stream,
        state=state,
        key=stream.keys.get().key,
        start=start,
        products=list(stream.products.all()),
        question=stream.questions.get(),
    )
