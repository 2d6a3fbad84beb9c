"""Demo certifications: the city's training centre as issuer, four programmes built on the learning demo's
courses (each with a final exam), and certificates for about 70 % of shop owners (the share the seed
documents report), issued in bulk with past dates: some have expired, one was revoked.

Every certificate agrees with the statement store (tests/content/certification/test_certification_seed.py):
- demo_retailer earned the basic certificate on the platform: the learning demo replays her three courses,
  this step replays her final exam through the learning services, and the statement handler issues the
  certificate with evidence read from those statements, dated when she passed.
- The shop owners certified in bulk passed the city's offline certification exam before the platform existed:
  the old exam system (a trusted xAPI client) reports each pass as a statement, and their certificates name
  that exam, with its score, as their evidence.
The "store routine" programme (one course of three videos and a final exam) is nobody's yet: it is the path a
retailer takes in the browser (tests/content/certification/test_certificate_journey_browser.py).

Runs after content.learning's demo. Deterministic with ctx.rng; running it twice creates nothing new.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model

from core.activity.models import Statement, XapiClient
from core.activity.services import agent_for_user, statement_id_for, statements_store, xapi_client_create
from core.activity.vocabulary import ActivityType, Verb
from core.people.models import Shop

from .models import Certificate, Issuer, Programme, ProgrammeCourse
from .permissions import editor_certification_permissions_grant
from .services import certificate_expiry, recipient_identity

DEMO_NAMESPACE = uuid.UUID("1c7f0a52-3d4e-5b6a-8c9d-0e1f2a3b4c5d")

PROGRAMMES = [
    {
        "slug": "retail-basic",
        "title": "卷烟零售专业认证（初级）",
        "description": "持证零售户掌握卷烟陈列、依法经营与顾客服务的基本功，能规范经营一家零售终端。",
        "criteria": "学完三门必修课：卷烟陈列技巧、柜台陈列的黄金区域、烟草专卖法规要点；并以 80 分以上通过结业考试。",
        "courses": ["cdis-01", "cdis-02", "claw-01"],
        "validity_months": 24,
        "pass_mark": 80,
        "tags": "职业化认证,零售,陈列,法规",
        "share": 0.78,
    },
    {
        "slug": "retail-analyst",
        "title": "零售经营分析师",
        "description": "会看进销存数据、算毛利、管库存，能用数据调整商品结构的零售经营者。",
        "criteria": "学完三门经营分析课程，并以 75 分以上通过结业考试。",
        "courses": ["cana-01", "cana-02", "cana-03"],
        "validity_months": 36,
        "pass_mark": 75,
        "tags": "经营分析,数据",
        "share": 0.14,
    },
    {
        "slug": "rural-ecommerce",
        "title": "农村电商服务能手",
        "description": "能帮村民代购代销、收发快递、开展助农直播的农村电商服务站点负责人。",
        "criteria": "学完三门农村电商课程，并以 80 分以上通过结业考试。",
        "courses": ["crur-01", "crur-02", "crur-03"],
        "validity_months": 24,
        "pass_mark": 80,
        "tags": "农村电商,助农直播",
        "share": 0.09,
    },
    {
        "slug": "store-routine",
        "title": "门店日常规范认证",
        "description": "会按规范开门准备、营业巡店、打烊盘点的零售户。",
        "criteria": "看完《开门营业三段示范片》的三段视频，并以 75 分以上通过结业考试。",
        "courses": ["cser-video"],
        "validity_months": 24,
        "pass_mark": 75,
        "tags": "职业化认证,门店规范",
        "share": 0.0,
    },
]

# The old offline exam system that certified shop owners before the platform: a trusted xAPI client.
OFFLINE_CLIENT = "线下认证考试系统"


def offline_exam_iri(programme: Programme) -> str:
    """The activity id the offline exam system gives a programme's exam."""
    return f"{settings.XAPI_ACCOUNT_HOMEPAGE.rstrip('/')}/offline-exams/{programme.slug}"


def offline_exam_name(programme: Programme) -> str:
    return f"{programme.title}·线下认证考试"


EXAM_QUESTIONS = [
    ("true_false", "陈列商品时应把畅销品放在顾客视线平齐的位置。", "*对\n错"),
    ("single", "零售许可证应当如何放置？", "*悬挂在经营场所醒目位置\n锁在抽屉里\n交给供货商保管"),
    ("multiple", "以下哪些做法符合依法经营？", "*明码标价\n*不向未成年人售烟\n销售来源不明的卷烟"),
    ("true_false", "毛利率等于毛利除以销售额。", "*对\n错"),
]

