"""Demo learning content and months of learning history.

`seed(ctx)` builds the catalogue (66 Chinese courses in six categories, each with video, audio or
picture lessons, a text lesson and a quiz) and replays learning history through the real services
with past timestamps: the demo people and a sample of shop owners enrol, watch, read, take quizzes
and finish courses, so every statement exists exactly as a real learner would have produced it.
Deterministic with ctx.rng; running it twice creates nothing new.
"""

from __future__ import annotations

import functools
import io
import random
from contextlib import contextmanager
from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.core.files.images import ImageFile
from django.db.models.signals import post_save
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Collection, GroupPagePermission, Page, Site

from core.activity.models import Statement, XapiClient
from core.activity.services import agent_for_user, statement_id_for, statements_store, xapi_client_create
from core.activity.vocabulary import ActivityType, Verb
from core.people.models import Role, Shop, User

from . import services
from .durations import lesson_durations_check, recording_seconds, whole_seconds
from .models import Category, CourseIndexPage, CoursePage, Enrolment, LessonPage, QuizPage, QuizQuestion

# The catalogue's title and introduction for English readers (the migration that added the fields fills the same).
CATALOGUE_EN = (
    "Academy courses",
    "<p>Learn business, service and digital skills in spare moments. Each lesson takes a few minutes on a phone.</p>",
)

VIDEO_URL = "/static/learning/demo/sample.webm"
AUDIO_URL = "/static/learning/demo/sample.ogg"

# A course of videos only (three short films and no quiz of its own), the path of the "store routine"
# certification (content/certification/demo.py): what a retailer meets first when they earn a certificate.
VIDEO_COURSE = {
    "slug": "cser-video",
    "title": "开门营业三段示范片",
    "summary": "三段示范片跟着做：开门前的准备、营业中的巡店、打烊后的盘点，每段几分钟。",
    "lessons": ["开门前的准备", "营业中的巡店", "打烊后的盘点"],
    "tags": ["服务", "示范片"],
}
# The demo retailer's finished courses, in order (the path of the basic certificate, content/certification/demo.py):
# her history agrees with the certificate she holds.
RETAILER_FINISHED = ["cdis-01", "cdis-02", "claw-01"]

COURSES = {
    Category.DISPLAY: [
        "卷烟陈列技巧",
        "柜台陈列的黄金区域",
        "新品上柜与价签规范",
        "货架空间管理入门",
        "季节性商品陈列",
        "节日礼盒陈列与促销",
        "便利店动线设计",
        "烟酒柜整洁度检查",
        "商品结构优化",
        "小店灯光与氛围",
        "非烟商品选品指南",
    ],
    Category.ANALYSIS: [
        "读懂你的进销存",
        "毛利率怎么算",
        "订货量预测入门",
        "畅销与滞销商品分析",
        "客单价提升方法",
        "月度经营复盘",
        "库存周转率管理",
        "价格带分析实战",
        "会员消费数据解读",
        "商圈与客群分析",
        "小店成本控制",
    ],
    Category.DIGITAL: [
        "手机订货系统操作",
        "扫码收银入门",
        "电子价签使用",
        "微信小程序开店",
        "会员积分系统设置",
        "线上支付对账",
        "数据看板怎么看",
        "社群营销工具",
        "外卖平台上线指南",
        "短视频拍摄入门",
        "智能终端日常维护",
    ],
    Category.LAW: [
        "烟草专卖许可证办理与延续",
        "不向未成年人售烟",
        "真假烟鉴别基础",
        "零售户诚信经营",
        "消费者权益保护法要点",
        "食品经营许可常识",
        "价格法与明码标价",
        "个人信息保护基础",
        "电子发票与税务常识",
        "合同与供货协议",
        "专卖市场检查应对",
    ],
    Category.SERVICE: [
        "微笑服务与礼貌用语",
        "处理顾客投诉",
        "老顾客维护",
        "特殊顾客的接待",
        "电话与线上咨询服务",
        "送货上门服务规范",
        "服务质量自查",
        "社区便民服务",
        "顾客需求调研",
        "节假日服务安排",
        "门店安全与应急",
    ],
    Category.RURAL: [
        "农产品上行入门",
        "助农直播带货技巧",
        "农产品包装与品牌",
        "村级快递代收点运营",
        "乡村小店线上化",
        "农特产品定价",
        "冷链与物流基础",
        "农村电商平台选择",
        "直播间布置与话术",
        "农产品品质与溯源",
        "乡村振兴政策解读",
    ],
}

