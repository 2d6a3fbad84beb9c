"""The contests demo: the pioneer index (先锋指数) and fortress index (堡垒指数) with their dimensions and rules, an
arena across the city's 28 market departments, a branch (team) contest, last quarter's arena with frozen final
standings and awards, and weekly leagues — with months of history, so every board is full on first start.

History comes from statements: the learning demo's statements, plus service, results and leadership acts this
seed records through `activity_record` with past timestamps (natural keys make a second run record nothing). The
ledger is then scored from those statements under the rules, once, and the boards are built from the ledger.
Deterministic: every draw comes from `ctx.rng` in a fixed order over people ordered by username.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from core.activity.models import Statement, XapiClient
from core.activity.services import (
    activity_record,
    agent_for_user,
    statement_id_for,
    statements_store,
    xapi_client_create,
)
from core.activity.vocabulary import ActivityType, Verb
from core.people.models import BranchMembership, PartyBranch, Role, User

from .days import local_day, week_of
from .models import Contest, Dimension, Index, League, PointsEntry, Rule
from .services.boards import board_rebuild
from .services.freeze import contest_freeze
from .services.leagues import league_week_form, league_week_settle
from .services.rules import ledger_rescore, ruleset_version_create
from .services.scoring import scoring_paused

# Acts the platform records for contests that no other feature records yet (IRIs are data: never change them).
VERB_LED = "https://w3id.org/xapi/xianfeng/verbs/led"
VERB_ACHIEVED = "http://id.tincanapi.com/verb/achieved"
TYPE_BRANCH_ACTIVITY = "https://w3id.org/xapi/xianfeng/activity-types/branch-activity"
TYPE_TARGET = "https://w3id.org/xapi/xianfeng/activity-types/performance-target"
TYPE_SERVICE = "https://w3id.org/xapi/xianfeng/activity-types/service-visit"

HISTORY_DAYS = 120
SITE = "https://demo.xianfeng.example/"

DIMENSIONS = [
    # code, name, weight, English name
    ("leadership", "引领效应", Decimal("1.20"), "Leadership"),
    ("results", "业绩指标", Decimal("1.00"), "Results"),
    ("service", "服务实践", Decimal("1.00"), "Service"),
    ("learning", "学习成长", Decimal("1.00"), "Learning and growth"),
]
RULES = [
    # name, dimension, verb, activity type, points, daily cap, dwell seconds
    ("带头开展主题活动", "leadership", VERB_LED, TYPE_BRANCH_ACTIVITY, 8, 16, 0),
    ("采纳金点子", "results", Verb.ADOPTED, ActivityType.PROPOSAL, 10, 20, 0),
    ("完成业绩目标", "results", VERB_ACHIEVED, TYPE_TARGET, 6, 12, 0),
    ("志愿服务时长确认", "service", Verb.CONFIRMED_HOURS, ActivityType.VOLUNTEER_ACTIVITY, 4, 12, 0),
    ("走访零售户", "service", Verb.COMPLETED, TYPE_SERVICE, 2, 8, 0),
    ("解决群众诉求", "service", Verb.RESOLVED, ActivityType.HELP_REQUEST, 3, 9, 0),
    ("学完一课", "learning", Verb.COMPLETED, ActivityType.LESSON, 2, 10, 60),
    ("学完一门课程", "learning", Verb.COMPLETED, ActivityType.COURSE, 5, 10, 0),
    ("通过测验", "learning", Verb.PASSED, ActivityType.ASSESSMENT, 3, 9, 0),
    ("取得职业化认证", "learning", Verb.EARNED, ActivityType.CERTIFICATE, 20, 20, 0),
]
# What people of the arena did, with how likely each act is on an active day.
ACTS = [
    ("visit", 0.40),
    ("hours", 0.20),
    ("help", 0.15),
    ("target", 0.15),
    ("idea", 0.05),
    ("lead", 0.05),
]
# The statement each act is: verb, activity type, name.
ACT_STATEMENTS = {
    "visit": (Verb.COMPLETED, TYPE_SERVICE, "走访零售户"),
    "hours": (Verb.CONFIRMED_HOURS, ActivityType.VOLUNTEER_ACTIVITY, "志愿服务"),
    "help": (Verb.RESOLVED, ActivityType.HELP_REQUEST, "群众诉求"),
    "target": (VERB_ACHIEVED, TYPE_TARGET, "月度业绩目标"),
    "idea": (Verb.ADOPTED, ActivityType.PROPOSAL, "金点子"),
    "lead": (VERB_LED, TYPE_BRANCH_ACTIVITY, "带头开展主题活动"),
}


def _indices() -> tuple[Index, Index]:
    pioneer, _ = Index.objects.get_or_create(
        slug="pioneer",
        defaults={
            "name": "先锋指数",
            "name_en": "Pioneer index",
            "scope": Index.Scope.PERSON,
            "eligible_role": Role.STAFF,
            "daily_limit": Decimal(40),
            "description": "党员和一线员工的先锋指数：引领效应、业绩指标、服务实践、学习成长四个维度。",
        },
    )
    fortress, _ = Index.objects.get_or_create(
        slug="fortress",
        defaults={
            "name": "堡垒指数",
            "name_en": "Fortress index",
            "scope": Index.Scope.BRANCH,
            "member_index": pioneer,
            "description": "党支部的堡垒指数：支部党员的先锋指数加上支部组织的活动。",
        },
    )
    return pioneer, fortress


def _rules(pioneer: Index, fortress: Index) -> bool:
    """Dimensions and rules; True when they were created by this run."""
    dimensions = {}
    for order, (code, name, weight, name_en) in enumerate(DIMENSIONS):
        dimensions[code], _ = Dimension.objects.get_or_create(
            index=pioneer,
            code=code,
            defaults={"name": name, "name_en": name_en, "weight": weight, "sort_order": order},
        )
    organisation, _ = Dimension.objects.get_or_create(
        index=fortress,
        code="organisation",
        defaults={"name": "组织建设", "name_en": "Organisation building", "weight": Decimal(1)},
    )
    created_any = False
    for name, code, verb, activity_type, points, cap, dwell in RULES:
        _rule, created = Rule.objects.get_or_create(
            name=name,
            dimension=dimensions[code],
            defaults={
                "verb": verb,
                "activity_type": activity_type,
                "points": Decimal(points),
                "daily_cap": Decimal(cap),
                "min_dwell_seconds": dwell,
            },
        )
        created_any |= created
    _rule, created = Rule.objects.get_or_create(
        name="支部主题党日",
        dimension=organisation,
        defaults={
            "verb": VERB_LED,
            "activity_type": TYPE_BRANCH_ACTIVITY,
            "points": Decimal(10),
            "daily_cap": Decimal(20),
        },
    )
    created_any |= created
    if created_any:
        ruleset_version_create(index=pioneer, by=None)
        ruleset_version_create(index=fortress, by=None)
    return created_any


def _record_history(ctx, people: list[User], branches: list[PartyBranch]) -> int:
    rng = ctx.rng
    today = timezone.localtime(ctx.now).replace(hour=0, minute=0, second=0, microsecond=0)
    recorded = 0
    # Some people are keen, most are steady, a few rarely show up: boards with a head, a body and a tail.
    keenness = {user.pk: min(0.5, rng.lognormvariate(-4.6, 0.8)) for user in people}
    kinds = [kind for kind, _weight in ACTS]
    weights = [weight for _kind, weight in ACTS]
    plan = []
    for user in people:
        for offset in range(HISTORY_DAYS, 0, -1):
            if rng.random() >= keenness[user.pk]:
                continue
            for number in range(1 + (rng.random() < 0.3)):
                kind = rng.choices(kinds, weights)[0]
                moment = today - dt.timedelta(days=offset) + dt.timedelta(minutes=rng.randrange(8 * 60, 20 * 60))
                plan.append((user, kind, offset, number, moment))
    # A second run finds every act recorded: look them up at once instead of one by one.
    keys = {
        id(item): statement_id_for("demo-contest-act", item[0].username, item[1], item[2], item[3]) for item in plan
    }
    have = set()
    wanted = list(keys.values())
    for start in range(0, len(wanted), 900):
        have |= set(Statement.objects.filter(pk__in=wanted[start : start + 900]).values_list("pk", flat=True))
    plan = [item for item in plan if keys[id(item)] not in have]
    for user, kind, offset, number, moment in ctx.progress(plan, desc="contest history"):
        verb, activity_type, name = ACT_STATEMENTS[kind]
        result = activity_record(
            actor=user,
            verb=verb,
            object_id=f"{SITE}{kind}/{user.username}/{offset}/{number}",
            activity_type=activity_type,
            name=name,
            natural_key=("demo-contest-act", user.username, kind, offset, number),
            timestamp=moment,
        )
        recorded += result.created
    # Each branch holds a themed party day (主题党日) every other week, led by its secretary.
    for branch in branches:
        if branch.secretary_id is None:
            continue
        secretary = User.objects.get(pk=branch.secretary_id)
        for offset in range(HISTORY_DAYS - 3, 0, -14):
            moment = today - dt.timedelta(days=offset) + dt.timedelta(hours=15)
            result = activity_record(
                actor=secretary,
                verb=VERB_LED,
                object_id=f"{SITE}branch-days/{branch.code}/{offset}",
                activity_type=TYPE_BRANCH_ACTIVITY,
                name=f"{branch.name}主题党日",
                natural_key=("demo-branch-day", branch.code, offset),
                timestamp=moment,
            )
            recorded += result.created
    return recorded


# `seed_demo --province`: the other cities' acts come from the province's party-work system, a trusted client.
PROVINCE_CLIENT = "省公司党建工作平台"
PROVINCE_BATCH = 500


def _act(user, verb: str, activity_type: str, name: str, object_id: str, key: tuple, moment) -> dict:
    return {
        "id": str(statement_id_for(*key)),
        "actor": agent_for_user(user),
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": {
            "objectType": "Activity",
            "id": object_id,
            "definition": {"type": activity_type, "name": {"zh-CN": name}},
        },
        "timestamp": moment.isoformat(),
    }


def _province_history(ctx, city) -> int:
    """With --province: the same months of acts for the staff and branches of the nine other cities, drawn as in
    `_record_history` (one generator per person and per branch), sent in batches as the province's party-work
    system reports them (a fixed number of queries per batch, however many people)."""
    client = XapiClient.objects.filter(name=PROVINCE_CLIENT).first()
    if client is None:
        client, _secret = xapi_client_create(name=PROVINCE_CLIENT, trusted=True)
    today = timezone.localtime(ctx.now).replace(hour=0, minute=0, second=0, microsecond=0)
    province = city.get_parent()
    people = (
        User.objects.filter(roles__role=Role.STAFF, org_unit__path__startswith=province.path)
        .exclude(org_unit__path__startswith=city.path)
        .order_by("username")
        .distinct()
        .only("pk", "username", "display_name")
    )
    kinds = [kind for kind, _weight in ACTS]
    weights = [weight for _kind, weight in ACTS]
    batch: list[dict] = []
    sent = 0

    def flush() -> int:
        """Store the batch's statements not stored yet (a second run's timestamps differ from the first's)."""
        ids = [statement["id"] for statement in batch]
        have = {str(pk) for pk in Statement.objects.filter(pk__in=ids).values_list("pk", flat=True)}
        new = [statement for statement in batch if statement["id"] not in have]
        batch.clear()
        return sum(
            result.created
            for start in range(0, len(new), PROVINCE_BATCH)
            for result in statements_store(statements=new[start : start + PROVINCE_BATCH], client=client)
        )

    for user in ctx.progress(people.iterator(chunk_size=5000), desc="province contest history", total=people.count()):
        rng = random.Random(f"{ctx.seed}:contests:{user.username}")
        keenness = min(0.5, rng.lognormvariate(-4.6, 0.8))
        for offset in range(HISTORY_DAYS, 0, -1):
            if rng.random() >= keenness:
                continue
            for number in range(1 + (rng.random() < 0.3)):
                kind = rng.choices(kinds, weights)[0]
                moment = today - dt.timedelta(days=offset) + dt.timedelta(minutes=rng.randrange(8 * 60, 20 * 60))
                verb, activity_type, name = ACT_STATEMENTS[kind]
                object_id = f"{SITE}{kind}/{user.username}/{offset}/{number}"
                key = ("demo-contest-act", user.username, kind, offset, number)
                batch.append(_act(user, verb, activity_type, name, object_id, key, moment))
        if len(batch) >= PROVINCE_BATCH:
            sent += flush()
    branches = (
        PartyBranch.objects.filter(org_unit__path__startswith=province.path, secretary__isnull=False)
        .exclude(org_unit__path__startswith=city.path)
        .select_related("secretary")
        .order_by("code")
    )
    for branch in ctx.progress(branches, desc="province branch days"):
        for offset in range(HISTORY_DAYS - 3, 0, -14):
            moment = today - dt.timedelta(days=offset) + dt.timedelta(hours=15)
            object_id = f"{SITE}branch-days/{branch.code}/{offset}"
            key = ("demo-branch-day", branch.code, offset)
            name = f"{branch.name}主题党日"
            batch.append(_act(branch.secretary, VERB_LED, TYPE_BRANCH_ACTIVITY, name, object_id, key, moment))
        if len(batch) >= PROVINCE_BATCH:
            sent += flush()
    return sent + flush()


