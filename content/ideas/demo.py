"""The ideas app's demo step: the innovation home, two boards with a season of ideas in every state (some
reported and hidden, one restored by a moderator), challenges in every state, a talent pool, and the rule that
gives points for an accepted challenge. Everything goes through the services, so statements, points, the
moderator log and badges are what people would have made. Idempotent: a second run changes nothing."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import Permission
from wagtail.models import GroupPagePermission, Site

from core.activity.vocabulary import ActivityType, Verb
from core.people.models import Role, User
from core.people.permissions import editor_permissions_grant

from . import services
from .models import Challenge, Claim, Idea, IdeaBoardPage, IdeasIndexPage, TalentProfile

IDEA_PERMISSIONS = {"idea": ("review", "moderate", "view", "change"), "challenge": ("post", "view", "change")}

TOPICS = [
    # title, problem, proposal, tags
    (
        "扫码订货减少电话排队",
        "周一上午订货电话常常打不通，零售户要反复拨打。",
        "在每家店贴一个订货二维码，扫码进入订货页面，高峰时段自动排队。",
        "订货,二维码",
    ),
    (
        "新品陈列样板店",
        "新品上市时零售户不知道怎么摆。",
        "每个网格选一家样板店，拍照做成陈列指南，客户经理拜访时带着看。",
        "陈列,新品",
    ),
    (
        "送货时间短信提醒",
        "零售户不知道送货车几点到，只能在店里等。",
        "送货前一小时自动发短信，写明预计到达时间。",
        "送货,短信",
    ),
    (
        "村级服务站代收快递",
        "村民取快递要跑到镇上。",
        "在有条件的零售户店里设快递代收点，按件给零售户补贴。",
        "服务站,快递",
    ),
    (
        "老年零售户手机培训",
        "年纪大的零售户不会用订货APP。",
        "每月在市场部开一次手机操作小课，请年轻零售户当小老师。",
        "培训,数字化",
    ),
    (
        "假烟识别卡片",
        "零售户遇到可疑卷烟不会辨别。",
        "做一张口袋大小的识别卡片，列出五个看点，贴在收银台旁。",
        "打假,市场监管",
    ),
    (
        "客户经理拜访路线优化",
        "拜访路线凭经验安排，绕路多。",
        "用网格地图按距离排出每天的拜访顺序，节省路上时间。",
        "拜访,效率",
    ),
    (
        "零售户经营数据周报",
        "零售户看不懂自己的销售数据。",
        "每周推送一张图表周报：卖得最好的五个品规和库存提醒。",
        "数据,经营",
    ),
    ("雨天送货防潮包装", "雨天送货时纸箱受潮，零售户投诉。", "给送货车配防水罩，纸箱外加一层薄膜。", "送货,服务"),
    ("诚信经营积分", "守法经营的零售户没有得到认可。", "建立诚信积分，积分高的零售户在评优和货源上优先。", "诚信,激励"),
    ("夜间自助订货", "白天忙的零售户只能晚上订货，系统已关闭。", "延长订货系统开放时间到晚上十点。", "订货,系统"),
    ("网格员交流群", "网格员之间经验分享少。", "建立市场部网格员交流群，每周分享一个好做法。", "交流,网格"),
    ("收银台整理小贴士", "柜台杂乱影响顾客体验。", "拍一组收银台整理前后对比照片，发给零售户参考。", "陈列,服务"),
    ("零售户互助小组", "新开店的零售户缺少经验。", "把老店和新店结对，老店主每月带新店主走一次店。", "互助,新店"),
    ("节日备货提醒", "春节前零售户备货不足或过量。", "根据去年同期销量给每家店推送备货建议。", "备货,数据"),
    ("便民服务清单上墙", "村民不知道服务站能办哪些事。", "统一设计便民服务清单海报，张贴在服务站门口。", "服务站,便民"),
]
REASONS_ADOPTED = [
    "成本低，见效快，先在两个网格试点。",
    "零售户反映强烈，纳入明年工作计划。",
    "思路清楚，可以直接推广。",
]
REASONS_REJECTED = ["需要改造系统，目前预算不够，明年再议。", "与现行管理规定不符。", "已有类似做法在执行中。"]
OUTCOMES = ["三个网格试点一个月，相关投诉下降四成。", "全市推广，零售户满意度提高到96%。"]
SKILLS = [
    "数据分析",
    "陈列设计",
    "系统运维",
    "培训讲解",
    "视频拍摄",
    "文案写作",
    "市场调研",
    "法律法规",
    "项目管理",
    "客户服务",
]
CHALLENGES = [
    # title, problem, reward, points, skills, state
    (
        "周一订货高峰分流方案",
        "每周一上午订货系统排队，零售户平均等待超过十分钟。请提出分流方案并试点。",
        "团队奖励2000元",
        15,
        "数据分析,系统运维",
        "accepted",
    ),
    (
        "农村零售户直播带货试点",
        "帮助三个村的零售户通过直播卖本地农产品。",
        "优秀团队通报表扬",
        10,
        "视频拍摄,文案写作",
        "delivered",
    ),
    ("零售户经营分析模板", "做一套零售户能看懂的经营分析模板。", "团队奖励1000元", 10, "数据分析,培训讲解", "returned"),
    (
        "服务站标准化建设",
        "统一全市惠民服务站的门头、清单和台账。",
        "团队奖励3000元",
        20,
        "陈列设计,项目管理",
        "working",
    ),
    (
        "假烟线索快速核查流程",
        "零售户举报的线索核查慢，平均三天。请设计当天核查的流程。",
        "优秀团队通报表扬",
        10,
        "法律法规,市场调研",
        "claimed",
    ),
    ("新零售户入门课程", "为新开店的零售户设计一门入门课程。", "团队奖励800元", 8, "培训讲解,文案写作", "open"),
    ("送货满意度调查", "设计并完成一次全市送货满意度调查。", "团队奖励500元", 5, "市场调研,客户服务", "closed"),
]


def _home() -> IdeasIndexPage:
    existing = IdeasIndexPage.objects.first()
    if existing is not None:
        return existing
    root = Site.objects.get(is_default_site=True).root_page.specific
    page = IdeasIndexPage(
        title="金点子与揭榜挂帅",
        slug="ideas",
        intro="<p>一线的好点子在这里提出、支持和落地；中心出题，团队揭榜。</p>",
    )
    root.add_child(instance=page)
    return page


def _permissions(ctx, home: IdeasIndexPage) -> None:
    """Editors review, moderate and post challenges, and edit the boards; demo_staff reviews and posts too."""
    group = editor_permissions_grant(app_label="ideas", permissions=IDEA_PERMISSIONS, with_admin_access=True)
    for codename in ("add_page", "change_page", "publish_page"):
        permission = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
        GroupPagePermission.objects.get_or_create(group=group, page=home, permission=permission)
    staff = ctx.demo_users.get("staff")
    if staff is not None:
        staff.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="ideas", codename__in=["review_idea", "moderate_idea", "post_challenge"]
            )
        )


def _rules() -> int:
    """The pioneer index's rules for ideas and challenges (the realtime demo may already hold the first)."""
    from realtime.models import Dimension, Index, Rule
    from realtime.services.rules import ruleset_version_create

    pioneer = Index.objects.filter(slug="pioneer").first()
    if pioneer is None:
        return 0
    results = (
        Dimension.objects.filter(index=pioneer, code="results").first()
        or Dimension.objects.filter(index=pioneer).first()
    )
    if results is None:
        return 0
    created = 0
    for name, verb, activity_type, points, cap in (
        ("采纳金点子", Verb.ADOPTED, ActivityType.PROPOSAL, 10, 20),
        ("揭榜挂帅通过验收", Verb.ACCEPTED, ActivityType.CHALLENGE, 15, 30),
    ):
        if not Rule.objects.filter(dimension__index=pioneer, verb=verb, activity_type=activity_type).exists():
            Rule.objects.create(
                name=name,
                dimension=results,
                verb=verb,
                activity_type=activity_type,
                points=Decimal(points),
                daily_cap=Decimal(cap),
            )
            created += 1
    if created:
        ruleset_version_create(index=pioneer, by=None)
    return created