TAGS = {
    Category.DISPLAY: ["陈列", "柜台", "货架", "商品"],
    Category.ANALYSIS: ["经营分析", "数据", "毛利", "库存"],
    Category.DIGITAL: ["数字化", "手机", "订货", "收银"],
    Category.LAW: ["法律", "许可证", "合规", "专卖"],
    Category.SERVICE: ["服务", "顾客", "投诉", "礼仪"],
    Category.RURAL: ["农村电商", "直播", "农产品", "快递"],
}

QUESTIONS = {
    Category.DISPLAY: [
        ("single", "畅销品最适合放在柜台的哪个位置？", "*与顾客视线平齐处\n柜台最底层\n收银台后面的仓库"),
        ("multiple", "下面哪些是好的陈列习惯？", "*价签与商品一一对应\n*同品牌集中摆放\n过期宣传品长期不撤"),
    ],
    Category.ANALYSIS: [
        ("single", "毛利率的计算方法是？", "*(销售额-进货成本)÷销售额\n销售额÷进货成本\n进货成本÷销售额"),
        ("multiple", "月度复盘时应该看哪些数据？", "*销售额与毛利\n*滞销商品清单\n隔壁店的装修风格"),
    ],
    Category.DIGITAL: [
        ("single", "手机订货前最先要做的是？", "*查看库存和近期销量\n随便多订一些\n等送货员上门再说"),
        ("multiple", "扫码收银的好处有哪些？", "*找零更快\n*账目清楚\n可以不开门营业"),
    ],
    Category.LAW: [
        ("single", "对疑似未成年人购烟，正确的做法是？", "*查看身份证件，未成年不售\n看熟不熟再决定\n只卖便宜的烟"),
        ("multiple", "许可证的哪些信息必须与实际一致？", "*经营地址\n*经营者\n店里的装修颜色"),
    ],
    Category.SERVICE: [
        ("single", "顾客投诉时，第一步应该？", "*耐心倾听并致歉\n立刻反驳\n让顾客去别家"),
        ("multiple", "维护老顾客可以怎么做？", "*记住常买的品种\n*节日问候\n频繁涨价"),
    ],
    Category.RURAL: [
        ("single", "农产品上线销售，最重要的是？", "*品质稳定、描述真实\n图片越夸张越好\n价格越低越好"),
        ("multiple", "直播带货前要准备什么？", "*样品和价格表\n*网络与灯光\n临时编造产地故事"),
    ],
}

TRUE_FALSE = ("true_false", "学完本课后，应该在店里实际试一试。", "*对\n错")

TEXT_BODY = (
    "<h2>要点</h2><ol><li>先看清现状：拍一张店里的照片，对照本课要点找差距。</li>"
    "<li>一次只改一处，改完观察一周的销量变化。</li><li>有疑问找客户经理，或在学苑里提问。</li></ol>"
    "<p>好的习惯贵在坚持。每天花五分钟，小店就会有看得见的变化。</p>"
)

# When learners study: between customers, mornings, early afternoons and evenings.
STUDY_HOURS = [8, 9, 10, 10, 11, 13, 14, 14, 15, 16, 19, 20, 20, 21, 21, 22]


def _images(rng) -> list:
    """Four small generated pictures for the picture lessons (made once, reused)."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    Image = get_image_model()
    images = list(Image.objects.filter(title__startswith="学苑示例图").order_by("title"))
    if len(images) >= 4:
        return images
    colours = [(183, 28, 28), (46, 125, 50), (21, 101, 192), (249, 168, 37)]
    for n, colour in enumerate(colours[len(images) :], start=len(images) + 1):
        picture = PILImage.new("RGB", (640, 360), (250, 250, 250))
        draw = ImageDraw.Draw(picture)
        for shelf in range(3):
            y = 60 + shelf * 100
            draw.rectangle([40, y + 60, 600, y + 70], fill=(120, 120, 120))
            for box in range(8):
                x = 50 + box * 68
                draw.rectangle([x, y, x + 56, y + 58], fill=colour if (box + shelf + n) % 3 else (200, 200, 200))
        buffer = io.BytesIO()
        picture.save(buffer, "PNG")
        images.append(
            Image.objects.create(
                title=f"学苑示例图 {n}",
                file=ImageFile(buffer, name=f"learning-demo-{n}.png"),
                collection=Collection.get_first_root_node(),
            )
        )
    return images


@functools.cache
def _recording_seconds(url: str) -> int:
    """A demo recording's duration as lessons store it, read from the file (durations.py)."""
    seconds = recording_seconds(stream_url=url)
    if seconds is None:
        raise RuntimeError(f"cannot read the duration of {url}: is ffprobe installed?")
    return whole_seconds(seconds)


