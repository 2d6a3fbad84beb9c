"""Demo livestreams: the whole life of a stream on first start.

`seed(ctx)` builds the schedule with one stream live now (an uploaded video plays, as the embedded default has no
media server), three upcoming and three past ones, and replays the past ones through the real services with past
timestamps: the host goes live, viewers' players send heartbeats, people chat, the host pins the farm products and
asks quiz questions, people answer, the stream ends. So the replays have chat history, pinned products and
chapters, the reports have figures, and the attendance statements exist exactly as real viewers would have made
them. The demo video is made with ffmpeg when it is installed (a 60 s test pattern), otherwise the learning demo's
small sample plays. Deterministic with ctx.rng; running it twice creates nothing new.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import Group, Permission
from django.core.files import File
from django.utils import timezone
from wagtail.models import Collection, GroupPagePermission, Site

from core.activity.vocabulary import ActivityType, Verb
from core.people.models import Shop

from . import services
from .models import BannedWord, StreamIndexPage, StreamPage, StreamProduct, StreamQuestion, StreamState
from .permissions import editor_livestreams_permissions_grant

FALLBACK_VIDEO_URL = "/static/learning/demo/sample.webm"
VIDEO_SECONDS = 60

# Eight kinds of rural products, as the "helping farmers" streams recommended them: name, price, seller, stock.
PRODUCTS = [
    ("西湖龙井(明前)", "168.00", "龙坞村惠民服务站", 40),
    ("高山笋干", "35.50", "秀英便利店", 120),
    ("土鸡蛋(30枚)", "45.00", "龙坞村惠民服务站", 60),
    ("临安山核桃", "59.90", "城西便民服务点", 80),
    ("手工年糕", "18.00", "秀英便利店", 200),
    ("农家菜籽油 5L", "98.00", "龙坞村合作社", 30),
    ("蜜橘 5斤", "29.90", "龙坞村合作社", 150),
    ("野生葛根粉", "42.00", "城西便民服务点", 50),
]

QUESTIONS = [
    ("明前茶指的是哪个节气前采摘的茶？", "*清明\n谷雨\n立夏", 20),
    ("农产品上线销售，最重要的是？", "*品质稳定、描述真实\n图片越夸张越好\n价格越低越好", 20),
    ("笋干应该怎样保存？", "*通风干燥处密封\n放在阳光下暴晒\n泡在水里", 15),
]

CHAPTERS = [(0, "开场与产品介绍"), (20, "产地故事"), (40, "答题互动与下单说明")]

CHAT = [
    "主播好！",
    "这个茶叶怎么卖？",
    "支持助农！",
    "上次买的笋干很好吃",
    "能寄到县城吗？",
    "多少钱一斤？",
    "已下单",
    "画面很清楚",
    "村里的合作社好样的",
    "有没有小包装的？",
]

STREAMS = [
    # slug, title, days from now (negative: past), hour, minutes long, with a course
    ("farm-tea-live", "龙坞村助农直播:明前龙井上新", 0, None, 60, True),
    ("farm-bamboo", "高山笋干怎么挑:合作社直播", 1, 19, 45, False),
    ("shop-display", "小店陈列直播课:节日礼盒", 2, 20, 60, True),
    ("farm-orange", "蜜橘丰收季助农直播", 5, 19, 60, False),
    ("farm-walnut", "临安山核桃助农专场", -2, 19, 40, False),
    ("farm-rice-cake", "手工年糕制作与带货", -6, 20, 35, True),
    ("live-selling-skills", "直播带货话术入门", -12, 15, 30, True),
]


def _index() -> StreamIndexPage:
    existing = StreamIndexPage.objects.first()
    if existing is not None:
        return existing
    home = Site.objects.get(is_default_site=True).root_page.specific
    index = StreamIndexPage(
        title="直播",
        slug="live",
        intro="<p>助农直播、经营课堂，手机上就能看；错过了也能看回放。</p>",
    )
    home.add_child(instance=index)
    return index


def _editor_permissions(index: StreamIndexPage) -> None:
    editor_livestreams_permissions_grant()
    editors = Group.objects.filter(name="Editors").first()
    if editors is None:
        return
    for codename in ("add_page", "change_page", "publish_page"):
        permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
        GroupPagePermission.objects.get_or_create(group=editors, page=index, permission=permission)


def _video():
    """The demo video as an uploaded media item: made once with ffmpeg; None without ffmpeg."""
    from wagtailmedia.models import get_media_model

    Media = get_media_model()
    existing = Media.objects.filter(title="直播演示视频").first()
    if existing is not None:
        return existing
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "livestream-demo.webm"
        command = [
            ffmpeg, "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=10:duration={VIDEO_SECONDS}",
            "-f", "lavfi", "-i", f"sine=frequency=330:duration={VIDEO_SECONDS}",
            "-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "60k",
            "-c:a", "libopus", "-b:a", "16k", "-shortest", str(path),
        ]  # fmt: skip
        try:
            subprocess.run(command, check=True, timeout=300, capture_output=True)  # noqa: S603 - fixed arguments
        except (subprocess.SubprocessError, OSError):
            return None
        with path.open("rb") as handle:
            return Media.objects.create(
                title="直播演示视频",
                type="video",
                duration=VIDEO_SECONDS,
                file=File(handle, name="livestream-demo.webm"),
                collection=Collection.get_first_root_node(),
            )


def _stream(ctx, index, slug, title, start, minutes, host, course, video) -> StreamPage:
    existing = StreamPage.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    stream = StreamPage(
        title=title,
        slug=slug,
        host=host,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        description=f"<p>{title}。主播现场讲解，边看边学，答题赢积分，看中的产品点一下就能看详情。</p>",
        course=course,
        video=video,
        video_url="" if video else FALLBACK_VIDEO_URL,
        video_seconds=VIDEO_SECONDS if video else 5,
    )
    for name, price, seller, stock in ctx.rng.sample(PRODUCTS, 4):
        stream.products.add(StreamProduct(name=name, price=Decimal(price), seller=seller, stock=stock))
    for text, choices, seconds in QUESTIONS:
        stream.questions.add(StreamQuestion(text=text, choices=choices, seconds=seconds))
    for at, chapter in CHAPTERS:
        stream.chapters.add(_chapter(at, chapter))
    index.add_child(instance=stream)
    services.stream_state_ensure(stream=stream, now=ctx.now)
    return stream


def _chapter(at, title):
    from .models import StreamChapter

    return StreamChapter(at_seconds=at, title=title)


def _viewers(ctx) -> list:
    demo = ctx.demo_users or {}
    people = [demo[k] for k in ("retailer", "member", "villager", "volunteer") if k in demo]
    from django.contrib.auth import get_user_model

    owners = list(
        Shop.objects.filter(owner__isnull=False).order_by("licence_number").values_list("owner", flat=True)[:60]
    )
    ctx.rng.shuffle(owners)
    people += list(get_user_model().objects.filter(pk__in=owners[:4]).order_by("pk"))
    return people


def _run(ctx, stream: StreamPage, host, viewers: list, *, until_minutes: float | None = None) -> None:
    """Replay one stream through the services from its start: live, heartbeats, chat, pins, quizzes; and its end
    unless `until_minutes` stops it while it is still live."""
    rng = ctx.rng
    start = stream.starts_at
    length = (stream.ends_at - stream.starts_at).total_seconds() / 60
    stop = until_minutes if until_minutes is not None else length * rng.uniform(0.8, 1.0)
    services.stream_go_live(user=host, stream=stream, now=start)
    products = list(stream.products.all())
    questions = list(stream.questions.all())
    watching = {v.pk: (v, rng.uniform(0, 0.3) * stop, rng.uniform(0.3, 1.0) * stop) for v in viewers}
    chat_by = {v.pk: 0 for v in viewers}
    minute = 0.0
    next_pin, next_quiz = 1.0, stop * 0.4
    quiz_number = 0
    while minute <= stop:
        now = start + timedelta(minutes=minute)
        for viewer, joined, left in watching.values():
            if joined <= minute <= joined + left:
                services.stream_heartbeat(user=viewer, stream=stream, viewers=len(viewers), now=now)
                if rng.random() < 0.08 and chat_by[viewer.pk] < 3:
                    chat_by[viewer.pk] += 1
                    services.chat_post(user=viewer, stream=stream, text=rng.choice(CHAT), now=now)
        if products and minute >= next_pin:
            services.product_pin(user=host, stream=stream, product_id=rng.choice(products).pk, now=now)
            next_pin += rng.uniform(4, 9)
        if questions and minute >= next_quiz and quiz_number < len(questions):
            question = questions[quiz_number]
            round_ = services.quiz_open(user=host, stream=stream, question_id=question.pk, now=now)
            quiz_number += 1
            next_quiz += max(3, stop * 0.2)
            for viewer, joined, left in watching.values():
                if joined <= minute <= joined + left and rng.random() < 0.7:
                    answer_at = now + timedelta(seconds=rng.uniform(1, round_.seconds - 1))
                    choice = round_.correct if rng.random() < 0.75 else (round_.correct + 1) % len(round_.choices)
                    services.quiz_answer(user=viewer, round_=round_, choice=choice, now=answer_at)
        minute += 0.5  # the players' heartbeat period, in minutes (capped credit per beat)
    if until_minutes is None:
        services.stream_end(user=host, stream=stream, now=start + timedelta(minutes=stop))


def seed(ctx) -> None:
    demo = ctx.demo_users or {}
    host = demo.get("staff") or demo.get("editor")
    if host is None:
        ctx.stdout.write("  livestreams: no demo people, nothing seeded")
        return
    rules = _rules()
    index = _index()
    _editor_permissions(index)
    for word in ("假货", "加微信", "刷单"):
        BannedWord.objects.get_or_create(word=word)
    video = _video()
    course = _course_for_demo()
    viewers = _viewers(ctx)
    created = 0
    for slug, title, days, hour, minutes, with_course in STREAMS:
        if days == 0:
            start = (ctx.now - timedelta(minutes=20)).replace(second=0, microsecond=0)
        else:
            day = timezone.localtime(ctx.now) + timedelta(days=days)
            start = day.replace(hour=hour, minute=0, second=0, microsecond=0)
        is_new = not StreamPage.objects.filter(slug=slug).exists()
        stream = _stream(ctx, index, slug, title, start, minutes, host, course if with_course else None, video)
        if not is_new:
            continue
        created += 1
        state = StreamState.objects.get(pk=stream.pk)
        if days == 0:
            _run(ctx, stream, host, viewers, until_minutes=19)
            services.product_pin(user=host, stream=stream, product_id=stream.products.first().pk, now=ctx.now)
        elif days < 0 and state.status == "scheduled":
            _run(ctx, stream, host, viewers)
    ctx.stdout.write(
        f"  livestreams: {created} streams new, {StreamPage.objects.count()} in the schedule, {rules} points rules new"
    )


def _rules() -> int:
    """The pioneer index's rules for streams, before the demo's attendance is recorded (so it scores)."""

    from realtime.models import Dimension, Index, Rule
    from realtime.services.rules import ruleset_version_create

    pioneer = Index.objects.filter(slug="pioneer").first()
    learning = Dimension.objects.filter(index=pioneer, code="learning").first() if pioneer else None
    if learning is None:
        return 0
    created = 0
    for name, verb, points, cap in (("参加直播课", Verb.ATTENDED, 3, 6), ("看完直播回放", Verb.WATCHED, 2, 6)):
        if not Rule.objects.filter(dimension__index=pioneer, verb=verb, activity_type=ActivityType.LIVESTREAM).exists():
            Rule.objects.create(
                name=name,
                dimension=learning,
                verb=verb,
                activity_type=ActivityType.LIVESTREAM,
                points=Decimal(points),
                daily_cap=Decimal(cap),
            )
            created += 1
    if created:
        ruleset_version_create(index=pioneer, by=None)
    return created


def _course_for_demo():
    """The learning demo's live-selling course, when the catalogue has it (streams belong to it)."""
    from wagtail.models import Page

    return Page.objects.live().filter(title="助农直播带货技巧").first()