def _board(home, *, slug, title, topic, scope, opens_at, closes_at, threshold=3, limit=None) -> IdeaBoardPage:
    existing = IdeaBoardPage.objects.filter(slug=slug).first()
    if existing is not None:
        return existing
    board = IdeaBoardPage(
        title=title,
        slug=slug,
        topic=topic,
        scope=scope,
        opens_at=opens_at,
        closes_at=closes_at,
        report_threshold=threshold,
        support_limit=limit,
    )
    home.add_child(instance=board)
    return board


def _season(
    ctx, board: IdeaBoardPage, people: list[User], *, statuses: list[str], reviewer, moderator, first_author=None
):
    """Ideas on `board`, one per entry of `statuses`, posted over the season, supported, commented and decided."""
    rng = ctx.rng
    closes_at = board.closes_at
    board.closes_at = None  # post the season's ideas as they were posted while the board was open
    span = max(1, (ctx.now - board.opens_at).days - 2)
    ideas = []
    for number, status in enumerate(statuses):
        title, problem, proposal, tags = TOPICS[number % len(TOPICS)]
        author = first_author if (number == 0 and first_author is not None) else rng.choice(people)
        coauthors = [rng.choice(people).pk] if rng.random() < 0.2 else []
        at = board.opens_at + dt.timedelta(days=rng.randint(0, span), hours=rng.randint(8, 18))
        idea = services.idea_create(
            board=board,
            author=author,
            title=title if number < len(TOPICS) else f"{title}(二)",
            problem=problem,
            proposal=f"<p>{proposal}</p><ul><li>试点范围:一个市场部</li><li>所需时间:一个月</li></ul>",
            tags=tags,
            coauthor_ids=coauthors,
            submit=status != "draft",
            at=at,
        )
        Idea.objects.filter(pk=idea.pk).update(created_at=at)
        ideas.append((idea, status, at))
    for idea, status, at in ideas:
        if status == "draft":
            continue
        for fan in rng.sample(people, k=min(len(people), rng.randint(0, 12))):
            with contextlib.suppress(services.Conflict):  # the board's per-person limit
                services.idea_support(idea=idea, user=fan)
        for _n in range(rng.randint(0, 3)):
            comment = services.comment_add(
                idea=idea,
                author=rng.choice(people),
                body=rng.choice(["这个办法好，我们网格也遇到过。", "建议先小范围试一下。", "成本大概多少？", "支持！"]),
            )
            if rng.random() < 0.3:
                services.comment_add(idea=idea, author=idea.author, body="谢谢建议，会补充进方案。", parent=comment)
        decided_at = min(ctx.now, at + dt.timedelta(days=rng.randint(3, 10)))
        if status in ("under_review", "adopted", "rejected", "merged", "implemented"):
            services.idea_assign(idea=idea, reviewer=reviewer, by=reviewer)
        if status in ("adopted", "implemented"):
            services.idea_decide(
                idea=idea, by=reviewer, decision="adopt", reason=rng.choice(REASONS_ADOPTED), at=decided_at
            )
        elif status == "rejected":
            services.idea_decide(
                idea=idea, by=reviewer, decision="reject", reason=rng.choice(REASONS_REJECTED), at=decided_at
            )
        elif status == "merged":
            target = next(i for i, s, _a in ideas if i.pk != idea.pk and s not in ("draft", "merged", "hidden"))
            services.idea_decide(
                idea=idea,
                by=reviewer,
                decision="merge",
                reason=f"与《{target.title}》思路相同，合并处理。",
                merged_into=target,
                at=decided_at,
            )
        if status == "implemented":
            services.idea_implement(
                idea=idea,
                by=reviewer,
                outcome=rng.choice(OUTCOMES),
                at=min(ctx.now, decided_at + dt.timedelta(days=20)),
            )
        if status in ("hidden", "restored"):
            reporters = [p for p in people if p.pk != idea.author_id][: board.report_threshold]
            for reporter in reporters:
                services.report_file(reporter=reporter, idea=idea, reason="off_topic", note="与本期主题无关")
            if status == "restored":
                services.idea_restore(idea=idea, by=moderator, note="经核实，内容与主题相关，恢复显示。")
    board.closes_at = closes_at
    return [idea for idea, _s, _a in ideas]