def _media_durations_fix() -> int:
    """Lessons seeded before durations were read from the recordings: give them their recording's duration."""
    return len(lesson_durations_check(fix=True))


def _video_course(catalogue, now) -> CoursePage:
    spec = VIDEO_COURSE
    existing = CoursePage.objects.filter(slug=spec["slug"]).first()
    if existing is not None:
        return existing
    course = CoursePage(
        title=spec["title"],
        slug=spec["slug"],
        summary=spec["summary"],
        category=Category.SERVICE,
        level="beginner",
        estimated_minutes=5,
        instructor="李店长",
        audience_roles=[Role.RETAILER],
    )
    course.tags.add(*spec["tags"])
    catalogue.add_child(instance=course)
    for number, title in enumerate(spec["lessons"], start=1):
        course.add_child(
            instance=LessonPage(
                title=title,
                slug=f"v{number}",
                kind="video",
                summary="跟着示范片做一遍。",
                stream_url=VIDEO_URL,
                duration_seconds=_recording_seconds(VIDEO_URL),
            )
        )
    published = now - timedelta(days=20)
    Page.objects.filter(path__startswith=course.path).update(first_published_at=published, last_published_at=published)
    course.first_published_at = published
    return course


def _catalogue() -> CourseIndexPage:
    existing = CourseIndexPage.objects.first()
    if existing is not None:
        return existing
    home = Site.objects.get(is_default_site=True).root_page.specific
    catalogue = CourseIndexPage(
        title="学苑课程",
        slug="courses",
        intro="<p>利用零碎时间学习经营、服务和数字化技能。每节课几分钟，手机上就能学。</p>",
        title_en=CATALOGUE_EN[0],
        intro_en=CATALOGUE_EN[1],
    )
    home.add_child(instance=catalogue)
    return catalogue


def _editor_permissions(catalogue: CourseIndexPage) -> None:
    """Editors may add, edit and publish everything under the catalogue."""
    editors = Group.objects.filter(name="Editors").first()
    if editors is None:
        return
    for codename in ("add_page", "change_page", "publish_page"):
        permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
        GroupPagePermission.objects.get_or_create(group=editors, page=catalogue, permission=permission)


def _course(catalogue, rng, category, title, number, images, now) -> CoursePage:
    slug = f"c{category[:3]}-{number:02d}"
    existing = CoursePage.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    level = rng.choice(["beginner", "beginner", "intermediate", "advanced"])
    course = CoursePage(
        title=title,
        slug=slug,
        summary=f"{title}：从零售户的日常出发，讲清楚做法和常见误区，学完就能在店里用上。",
        category=category,
        level=level,
        estimated_minutes=rng.choice([8, 10, 12, 15, 20, 25]),
        instructor=rng.choice(["陈老师", "王经理", "李店长", "张律师", "刘讲师", "赵主任"]),
        audience_roles=[Role.RETAILER],
    )
    course.tags.add(*rng.sample(TAGS[category], 2))
    catalogue.add_child(instance=course)
    media_kind = "video" if number % 3 else "audio"
    lessons = [
        LessonPage(
            title=f"{title}·要点讲解" if media_kind == "video" else f"{title}·店主经验分享",
            slug="l1",
            kind=media_kind,
            summary="几分钟讲清本课要点。",
            stream_url=VIDEO_URL if media_kind == "video" else AUDIO_URL,
            duration_seconds=_recording_seconds(VIDEO_URL if media_kind == "video" else AUDIO_URL),
        ),
        LessonPage(
            title=f"{title}·图解",
            slug="l2",
            kind="pictures",
            summary="看图学做法。",
            duration_seconds=90,
            body=[("pictures", [{"image": img, "caption": f"示例 {i + 1}"} for i, img in enumerate(images[:3])])],
        ),
        LessonPage(
            title=f"{title}·操作清单",
            slug="l3",
            kind="text",
            summary="照着清单在店里做一遍。",
            duration_seconds=120,
            body=[("text", TEXT_BODY), ("tip", "每天开门前花五分钟对照清单检查。")],
        ),
    ]
    for lesson in lessons:
        course.add_child(instance=lesson)
    quiz = QuizPage(title=f"{title}·小测验", slug="quiz", pass_mark=60, max_attempts=3, shuffle=True)
    for kind, text, choices in [*QUESTIONS[category], TRUE_FALSE]:
        quiz.questions.add(QuizQuestion(kind=kind, text=text, choices=choices))
    course.add_child(instance=quiz)
    # Spread publication dates: most courses are old, a few are new this week.
    age = rng.randint(1, 10) if number > 10 else rng.randint(130, 400)
    published = now - timedelta(days=age, hours=rng.randint(0, 12))
    Page.objects.filter(path__startswith=course.path).update(first_published_at=published, last_published_at=published)
    course.first_published_at = published
    return course