REVOCATION_REASON = "资格复核未通过：许可证信息与持证人不符。"


def _issuer(ctx) -> Issuer:
    city = getattr(ctx, "city", None)
    name = f"{city.name if city else '市'}烟草专卖局（公司）培训中心"
    issuer, _ = Issuer.objects.get_or_create(
        name=name,
        defaults={
            "url": "https://xianfeng.example.cn/",
            "email": "training@xianfeng.example.cn",
            "telephone": "+865790000000",
            "description": "负责全市卷烟零售户职业化培训与认证的培训中心。",
        },
    )
    return issuer


def _final_exam(catalogue, spec: dict):
    from content.learning.models import QuizPage, QuizQuestion

    slug = f"exam-{spec['slug']}"
    exam = QuizPage.objects.filter(slug=slug).first()
    if exam is not None:
        return exam
    exam = QuizPage(
        title=f"{spec['title']}·结业考试", slug=slug, pass_mark=spec["pass_mark"], max_attempts=3, shuffle=True
    )
    for kind, text, choices in EXAM_QUESTIONS:
        exam.questions.add(QuizQuestion(kind=kind, text=text, choices=choices))
    catalogue.add_child(instance=exam)
    return exam


def _programme(ctx, issuer: Issuer, spec: dict) -> Programme | None:
    from content.learning.models import CourseIndexPage, CoursePage

    programme = Programme.objects.filter(slug=spec["slug"]).first()
    if programme is not None:
        return programme
    courses = {course.slug: course for course in CoursePage.objects.filter(slug__in=spec["courses"])}
    catalogue = CourseIndexPage.objects.order_by("path").first()
    if catalogue is None or not courses:
        ctx.stdout.write(f"  certification: no learning demo courses for {spec['slug']}, skipped")
        return None
    programme = Programme.objects.create(
        slug=spec["slug"],
        title=spec["title"],
        description=spec["description"],
        criteria=spec["criteria"],
        final_quiz=_final_exam(catalogue, spec),
        pass_mark=spec["pass_mark"],
        validity_months=spec["validity_months"],
        issuer=issuer,
        tags=spec["tags"],
    )
    for order, slug in enumerate(spec["courses"]):
        if slug in courses:
            ProgrammeCourse.objects.create(programme=programme, course=courses[slug], sort_order=order)
    return programme


def _issued_at(rng, now):
    """Most certificates are recent; about one in ten is older than two years (and so, mostly, expired)."""
    if rng.random() < 0.1:
        return now - timedelta(days=rng.randint(740, 900), hours=rng.randint(0, 23))
    return now - timedelta(days=rng.randint(3, 660), hours=rng.randint(0, 23))


def _offline_client() -> XapiClient:
    client = XapiClient.objects.filter(name=OFFLINE_CLIENT).first()
    if client is None:
        client, _secret = xapi_client_create(name=OFFLINE_CLIENT, trusted=True)
    return client


def _offline_statement(user, programme: Programme, *, score: float, at) -> dict:
    """The offline exam system's report that `user` passed `programme`'s exam with `score` at `at`."""
    return {
        "id": str(statement_id_for("demo-offline-exam", programme.slug, user.username)),
        "actor": agent_for_user(user),
        "verb": {"id": Verb.PASSED, "display": {"en-US": "passed"}},
        "object": {
            "objectType": "Activity",
            "id": offline_exam_iri(programme),
            "definition": {"type": ActivityType.ASSESSMENT, "name": {"zh-CN": offline_exam_name(programme)}},
        },
        "result": {"score": {"scaled": score}, "success": True, "completion": True},
        "timestamp": at.isoformat(),
    }