def _challenges(ctx, home, people: list[User], owner, badge) -> int:
    if Challenge.objects.exists():
        return 0
    rng = ctx.rng
    today = ctx.now.date()
    city = ctx.city
    for number, (title, problem, reward, points, skills, state) in enumerate(CHALLENGES):
        challenge = services.challenge_post(
            by=owner,
            title=title,
            problem=problem,
            owner_unit=city,
            deadline=today + dt.timedelta(days=20 + 10 * number),
            reward=reward,
            reward_points=points,
            skills=skills,
            badge=badge,
        )
        if state == "open":
            continue
        if state == "closed":
            services.challenge_close(challenge=challenge, by=owner)
            continue
        members = rng.sample(people, k=3)
        team = services.team_create(
            by=members[0], name=f"{members[0].display_name}攻关队", member_ids=[m.pk for m in members]
        )
        claim = services.challenge_claim(
            challenge=challenge, team=team, by=members[0], plan="第一周调研，第二周出方案，第三周试点，第四周总结。"
        )
        if state == "claimed":
            continue
        services.claim_accept(claim=claim, by=owner)
        for offset, label in ((-10, "调研"), (-3, "方案"), (7, "试点"), (20, "总结")):
            milestone = services.milestone_add(
                claim=claim,
                by=members[0],
                title=label,
                due_on=today + dt.timedelta(days=offset),
                deliverable=f"{label}报告",
            )
            if state != "working":
                services.milestone_done(milestone=milestone, by=members[0])
        if state == "working":
            continue
        services.claim_deliver(claim=claim, by=members[0], delivery="方案、试点数据和总结报告已上传。")
        if state == "delivered":
            continue
        if state == "returned":
            services.delivery_return(claim=claim, by=owner, comment="请补充试点前后的对比数据。")
            continue
        services.delivery_accept(claim=claim, by=owner, comment="方案可行，全市推广。")
    return len(CHALLENGES)