@contextmanager
def _search_index_paused(models):
    """Page saves index one page at a time; the seed indexes its pages in bulk afterwards instead."""
    from modelsearch.signal_handlers import post_save_signal_handler

    for model in models:
        post_save.disconnect(post_save_signal_handler, sender=model)
    try:
        yield
    finally:
        for model in models:
            post_save.connect(post_save_signal_handler, sender=model)


def _index_in_bulk(courses: list[CoursePage]) -> None:
    from wagtail.search.backends import get_search_backends

    lessons = list(LessonPage.objects.all())
    quizzes = list(QuizPage.objects.all())
    for backend in get_search_backends(with_auto_update=True):
        backend.add_bulk(CoursePage, courses)
        backend.add_bulk(LessonPage, lessons)
        backend.add_bulk(QuizPage, quizzes)


def _study_time(rng, day):
    return day.replace(hour=rng.choice(STUDY_HOURS), minute=rng.randint(0, 59), second=rng.randint(0, 59))


def take_course(rng, user, course: CoursePage, start, *, finish: bool, skill: float, until=None) -> None:
    """Replay one learner taking one course, through the services, from `start` on; nothing happens after
    `until` (the seed's "now"; by default the present): a learner who would come back later simply has not
    finished yet."""
    until = until or timezone.now()
    t = start
    if t >= until:
        return
    services.course_enrol(user=user, course=course, now=t)
    outline = list(course.get_children().live().order_by("path").specific())
    lessons = [p for p in outline if isinstance(p, LessonPage)]
    quizzes = [p for p in outline if isinstance(p, QuizPage)]
    stop_after = len(lessons) if finish else rng.randint(0, len(lessons) - 1)
    for index, lesson in enumerate(lessons):
        t += timedelta(minutes=rng.randint(1, 20))
        # Time enough to finish the lesson before `until`, or the learner stops here.
        if t + timedelta(seconds=lesson.duration_seconds + 300) >= until:
            return
        services.lesson_view(user=user, lesson=lesson, now=t)
        if index >= stop_after:
            if lesson.is_media:  # watched part of it, then stopped
                share = rng.uniform(0.3, 0.8)
                t += timedelta(seconds=lesson.duration_seconds * share)
                services.lesson_progress_report(
                    user=user, lesson=lesson, position_seconds=lesson.duration_seconds * share, now=t
                )
            return
        if lesson.is_media:
            t += timedelta(seconds=lesson.duration_seconds + rng.randint(0, 30))
            services.lesson_progress_report(user=user, lesson=lesson, position_seconds=lesson.duration_seconds, now=t)
        else:
            t += timedelta(seconds=services.reading_seconds_required(lesson) + rng.randint(5, 120))
            services.lesson_complete(user=user, lesson=lesson, now=t)
        if rng.random() < 0.3:  # come back another day
            t = _study_time(rng, t + timedelta(days=rng.randint(1, 4)))
    for quiz in quizzes:
        for _try in range(quiz.max_attempts):
            t += timedelta(minutes=rng.randint(1, 10))
            if t + timedelta(minutes=5) >= until:
                return
            attempt = services.quiz_start(user=user, quiz=quiz, now=t, rng=rng)
            answers = {}
            for question in quiz.questions.all():
                right = sorted(question.correct_indexes())
                if rng.random() < skill:
                    answers[str(question.pk)] = right
                else:
                    answers[str(question.pk)] = [(right[0] + 1) % len(question.parsed_choices())]
            t += timedelta(seconds=rng.randint(40, 240))
            result = services.quiz_submit(user=user, quiz=quiz, attempt_id=attempt.pk, answers=answers, now=t)
            if result.passed:
                break