def _bulk_certificates(ctx, programmes: list[tuple[dict, Programme]]) -> tuple[int, Certificate | None]:
    rng = ctx.rng
    User = get_user_model()
    owner_ids = list(
        Shop.objects.filter(owner__isnull=False).order_by("owner_id").values_list("owner_id", flat=True).distinct()
    )
    demo_retailer = (ctx.demo_users or {}).get("retailer")
    owners = {
        user.pk: user
        for user in User.objects.filter(pk__in=owner_ids).only("pk", "username", "email", "phone", "first_name")
    }
    have = set(Certificate.objects.values_list("recipient_id", "programme_id"))
    plan: list[Certificate] = []
    reports: list[dict] = []
    for spec, programme in programmes:
        if not spec["share"]:
            continue
        for owner_id in owner_ids:
            # Draw for everyone, in a fixed order, so the plan is the same whatever already exists.
            chosen = rng.random() < spec["share"]
            issued_at = _issued_at(rng, ctx.now)
            score = rng.randint(programme.pass_mark, 100) / 100
            salt = f"{rng.getrandbits(64):016x}"
            if not chosen or (demo_retailer and owner_id == demo_retailer.pk) or (owner_id, programme.pk) in have:
                continue
            user = owners[owner_id]
            recipient_type, identity = recipient_identity(user)
            # What they did: passed the offline exam, reported as a statement by the exam system.
            reports.append(_offline_statement(user, programme, score=score, at=issued_at - timedelta(hours=2)))
            evidence = [{"exam": offline_exam_name(programme), "activity": offline_exam_iri(programme), "score": score}]
            plan.append(
                Certificate(
                    uuid=uuid.uuid5(DEMO_NAMESPACE, f"{programme.slug}:{user.username}"),
                    recipient_id=owner_id,
                    programme=programme,
                    issued_at=issued_at,
                    expires_at=certificate_expiry(programme=programme, issued_at=issued_at),
                    evidence=evidence,
                    recipient_type=recipient_type,
                    recipient_identity=identity,
                    salt=salt,
                )
            )
    if reports:
        client = _offline_client()
        for start in ctx.progress(range(0, len(reports), settings.XAPI_MAX_BATCH), desc="offline exam records"):
            statements_store(statements=reports[start : start + settings.XAPI_MAX_BATCH], client=client)
    Certificate.objects.bulk_create(plan, batch_size=2000)
    # One revoked certificate, always the same one.
    first = programmes[0][1]
    revoked = Certificate.objects.filter(programme=first).exclude(recipient=demo_retailer).order_by("uuid").first()
    if revoked is not None and revoked.revoked_at is None:
        revoked.revoked_at = revoked.issued_at + timedelta(days=30)
        revoked.revoked_by = (ctx.demo_users or {}).get("editor")
        revoked.revocation_reason = REVOCATION_REASON
        revoked.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
    return len(plan), revoked


def _retailer_exam(ctx, programme: Programme) -> None:
    """demo_retailer sits the basic programme's final exam two days after finishing its courses (the learning
    demo replayed them) and passes; the statement handler then issues her certificate, as for anyone."""
    from content.learning import services as learning

    retailer = (ctx.demo_users or {}).get("retailer")
    quiz = programme.final_quiz
    if retailer is None or quiz is None or Certificate.objects.filter(recipient=retailer, programme=programme).exists():
        return
    courses = [link.course for link in programme.required_courses.select_related("course")]
    finished = dict(
        Statement.objects.trusted()
        .filter(
            actor_user=retailer,
            verb_id=Verb.COMPLETED,
            activity_type=ActivityType.COURSE,
            object_id__in=[course.activity_iri for course in courses],
            voided=False,
        )
        .values_list("object_id", "timestamp")
    )
    if len(finished) < len(courses):
        ctx.stdout.write("  certification: demo_retailer has not finished the basic courses, no exam taken")
        return
    at = (max(finished.values()) + timedelta(days=2)).replace(hour=20, minute=10)
    at = min(at, ctx.now - timedelta(hours=3))
    attempt = learning.quiz_start(user=retailer, quiz=quiz, now=at, rng=ctx.rng)
    answers = {str(question.pk): sorted(question.correct_indexes()) for question in quiz.questions.all()}
    learning.quiz_submit(
        user=retailer, quiz=quiz, attempt_id=attempt.pk, answers=answers, now=at + timedelta(minutes=6)
    )


def seed(ctx) -> None:
    editor_certification_permissions_grant()
    issuer = _issuer(ctx)
    programmes = []
    for spec in PROGRAMMES:
        programme = _programme(ctx, issuer, spec)
        if programme is not None:
            programmes.append((spec, programme))
    if not programmes:
        return
    _retailer_exam(ctx, programmes[0][1])
    created, _revoked = _bulk_certificates(ctx, programmes)
    owners = Shop.objects.filter(owner__isnull=False).values("owner_id").distinct().count()
    holders = (
        Certificate.objects.valid(ctx.now).filter(programme=programmes[0][1]).values("recipient_id").distinct().count()
    )
    share = holders / owners if owners else 0
    ctx.stdout.write(
        f"  certification: {len(programmes)} programmes, {created} certificates issued; "
        f"{share:.0%} of shop owners hold a valid {programmes[0][1].title}"
    )