def _badge(ctx):
    from content.certification.models import Issuer, Programme

    issuer = Issuer.objects.first()
    if issuer is None:
        issuer = Issuer.objects.create(name="市烟草专卖局(公司)", url="https://demo.xianfeng.example/")
    programme, _created = Programme.objects.get_or_create(
        slug="challenge-solver",
        defaults={
            "title": "揭榜挂帅攻关能手",
            "description": "带领或参与团队完成一个揭榜挂帅课题，交付通过验收。",
            "criteria": "所在团队的交付通过出题单位验收。",
            "issuer": issuer,
        },
    )
    return programme


def seed(ctx) -> None:
    city = ctx.city
    if city is None:
        return
    home = _home()
    _permissions(ctx, home)
    rules = _rules()
    # Fresh rows: the permissions granted above are not in older instances' permission caches.
    staff = User.objects.get(pk=ctx.demo_users["staff"].pk)
    editor = User.objects.get(pk=ctx.demo_users["editor"].pk)
    people = list(
        User.objects.filter(roles__role=Role.STAFF, org_unit__path__startswith=city.path, is_active=True)
        .exclude(username__in=["demo_editor", "admin"])
        .order_by("username")
        .distinct()[:60]
    )
    county = staff.org_unit.get_parent() if staff.org_unit_id else city
    made = 0
    if not IdeaBoardPage.objects.exists():
        current = _board(
            home,
            slug="winter-2026",
            title="2026年冬季金点子:服务零售户",
            topic="<p>围绕订货、送货、陈列和便民服务，提出让零售户更方便的好点子。</p>",
            scope=city,
            opens_at=ctx.now - dt.timedelta(days=45),
            closes_at=ctx.now + dt.timedelta(days=45),
        )
        last = _board(
            home,
            slug="digital-2026",
            title="数字化转型金点子(上一季)",
            topic="<p>用数字化工具提高一线工作效率。</p>",
            scope=county,
            opens_at=ctx.now - dt.timedelta(days=150),
            closes_at=ctx.now - dt.timedelta(days=60),
            limit=10,
        )
        statuses_now = (
            ["submitted"] * 8
            + ["under_review"] * 5
            + ["adopted"] * 4
            + ["rejected"] * 3
            + ["merged"] * 2
            + ["implemented"] * 2
            + ["hidden"] * 2
            + ["restored"]
            + ["draft"]
        )
        statuses_last = (
            ["adopted"] * 5 + ["implemented"] * 4 + ["rejected"] * 4 + ["merged"] + ["hidden"] + ["submitted"] * 2
        )
        in_county = [p for p in people if p.org_unit_id and p.org_unit.path.startswith(county.path)] or [staff]
        made += len(
            _season(
                ctx,
                current,
                people,
                statuses=["adopted", *statuses_now],
                reviewer=editor,
                moderator=editor,
                first_author=staff,
            )
        )
        made += len(_season(ctx, last, in_county, statuses=statuses_last, reviewer=editor, moderator=editor))
    challenges = _challenges(ctx, home, people, editor, _badge(ctx))
    for person in people[:30]:
        if not TalentProfile.objects.filter(user=person).exists():
            skills = ctx.rng.sample(SKILLS, k=3)
            services.talent_profile_set(
                user=person, skills=",".join(skills), intro=f"擅长{skills[0]}，愿意参加攻关团队。"
            )
    ctx.stdout.write(
        f"  ideas: {made} ideas on {IdeaBoardPage.objects.count()} boards, {challenges} challenges, "
        f"{rules} rules added, "
        f"{Claim.objects.filter(status=Claim.Status.ACCEPTED).count()} deliveries accepted"
    )
