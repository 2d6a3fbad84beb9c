"""Field work's demo step: work lists for the three roles, a field worker per grid, shop locations, a visit plan
per grid of the first department, a month of visits with check-ins (and part of the month before, for the trend),
work list items done and late, problems in every state, two questionnaires with answers, objectives, so
`demo_staff` opens a cockpit full of colour. Everything goes through the services (so through statements) with the
clock set back; idempotent: a second run finds the work lists and changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from core.people.models import OrgUnit, Role, Shop, User

from . import services
from .models import (
    Cadence,
    Evidence,
    FieldRole,
    FieldWorker,
    KeyResult,
    Objective,
    Problem,
    Question,
    Questionnaire,
    ShopPlace,
    Visit,
    WorkListTemplate,
    WorkTask,
)

MARKER = "客户经理日常工作清单"
MAX_VISITS_PER_MONTH = 500
CENTRE = (Decimal("29.079000"), Decimal("119.647000"))  # 金华

CHECKLIST = "宣传政策法规\n检查明码标价\n了解经营需求\n指导陈列"


def _templates() -> dict[str, list[WorkTask]]:
    specs = {
        FieldRole.CUSTOMER_MANAGER: (
            MARKER,
            [
                ("查看订单与客户诉求", Cadence.DAILY, 0, 18, Evidence.NOTE, ""),
                ("参加周例会", Cadence.WEEKLY, 4, 17, Evidence.NONE, ""),
                ("月度经营分析", Cadence.MONTHLY, 24, 18, Evidence.CHECKLIST, "销量分析\n库存分析\n客户分档"),
                ("走访服务零售户", Cadence.PER_SHOP, 0, 18, Evidence.CHECKLIST, CHECKLIST),
            ],
        ),
        FieldRole.INSPECTOR: (
            "市管员日常工作清单",
            [
                ("巡查日志", Cadence.DAILY, 0, 18, Evidence.NOTE, ""),
                ("市场检查", Cadence.PER_SHOP, 0, 18, Evidence.CHECKLIST, "核验许可证\n检查真假烟\n检查经营场所"),
            ],
        ),
        FieldRole.DELIVERER: (
            "送货员日常工作清单",
            [
                ("车辆安全检查", Cadence.DAILY, 0, 9, Evidence.NONE, ""),
                ("送货到户签收", Cadence.PER_SHOP, 0, 18, Evidence.CHECK_IN, ""),
            ],
        ),
    }
    made = {}
    for role, (name, tasks) in specs.items():
        template = WorkListTemplate.objects.create(name=name, role=role)
        made[role] = [
            WorkTask.objects.create(
                template=template,
                title=title,
                cadence=cadence,
                due_days=days,
                due_hour=hour,
                evidence=evidence,
                checklist=checklist,
                sort_order=n,
            )
            for n, (title, cadence, days, hour, evidence, checklist) in enumerate(tasks)
        ]
    return made


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def seed(ctx) -> None:
    if WorkListTemplate.objects.filter(name=MARKER).exists() or ctx.city is None:
        return
    rng, now = ctx.rng, ctx.now
    today = timezone.localdate(now)
    city = ctx.city
    staff, member = ctx.demo_users["staff"], ctx.demo_users["member"]
    editor, retailer = ctx.demo_users["editor"], ctx.demo_users["retailer"]
    tasks = _templates()

    grids = list(OrgUnit.objects.filter(path__startswith=city.path, kind=OrgUnit.Kind.GRID).order_by("path"))
    department = staff.org_unit
    home_grids = [g for g in grids if g.path.startswith(department.path)]
    managers = {
        u.username: u for u in User.objects.filter(username__in=[f"cm{g.code.replace('-', '')}" for g in grids])
    }
    grid_manager = {}
    for grid in grids:
        user = managers.get(f"cm{grid.code.replace('-', '')}")
        if user is not None:
            services.worker_grids_set(user=user, role=FieldRole.CUSTOMER_MANAGER, grids=[grid])
            grid_manager[grid.pk] = user
    # demo_staff serves the first grids of the department (the demo retailer's shop among them)
    services.worker_grids_set(user=staff, role=FieldRole.CUSTOMER_MANAGER, grids=home_grids[:2])
    for grid in home_grids[:2]:
        grid_manager[grid.pk] = staff
    services.worker_grids_set(user=member, role=FieldRole.INSPECTOR, grids=home_grids)

    shops = list(Shop.objects.filter(grid__in=grids).order_by("licence_number"))
    ShopPlace.objects.bulk_create(
        [
            ShopPlace(
                shop=shop,
                latitude=CENTRE[0] + Decimal(rng.randint(-40000, 40000)) / 1000000,
                longitude=CENTRE[1] + Decimal(rng.randint(-40000, 40000)) / 1000000,
            )
            for shop in shops
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    places = {p.shop_id: p for p in ShopPlace.objects.filter(shop__in=shops)}
    month_start = today.replace(day=1)
    for grid in home_grids:
        services.visit_plan_create(
            by=editor, grid=grid, worker=grid_manager.get(grid.pk, staff), starts_on=month_start, days=28
        )

    # Visits: this month at a pace that differs per grid (some ahead, some behind), and the last month before.
    by_grid: dict[int, list[Shop]] = {}
    for shop in shops:
        by_grid.setdefault(shop.grid_id, []).append(shop)
    previous_start = (month_start - dt.timedelta(days=1)).replace(day=1)
    elapsed_days = (today - month_start).days + 1
    pace = {grid.pk: rng.choice([0.25, 0.45, 0.6, 0.8, 0.95, 1.0]) for grid in grids}
    pace[home_grids[0].pk] = 1.0
    budget_scale = min(1.0, MAX_VISITS_PER_MONTH / max(1, len(shops)))

    def visit(shop, day):
        worker = grid_manager.get(shop.grid_id)
        if worker is None:
            return
        place = places[shop.pk]
        when = _at(day, rng.randint(9, 16), rng.randint(0, 59))
        record = services.visit_check_in(
            user=worker, shop=shop, latitude=float(place.latitude) + 0.0003, longitude=float(place.longitude), now=when
        )
        ticked = CHECKLIST.splitlines() if rng.random() < 0.85 else CHECKLIST.splitlines()[:2]
        services.visit_finish(user=worker, visit=record, ticked=ticked, now=when + dt.timedelta(minutes=20))
        if shop.owner_id and rng.random() < 0.6:
            services.visit_confirm(user=shop.owner, visit=record, comment="", now=when + dt.timedelta(hours=2))

    days_this_month = [month_start + dt.timedelta(days=n) for n in range(elapsed_days)]
    prev_days = [previous_start + dt.timedelta(days=n) for n in range((month_start - previous_start).days)]
    for grid in grids:
        grid_shops = by_grid.get(grid.pk, [])
        share_prev = min(1.0, pace[grid.pk] + 0.1) * budget_scale
        share_now = min(1.0, pace[grid.pk] * elapsed_days / 30 * 1.1) * budget_scale
        for shop in grid_shops:  # each shop by chance: grids hold few shops in a small demo
            if rng.random() < share_prev:
                visit(shop, rng.choice(prev_days))
            if rng.random() < share_now:
                visit(shop, rng.choice(days_this_month))

    # A month of work list items for the department's customer managers: mostly on time, some late.
    people = {grid_manager[g.pk].pk: grid_manager[g.pk] for g in home_grids if g.pk in grid_manager}
    daily, weekly = tasks[FieldRole.CUSTOMER_MANAGER][0], tasks[FieldRole.CUSTOMER_MANAGER][1]
    reliability = {pk: rng.choice([0.98, 0.95, 0.9, 0.8, 0.7]) for pk in people}
    reliability[staff.pk] = 0.97
    for n in range(30, 0, -1):
        day = today - dt.timedelta(days=n)
        for person in people.values():
            if rng.random() < reliability[person.pk]:
                services.task_tick(user=person, task=daily, note="无异常", now=_at(day, 9))
            if day.weekday() == 0 and rng.random() < reliability[person.pk]:
                services.task_tick(user=person, task=weekly, now=_at(day, 10))
        services.tasks_mark_late(now=_at(day, 23), people=set(people))

    # Problems in every state (none open in the demo retailer's grid: a new one there shows on the cockpit).
    titles = [
        "门店明码标价缺失",
        "陈列不规范",
        "许可证信息需变更",
        "周边出现无证经营",
        "订货系统登录异常",
        "消费者反映断货",
        "店招破损",
        "监控设备故障",
    ]
    grids_for_problems = home_grids[1:] or home_grids
    other_departments = list(
        OrgUnit.objects.filter(path__startswith=city.path, kind=OrgUnit.Kind.GRID)
        .exclude(path__startswith=department.path)
        .order_by("path")[:: max(1, len(grids) // 12)]
    )
    states = ["open", "open", "overdue", "assignee_closed", "closed", "closed", "overdue", "open"]
    for n, state in enumerate(states + states):
        grid = (
            grids_for_problems[n % len(grids_for_problems)]
            if n < len(states)
            else other_departments[n % max(1, len(other_departments))]
            if other_departments
            else grids_for_problems[0]
        )
        assignee = grid_manager.get(grid.pk, staff)
        assigner = member if grid.path.startswith(department.path) else editor
        if assignee.pk == assigner.pk:
            assignee = staff
        raised = now - dt.timedelta(days=rng.randint(3, 12))
        deadline = (
            (now - dt.timedelta(days=rng.randint(1, 3)))
            if state == "overdue"
            else (now + dt.timedelta(days=rng.randint(2, 7)))
        )
        problem = services.problem_raise(
            by=assigner,
            title=titles[n % len(titles)],
            assignee=assignee,
            grid=grid,
            deadline=max(deadline, raised + dt.timedelta(hours=1)),
            now=raised,
        )
        if state in ("assignee_closed", "closed"):
            services.problem_close(by=assignee, problem=problem, note="已整改", now=raised + dt.timedelta(days=1))
        if state == "closed":
            services.problem_close(by=assigner, problem=problem, now=raised + dt.timedelta(days=1, hours=3))
    services.problems_escalate(now=now)

    # Objectives of the month: the department's and demo_staff's own.
    unit_objective = Objective.objects.create(title="本月走访服务全覆盖", unit=department, month=month_start)
    KeyResult.objects.create(objective=unit_objective, task=daily, target=25 * max(1, len(people)))
    own = Objective.objects.create(title="日清日结", person=staff, month=month_start)
    KeyResult.objects.create(objective=own, task=daily, target=25)

    # Two questionnaires with answers: retailers' satisfaction (skip logic) and consumers' prices (public link).
    survey = Questionnaire.objects.create(
        title="零售客户满意度调查",
        intro="请根据本月服务情况作答。",
        status=Questionnaire.Status.OPEN,
        scope=Questionnaire.Scope.GRID_SHOPS,
        scope_unit=city,
        created_by=editor,
    )
    q1 = Question.objects.create(
        questionnaire=survey,
        sort_order=1,
        text="本月客户经理是否上门走访？",
        kind="single",
        choices="是\n否",
        skip_when="否",
        skip_to=3,
    )
    q2 = Question.objects.create(
        questionnaire=survey,
        sort_order=2,
        text="走访中得到了哪些服务？",
        kind="multiple",
        choices="政策宣传\n陈列指导\n经营分析\n问题处理",
    )
    q3 = Question.objects.create(questionnaire=survey, sort_order=3, text="总体满意度", kind="scale", scale_max=5)
    q4 = Question.objects.create(questionnaire=survey, sort_order=4, text="意见和建议", kind="text", required=False)
    owners = list(
        User.objects.filter(shops__grid__in=grids, roles__role=Role.RETAILER)
        .exclude(pk=retailer.pk)
        .distinct()
        .order_by("pk")[:60]
    )
    for owner in owners:
        visited = rng.random() < 0.8
        answers = {q1.pk: "是" if visited else "否", q3.pk: rng.choice([3, 4, 4, 5, 5, 5] if visited else [2, 3, 4])}
        if visited:
            answers[q2.pk] = rng.sample(q2.choice_list(), rng.randint(1, 3))
        if rng.random() < 0.2:
            answers[q4.pk] = rng.choice(["希望多讲讲新品", "订货高峰期系统慢", "服务很好"])
        services.questionnaire_respond(
            questionnaire=survey, user=owner, answers=answers, now=now - dt.timedelta(hours=rng.randint(1, 200))
        )
    prices = Questionnaire.objects.create(
        title="消费者卷烟价格感知调查",
        status=Questionnaire.Status.OPEN,
        scope=Questionnaire.Scope.PUBLIC,
        created_by=editor,
    )
    p1 = Question.objects.create(
        questionnaire=prices,
        sort_order=1,
        text="您常买的价位",
        kind="single",
        choices="10元以下\n10-20元\n20-30元\n30元以上",
    )
    p2 = Question.objects.create(questionnaire=prices, sort_order=2, text="店内价签是否清楚", kind="scale", scale_max=5)
    for n in range(30):
        services.questionnaire_respond(
            questionnaire=prices,
            user=AnonymousUser(),
            visitor_key=f"demo-{n}",
            answers={p1.pk: rng.choice(p1.choice_list()), p2.pk: rng.choice([3, 4, 5, 5])},
            now=now - dt.timedelta(hours=rng.randint(1, 300)),
        )
    ctx.stdout.write(
        f"  field work: {FieldWorker.objects.count()} field workers, {Visit.objects.count()} visits, "
        f"{Problem.objects.count()} problems, 2 questionnaires"
    )