def _province_contest(ctx, pioneer: Index, arena: Contest) -> Contest:
    province = ctx.city.get_parent()
    contest, _ = Contest.objects.get_or_create(
        slug="province-arena",
        defaults={
            "name": "全省先锋擂台 · 十市同台",
            "description": "全省十个地市的党员和客户经理同台比拼先锋指数。",
            "starts_at": arena.starts_at,
            "ends_at": arena.ends_at,
            "index": pioneer,
            "ranking": Contest.Ranking.INDIVIDUAL,
            "org_unit": province,
            "role": Role.STAFF,
            "arena": True,
            "is_public": True,
        },
    )
    return contest


def _contests(ctx, pioneer: Index, fortress: Index) -> tuple[Contest, Contest, Contest]:
    now = timezone.localtime(ctx.now)
    quarter_start = now.replace(month=((now.month - 1) // 3) * 3 + 1, day=1, hour=0, minute=0, second=0, microsecond=0)
    history_start = (now - dt.timedelta(days=HISTORY_DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
    next_quarter = (quarter_start + dt.timedelta(days=100)).replace(day=1)
    previous_quarter = (quarter_start - dt.timedelta(days=80)).replace(day=1)
    if previous_quarter < history_start:
        previous_quarter = history_start
    arena, _ = Contest.objects.get_or_create(
        slug="arena",
        defaults={
            "name": "先锋擂台 · 全市28个市场部",
            "description": "全市各市场部党员和客户经理同台比拼先锋指数，每周分组联赛，升级与降级。",
            "starts_at": history_start,
            "ends_at": next_quarter,
            "index": pioneer,
            "ranking": Contest.Ranking.INDIVIDUAL,
            "org_unit": ctx.city,
            "role": Role.STAFF,
            "arena": True,
            "is_public": True,
            "league_size": 30,
            "league_tiers": 3,
        },
    )
    branches, _ = Contest.objects.get_or_create(
        slug="branches",
        defaults={
            "name": "支部堡垒指数比拼",
            "description": "全市党支部比拼堡垒指数：支部党员的先锋指数加上支部主题党日。",
            "starts_at": history_start,
            "ends_at": next_quarter,
            "index": fortress,
            "ranking": Contest.Ranking.TEAM,
            "org_unit": ctx.city,
            "is_public": True,
            "award_kind": Contest.AwardKind.CERTIFICATE,
        },
    )
    last_quarter, _ = Contest.objects.get_or_create(
        slug="last-quarter",
        defaults={
            "name": "上季度先锋擂台",
            "description": "上一季度的擂台：最终排名已冻结，前三名获得徽章。",
            "starts_at": previous_quarter,
            "ends_at": quarter_start
            if quarter_start > previous_quarter + dt.timedelta(days=7)
            else now - dt.timedelta(days=1),
            "index": pioneer,
            "ranking": Contest.Ranking.INDIVIDUAL,
            "org_unit": ctx.city,
            "role": Role.STAFF,
            "arena": True,
            "is_public": False,
        },
    )
    return arena, branches, last_quarter


def seed(ctx) -> None:
    city = ctx.city
    if city is None:
        return
    pioneer, fortress = _indices()
    people = list(
        User.objects.filter(roles__role=Role.STAFF, org_unit__path__startswith=city.path)
        .order_by("username")
        .distinct()
    )
    branches = list(PartyBranch.objects.filter(org_unit__path__startswith=city.path).order_by("code"))
    province = getattr(ctx, "province", False)
    with scoring_paused():  # scored in one pass below, like any bulk import
        recorded = _record_history(ctx, people, branches)
        if province:
            recorded += _province_history(ctx, city)
    created_rules = _rules(pioneer, fortress)
    arena, team, last_quarter = _contests(ctx, pioneer, fortress)
    province_arena = _province_contest(ctx, pioneer, arena) if province else None
    if created_rules or recorded or not PointsEntry.objects.filter(index=pioneer).exists():
        # Score everything recorded so far (the learning demo's statements too) under the rules, once.
        first = local_day(min(arena.starts_at, last_quarter.starts_at))
        ledger_rescore(index_ids={pioneer.pk, fortress.pk}, first_day=first, last_day=local_day(ctx.now))
    if last_quarter.frozen_at is None and last_quarter.ends_at <= ctx.now:
        contest_freeze(contest=last_quarter, now=ctx.now)
    # Four weeks of leagues: three settled, this week's playing.
    this_week = week_of(local_day(ctx.now))
    for weeks_ago in (3, 2, 1, 0):
        week = this_week - dt.timedelta(days=7 * weeks_ago)
        if week < local_day(arena.starts_at):
            continue
        if not League.objects.filter(contest=arena, week_start=week).exists():
            league_week_form(contest=arena, week_start=week)
        if weeks_ago:
            league_week_settle(contest=arena, week_start=week)
    for contest in (arena, team, last_quarter, province_arena):
        if contest is not None:
            board_rebuild(contest=contest, notify=False)
    members = BranchMembership.objects.filter(branch__in=branches).count()
    ctx.stdout.write(
        f"  contests: {len(people)} people in the arena ({members} branch members), {recorded} statements recorded, "
        f"{PointsEntry.objects.filter(index__in=[pioneer, fortress]).count()} ledger entries"
    )