_take_course = take_course  # the name tests used before `until` existed


def _history(ctx, courses: list[CoursePage]) -> int:
    rng = ctx.rng
    now = ctx.now
    demo = ctx.demo_users or {}
    learners = [demo[k] for k in ("retailer", "member", "staff", "volunteer") if k in demo]
    # A sample of shop owners (replaying all of them would take too long): 12 at 200 shops, 60 at 34,000.
    sample = min(60, max(12, ctx.shops // 280))
    owners = list(
        Shop.objects.filter(owner__isnull=False)
        .order_by("licence_number")
        .values_list("owner", flat=True)[: sample * 3]
    )
    rng.shuffle(owners)
    from django.contrib.auth import get_user_model

    User = get_user_model()
    chosen = set(owners[:sample])
    learners += list(User.objects.filter(pk__in=chosen).exclude(pk__in=[u.pk for u in learners]).order_by("pk"))
    already = set(Enrolment.objects.filter(user__in=learners).values_list("user_id", flat=True))
    taken = 0
    for learner in ctx.progress(learners, desc="learning history"):
        if learner.pk in already:
            continue
        is_demo_retailer = learner == demo.get("retailer")
        count = 5 if is_demo_retailer else rng.choice([1, 1, 2, 2, 3, 4, 6])
        skill = rng.uniform(0.55, 0.95)
        # Learners lean to one or two favourite categories.
        favourites = rng.sample(list(COURSES), 2)
        pool = [c for c in courses if c.category in favourites] * 3 + courses
        picked: list[CoursePage] = []
        if is_demo_retailer:
            # Her basic certificate's courses, finished in the weeks before her exam (certification demo).
            finished = [c for slug in RETAILER_FINISHED for c in courses if c.slug == slug]
            for n, course in enumerate(finished):
                start = _study_time(rng, now - timedelta(days=70 - 6 * n))
                take_course(rng, learner, course, start, finish=True, skill=1.0, until=now)
                taken += 1
            picked = list(finished)
        while len(picked) < count:
            course = rng.choice(pool)
            if course not in picked:
                picked.append(course)
        for course in picked:
            if is_demo_retailer and course.slug in RETAILER_FINISHED:
                continue
            earliest = max(course.first_published_at, now - timedelta(days=150))
            span = max(1, int((now - earliest).total_seconds() // 86400) - 1)
            day = earliest + timedelta(days=rng.randint(0, span))
            start = _study_time(rng, day)
            if start > now - timedelta(hours=2):
                start = now - timedelta(hours=rng.randint(2, 30))
            finish = False if is_demo_retailer else rng.random() < 0.6
            take_course(rng, learner, course, start, finish=finish, skill=skill, until=now)
            taken += 1
    return taken


# `seed_demo --province`: the history of the province's former academy, reported by its trusted xAPI client.
PROVINCE_CLIENT = "省学苑历史学习记录"
PROVINCE_LEARNERS = 0.08  # the share of shop owners with a history there
PROVINCE_BATCH = 500


def _province_statement(user, verb, page, activity_type, key, at, parent=None) -> dict:
    """What the learning services record for a lesson or course done (courses.py `_record`), as a client sends it."""
    context: dict = {"language": "zh-CN", "extensions": {services.courses.ITEM_EXTENSION: page.item_id}}
    if parent is not None:
        context["contextActivities"] = {
            "parent": [
                {
                    "objectType": "Activity",
                    "id": parent.activity_iri,
                    "definition": {"type": ActivityType.COURSE, "name": {"zh-CN": parent.title}},
                }
            ]
        }
    return {
        "id": str(statement_id_for(*key)),
        "actor": agent_for_user(user),
        "verb": {"id": verb, "display": {"en-US": "completed"}},
        "object": {
            "objectType": "Activity",
            "id": page.activity_iri,
            "definition": {"type": activity_type, "name": {"zh-CN": page.title}},
        },
        "result": {"completion": True},
        "context": context,
        "timestamp": at.isoformat(),
    }


def _province_history(ctx, courses: list[CoursePage]) -> int:
    """With --province: 8 % of the province's shop owners completed lessons and courses over the last five
    months, as statements of the former academy's trusted client (in batches: a fixed number of queries each),
    so the cockpit's summaries, the contests and the recommender see a province's learning. Each owner draws from
    a generator of their own; a second run finds every statement stored and adds nothing."""
    client = XapiClient.objects.filter(name=PROVINCE_CLIENT).first()
    if client is None:
        client, _secret = xapi_client_create(name=PROVINCE_CLIENT, trusted=True)
    outline = {
        course.pk: [p for p in course.get_children().live().order_by("path").specific() if isinstance(p, LessonPage)]
        for course in courses
    }
    replayed = set(Enrolment.objects.values_list("user_id", flat=True))
    owners = User.objects.filter(shops__isnull=False).order_by("username").only("pk", "username", "display_name")
    total = Shop.objects.filter(owner__isnull=False).count()
    batch: list[dict] = []
    sent = 0
    for owner in ctx.progress(owners.iterator(chunk_size=5000), desc="province learning history", total=total):
        rng = random.Random(f"{ctx.seed}:learning:{owner.username}")
        if rng.random() >= PROVINCE_LEARNERS or owner.pk in replayed:
            continue
        for course in rng.sample(courses, rng.choice([1, 1, 2, 2, 3])):
            at = ctx.now - timedelta(days=rng.randint(1, 150), minutes=rng.randint(0, 600))
            lessons = outline[course.pk]
            done = len(lessons) if rng.random() < 0.6 else rng.randint(1, max(1, len(lessons) - 1))
            for lesson in lessons[:done]:
                at += timedelta(minutes=rng.randint(5, 40))
                key = ("learning-completed", owner.pk, lesson.pk)
                batch.append(_province_statement(owner, Verb.COMPLETED, lesson, ActivityType.LESSON, key, at, course))
            if done == len(lessons):
                key = ("learning-completed", owner.pk, course.pk)
                batch.append(_province_statement(owner, Verb.COMPLETED, course, ActivityType.COURSE, key, at))
            if len(batch) >= PROVINCE_BATCH:
                sent += _store_new(batch, client)
                batch = []
    return sent + _store_new(batch, client)


def _store_new(batch: list[dict], client) -> int:
    """Store the statements of `batch` not stored yet (a second run's timestamps differ from the first's)."""
    have = {str(pk) for pk in Statement.objects.filter(pk__in=[s["id"] for s in batch]).values_list("pk", flat=True)}
    new = [statement for statement in batch if statement["id"] not in have]
    return sum(
        result.created
        for start in range(0, len(new), PROVINCE_BATCH)
        for result in statements_store(statements=new[start : start + PROVINCE_BATCH], client=client)
    )


def seed(ctx) -> None:
    rng = ctx.rng
    catalogue = _catalogue()
    _editor_permissions(catalogue)
    images = _images(rng)
    courses = []
    new = not CoursePage.objects.exists()
    with _search_index_paused([CoursePage, LessonPage, QuizPage]):
        for category, titles in COURSES.items():
            for number, title in enumerate(titles, start=1):
                courses.append(_course(catalogue, rng, category, title, number, images, ctx.now))
    if new:
        _index_in_bulk(list(CoursePage.objects.all()))
    _video_course(catalogue, ctx.now)
    fixed = _media_durations_fix()
    if fixed:
        ctx.stdout.write(f"  learning: {fixed} lessons given their recording's duration")
    from .selectors import catalogue_invalidate

    catalogue_invalidate()
    taken = _history(ctx, courses)
    ctx.stdout.write(f"  learning: {len(courses)} courses, {taken} course histories replayed")
    if getattr(ctx, "province", False):
        ctx.stdout.write(f"  learning: {_province_history(ctx, courses)} statements of the province's history")
