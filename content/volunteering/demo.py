"""Demo volunteer services: a team in each of twelve market departments across the city, a year of activities
(a daily patrol as one RRULE, weekly and monthly ones) and approved hours, volunteers at every star level (0 to
5, with their badges), and upcoming activities with a few places left, so demo_volunteer can sign up at once.
demo_staff leads the first department's team; demo_volunteer belongs to it with 96.5 approved hours (3.5 from a
star). A realtime rule gives pioneer-index points for checking in.

Past hours are written in bulk (their history rows too) without statements, so the seed stays fast; stars and
badges go through the real services. Runs after realtime's demo (INSTALLED_APPS order). Running it twice
creates nothing new.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from core.activity.vocabulary import ActivityType, Verb
from core.people.models import OrgUnit, Role, RoleAssignment, User

from .models import Activity, HoursChange, HoursEntry, Shift, SignUp, Team, TeamMembership
from .services import stars_award

TEAM_NAMES = ["文明劝导", "平安巡防", "邻里调解", "绿色环保", "普法宣传", "反诈宣传", "助老扶残", "网格走访"]
CATEGORIES = ["civility", "safety", "mediation", "environment", "legal", "fraud", "care", "grid_visit"]
UPCOMING = [
    ("社区反诈宣传进小区", "fraud", "讲解常见电信诈骗手法，发放宣传册。", "沟通表达,普通话"),
    ("敬老院陪伴聊天", "care", "陪老人聊天、读报，协助午餐。", "耐心,陪伴"),
    ("河道垃圾清理", "environment", "沿河岸捡拾垃圾，做好分类。", "体力"),
    ("烟草专卖法规宣传", "legal", "向零售户宣传依法经营，提醒不向未成年人售烟。", "法规知识"),
]
# (total approved hours) of the star-level volunteers in the first team: 0 to 5 stars.
STAR_LEVELS = [Decimal("42"), Decimal("150"), Decimal("360"), Decimal("720"), Decimal("1100"), Decimal("1600")]
DEMO_VOLUNTEER_HOURS = Decimal("96.5")


def _local(now: dt.datetime, days: int, hour: int) -> dt.datetime:
    local = timezone.localtime(now) + dt.timedelta(days=days)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def _volunteers(prefix: str, count: int, unit: OrgUnit, password: str) -> list[User]:
    names = "周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
    given = "志强秀兰建华丽娟海燕国庆晓东红梅春生桂英"
    wanted = [f"{prefix}{n:03d}" for n in range(count)]
    existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    new = [
        User(
            username=username,
            display_name=names[n % len(names)] + given[(n * 2) % len(given)] + given[(n * 2 + 1) % len(given)],
            password=password,
            org_unit=unit,
        )
        for n, username in enumerate(wanted)
        if username not in existing
    ]
    User.objects.bulk_create(new)
    people = list(User.objects.filter(username__in=wanted).order_by("username"))
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=p, role=Role.VOLUNTEER) for p in people], ignore_conflicts=True
    )
    return people


def _rule() -> None:
    from realtime.models import Dimension, Index, Rule
    from realtime.services.rules import ruleset_version_create

    pioneer = Index.objects.filter(slug="pioneer").first()
    service = Dimension.objects.filter(index=pioneer, code="service").first() if pioneer else None
    if service is None:
        return
    _rule, created = Rule.objects.get_or_create(
        name="志愿活动签到",
        dimension=service,
        defaults={
            "verb": Verb.CHECKED_IN,
            "activity_type": ActivityType.VOLUNTEER_ACTIVITY,
            "points": Decimal(1),
            "daily_cap": Decimal(2),
        },
    )
    if created:
        ruleset_version_create(index=pioneer, by=None)


def _past_hours(activity: Activity, shift: Shift, person: User, total: Decimal, *, now, leader) -> None:
    """Approved entries of `shift.length` hours (the last one shorter) on past occurrences, newest first."""
    length = Decimal(shift.length_minutes) / 60
    starts = activity.occurrences(after=now - dt.timedelta(days=400), before=now - dt.timedelta(days=1))
    starts.reverse()
    signups, remaining = [], total
    for start in starts:
        if remaining <= 0:
            break
        hours = min(length, remaining)
        remaining -= hours
        signups.append(
            (
                SignUp(
                    shift=shift,
                    occurrence=start,
                    user=person,
                    status="confirmed",
                    created_at=start - dt.timedelta(days=3),
                ),
                hours,
            )
        )
    SignUp.objects.bulk_create([s for s, _h in signups])
    entries = [
        HoursEntry(
            signup=s,
            user=person,
            activity=activity,
            checked_in_at=s.occurrence,
            checked_out_at=s.occurrence + dt.timedelta(hours=float(h)),
            status="approved",
            hours=h,
            approved_hours=h,
            decided_at=s.occurrence + dt.timedelta(days=1),
            decided_by=leader,
        )
        for s, h in signups
    ]
    HoursEntry.objects.bulk_create(entries)
    changes = []
    for entry in entries:
        changes += [
            HoursChange(entry=entry, action="check_in", by=person, via="qr", at=entry.checked_in_at),
            HoursChange(
                entry=entry, action="check_out", hours_after=entry.hours, by=person, via="qr", at=entry.checked_out_at
            ),
            HoursChange(
                entry=entry,
                action="approve",
                hours_before=entry.hours,
                hours_after=entry.hours,
                by=leader,
                via="leader",
                at=entry.decided_at,
            ),
        ]
    HoursChange.objects.bulk_create(changes)


def seed(ctx) -> None:
    _rule()
    if Team.objects.filter(name__endswith="志愿服务队").exists():
        return
    now = ctx.now
    rng = ctx.rng
    staff = ctx.demo_users["staff"]
    volunteer = ctx.demo_users["volunteer"]
    password = make_password(None)
    departments = list(OrgUnit.objects.filter(kind=OrgUnit.Kind.DEPARTMENT).order_by("code")[:12])
    if staff.org_unit_id and staff.org_unit in departments:
        departments.remove(staff.org_unit)
        departments.insert(0, staff.org_unit)
    for number, department in enumerate(departments):
        kind = number % len(TEAM_NAMES)
        leader = (
            staff
            if number == 0
            else (User.objects.filter(org_unit=department, roles__role=Role.STAFF).order_by("pk").first() or staff)
        )
        team = Team.objects.create(
            name=f"{department.name.removesuffix('市场部')}{TEAM_NAMES[kind]}志愿服务队",
            org_unit=department,
            description=f"{department.name}的{TEAM_NAMES[kind]}志愿者，常年开展{TEAM_NAMES[kind]}服务。",
        )
        TeamMembership.objects.create(team=team, user=leader, role="leader", status="active", decided_by=leader)
        people = _volunteers(f"vol_{number:02d}_", 10 if number else 16, department, password)
        TeamMembership.objects.bulk_create(
            [TeamMembership(team=team, user=p, status="active", decided_by=leader) for p in people]
        )
        if number == 0:
            TeamMembership.objects.create(team=team, user=volunteer, status="active", decided_by=leader)
        # A year of a daily patrol (one rule), 4-hour shifts.
        daily = Activity.objects.create(
            team=team,
            title=f"{department.name.removesuffix('市场部')}{TEAM_NAMES[kind]}日常服务",
            description="每天上午的常态化志愿服务。",
            category=CATEGORIES[kind],
            address=f"{department.name.removesuffix('市场部')}社区服务中心",
            starts_at=_local(now, -380, 8),
            ends_at=_local(now, -380, 12),
            rrule="FREQ=DAILY;COUNT=470",
            visibility=Activity.Visibility.TEAM,
            created_by=leader,
        )
        daily_shift = Shift.objects.create(activity=daily, label="上午", length_minutes=240, capacity=12)
        # Weekly Saturday mornings, open to everyone: past and coming weeks.
        first_saturday = _local(now, -364 + (5 - timezone.localtime(now).weekday()) % 7, 9)
        weekly = Activity.objects.create(
            team=team,
            title=f"周六上午{TEAM_NAMES[kind]}服务",
            description="每周六上午，欢迎新志愿者参加。",
            category=CATEGORIES[kind],
            address=f"{department.name.removesuffix('市场部')}文化广场",
            starts_at=first_saturday,
            ends_at=first_saturday + dt.timedelta(hours=3),
            rrule="FREQ=WEEKLY;BYDAY=SA;COUNT=70",
            skills="热情,守时",
            visibility=Activity.Visibility.PUBLIC,
            confirm_day_ahead=True,
            created_by=leader,
        )
        Shift.objects.create(activity=weekly, label="上午", length_minutes=180, capacity=20)
        # Past hours: the first team's volunteers at every star level, others a few dozen hours each.
        if number == 0:
            for person, total in zip(people, STAR_LEVELS, strict=False):
                _past_hours(daily, daily_shift, person, total, now=now, leader=leader)
            _past_hours(daily, daily_shift, volunteer, DEMO_VOLUNTEER_HOURS, now=now, leader=leader)
            for person in people[len(STAR_LEVELS) :]:
                _past_hours(daily, daily_shift, person, Decimal(rng.randint(8, 90)), now=now, leader=leader)
        else:
            for person in people:
                _past_hours(daily, daily_shift, person, Decimal(rng.randint(4, 60)), now=now, leader=leader)
        # Upcoming one-offs with a few places left.
        for slot in range(2):
            title, category, description, skills = UPCOMING[(number + slot) % len(UPCOMING)]
            start = _local(now, 2 + slot * 3 + number % 3, 14)
            activity = Activity.objects.create(
                team=team,
                title=title,
                description=description,
                category=category,
                address=f"{department.name.removesuffix('市场部')}{['社区广场', '老年活动中心'][slot]}",
                starts_at=start,
                ends_at=start + dt.timedelta(hours=2),
                skills=skills,
                visibility=Activity.Visibility.PUBLIC,
                adults_only=category == "legal",
                created_by=leader,
            )
            capacity = 6 + slot * 3
            shift = Shift.objects.create(activity=activity, label="下午", length_minutes=120, capacity=capacity)
            taken = capacity - (1 + (number + slot) % 3)  # one to three places left
            SignUp.objects.bulk_create(
                [
                    SignUp(
                        shift=shift,
                        occurrence=start,
                        user=p,
                        status="confirmed",
                        created_at=now - dt.timedelta(hours=n + 1),
                    )
                    for n, p in enumerate(people[:taken])
                ]
            )
    for person in User.objects.filter(volunteer_hours__status="approved").distinct():
        stars_award(user=person, now=now)
    ctx.stdout.write(
        f"  volunteering: {Team.objects.count()} teams, {Activity.objects.count()} activities, "
        f"{HoursEntry.objects.count()} approved hours entries"
    )
