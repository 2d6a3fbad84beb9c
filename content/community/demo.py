"""The community demo: a service station in about every village of the demo city (hosted by one of the village's
shops; 王秀英's 秀英便利店 hosts one in 孙大伯's village), a service centre in each county, partners, services from
the four categories with hours, a few closures and capacities, and a few hundred direct-line requests in every
state (some of 孙大伯's, with replies; a queue for 赵敏's market department, some amber, red or escalated).

Deterministic (ctx.rng, ordered queries) and idempotent: stations and requests have ids derived from natural keys,
and a second run creates nothing. Requests move through the app's own services, so their statements are the
ones the live app records, and two demo rules make them count in the pioneer index's service dimension.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal

from django.db import transaction

from core.people.demo_province import city_seat
from core.people.models import OrgUnit, Shop, Village

from . import services
from .models import (
    DirectRequest,
    HoursException,
    Offer,
    OfferHours,
    Partner,
    RequestCategory,
    ServiceKind,
    Station,
    WeeklyHours,
)

DEMO_NAMESPACE = uuid.UUID("8d3f7f5e-0b8c-5b7a-a9a4-3c9e1f2d6b10")
# Where the counties and districts of 金华市 are (their seats, approximately).
COUNTY_CENTRES = {
    "330702": (29.08, 119.57),
    "330703": (29.10, 119.70),
    "330723": (28.89, 119.82),
    "330726": (29.45, 119.89),
    "330727": (29.05, 120.45),
    "330781": (29.21, 119.46),
    "330782": (29.31, 120.07),
    "330783": (29.29, 120.24),
    "330784": (28.90, 120.04),
}
PARTNERS = [
    ("中国邮政", "https://www.chinapost.com.cn/"),
    ("中国电信", "https://www.189.cn/"),
    ("中国移动", "https://www.10086.cn/"),
    ("中国石化", "https://www.sinopec.com/"),
    ("中国农业银行", "https://www.abchina.com/"),
    ("浙江农商银行", "https://www.zj96596.com/"),
    ("顺丰速运", "https://www.sf-express.com/"),
    ("菜鸟驿站", "https://www.cainiao.com/"),
]
PARTNER_OF = {
    "parcel-pickup": "菜鸟驿站",
    "telecom-topup": "中国电信",
    "fuel-card": "中国石化",
    "rural-cash": "中国农业银行",
    "microcredit": "浙江农商银行",
    "social-insurance": "浙江农商银行",
    "newspaper": "中国邮政",
}
ALWAYS = ["parcel-pickup", "drinking-water", "phone-charging", "concerns"]
TEXTS = [
    ("help", "村口路灯坏了好几天，晚上走路不方便。"),
    ("help", "家里老人行动不便，想请人帮忙代缴医保。"),
    ("complaint", "快递到了三天还没通知取件。"),
    ("complaint", "服务站说好早上八点开门，今天九点还没开。"),
    ("question", "助农取款每天最多能取多少钱？"),
    ("question", "农资代购可以买到有机肥吗？"),
    ("station", "服务站的饮水机坏了。"),
    ("station", "打印机没纸了，麻烦补充一下。"),
    ("suggestion", "希望服务站周末也能办理社保缴费。"),
    ("suggestion", "建议在驿站多放几把椅子给骑手休息。"),
    ("help", "邻居家的狗走丢了，能不能在服务站贴个启事？"),
    ("question", "怎么报名村里的志愿服务队？"),
]
REPLIES = ["已收到，正在联系相关部门处理。", "已安排网格员上门了解情况。", "已协调服务站店主处理。"]
RESOLUTIONS = ["问题已解决，感谢您的反映。", "已修好，请您确认。", "已答复：详情请到服务站咨询店主。"]
REQUESTS = 320


def _id(*parts) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, "|".join(str(p) for p in parts))


def _partners() -> dict[str, Partner]:
    found = {p.name: p for p in Partner.objects.filter(name__in=[n for n, _u in PARTNERS])}
    for name, url in PARTNERS:
        if name not in found:
            found[name] = Partner.objects.create(uuid=_id("partner", name), name=name, website=url)
    return found


def _hours_rows(rng, station: Station, *, all_day: bool = False) -> list[WeeklyHours]:
    style = rng.random()
    if all_day:  # 秀英便利店 never closes (a period from midnight to midnight lasts the whole day)
        spans = [(d, "00:00", "00:00") for d in range(7)]
    elif station.kind == Station.Kind.CENTRE:
        spans = [(d, "08:00", "20:30") for d in range(7)]
    elif style < 0.15:  # a shop that stays open late, past midnight on Fridays and Saturdays
        spans = [(d, "07:00", "23:00") for d in range(5)] + [(5, "07:00", "01:00"), (6, "07:00", "01:00")]
    elif style < 0.30:  # closed on Sunday afternoons
        spans = [(d, "07:30", "21:00") for d in range(6)] + [(6, "07:30", "12:00")]
    else:
        spans = [(d, "07:00", "21:30") for d in range(7)]
    return [
        WeeklyHours(
            uuid=_id("hours", station.uuid, d, o),
            station=station,
            weekday=d,
            opens=dt.time.fromisoformat(o),
            closes=dt.time.fromisoformat(c),
        )
        for d, o, c in spans
    ]


def county_centre(county_code: str) -> tuple[float, float]:
    """Where a county's seat is: 金华市's from the table above; elsewhere in the demo province, its city's seat
    moved by a fixed offset drawn from the county code (approximate, as a demo needs)."""
    if county_code in COUNTY_CENTRES:
        return COUNTY_CENTRES[county_code]
    lat, lon = city_seat(county_code[:4]) or COUNTY_CENTRES["330702"]
    rng = random.Random(f"county-centre:{county_code}")
    return round(lat + rng.uniform(-0.35, 0.35), 2), round(lon + rng.uniform(-0.35, 0.35), 2)


def build_stations(ctx) -> list[Station]:
    retailer = ctx.demo_users.get("retailer")
    partners = _partners()
    kinds = list(ServiceKind.objects.select_related("category").order_by("sort_order", "code"))
    by_code = {k.code: k for k in kinds}
    existing = {s.uuid: s for s in Station.objects.all()}
    # The demo city's villages; with --province, every village of the province (a station in about 8,000).
    villages = Village.objects.select_related("county").order_by("code")
    if not getattr(ctx, "province", False):
        villages = villages.filter(county__code__in=COUNTY_CENTRES)
    villages = list(villages)
    shops_by_village: dict[int, list[Shop]] = {}
    shops = Shop.objects.filter(village__in=villages).only(
        "pk", "licence_number", "name", "address", "owner_id", "village_id"
    )
    for shop in shops.order_by("licence_number"):
        shops_by_village.setdefault(shop.village_id, []).append(shop)
    created: list[Station] = []
    centre_counties: set[int] = set()
    today = ctx.now.date()
    for village in ctx.progress(villages, desc="stations"):
        # Each village draws from its own generator: a village skipped on a second run shifts no other's draws.
        rng = random.Random(f"{ctx.seed}:community:{village.code}")
        shops = shops_by_village.get(village.pk, [])
        if not shops:
            continue
        mine = [s for s in shops if retailer is not None and s.owner_id == retailer.pk]
        shop = mine[0] if mine else shops[rng.randrange(len(shops))]
        lat0, lon0 = county_centre(village.county.code)
        lat = round(lat0 + rng.uniform(-0.09, 0.09), 6)
        lon = round(lon0 + rng.uniform(-0.09, 0.09), 6)
        kind = (
            Station.Kind.CENTRE
            if village.county_id not in centre_counties
            else (Station.Kind.POINT if rng.random() < 0.3 else Station.Kind.STATION)
        )
        centre_counties.add(village.county_id)
        station_uuid = _id("station", shop.licence_number)
        if station_uuid in existing:
            continue
        suffix = {
            Station.Kind.CENTRE: "惠民服务中心",
            Station.Kind.STATION: "惠民服务站",
            Station.Kind.POINT: "惠民服务点",
        }[kind]
        station = Station.objects.create(
            uuid=station_uuid,
            name=f"{village.name}{suffix}",
            kind=kind,
            shop=shop,
            village=village,
            description=f"设在{shop.name}，为{village.name}村民提供便民、惠民、公益和基层治理服务。",
            address=shop.address or f"{village.township}{village.name}",
            latitude=lat,
            longitude=lon,
            contact_name="",
            phone=f"1390579{rng.randrange(10000):04d}",
        )
        WeeklyHours.objects.bulk_create(_hours_rows(rng, station, all_day=bool(mine)))
        if rng.random() < 0.12 and not mine:
            start = today + dt.timedelta(days=rng.randrange(1, 10))
            HoursException.objects.create(
                uuid=_id("closure", station.uuid),
                station=station,
                starts_on=start,
                ends_on=start + dt.timedelta(days=rng.randrange(0, 2)),
                closed=True,
                reason=rng.choice(["店主外出", "盘点", "装修"]),
            )
        if not mine:
            HoursException.objects.create(
                uuid=_id("new-year", station.uuid),
                station=station,
                starts_on=dt.date(2027, 1, 1),
                ends_on=dt.date(2027, 1, 1),
                closed=False,
                opens=dt.time(9),
                closes=dt.time(17),
                reason="元旦",
            )
        wanted = [by_code[c] for c in ALWAYS] + rng.sample(
            [k for k in kinds if k.code not in ALWAYS], rng.randint(3, 14 if kind == Station.Kind.CENTRE else 8)
        )
        if mine:
            wanted += [by_code[c] for c in ("printing", "rural-products", "rider-rest") if by_code[c] not in wanted]
        offers = []
        for kind_row in wanted:
            partner = partners.get(PARTNER_OF.get(kind_row.code, ""))
            offers.append(
                Offer(
                    uuid=_id("offer", station.uuid, kind_row.code),
                    location_uuid=_id("sal", station.uuid, kind_row.code),
                    station=station,
                    kind=kind_row,
                    partner=partner,
                    cost={"printing": "黑白0.5元/页", "bus-ticket": "代购费2元"}.get(kind_row.code, ""),
                    eligibility="本村及周边村民" if kind_row.category.code == "benefit" else "",
                    capacity=rng.randrange(0, 40) if kind_row.has_capacity else None,
                    capacity_updated_at=ctx.now if kind_row.has_capacity else None,
                )
            )
        Offer.objects.bulk_create(offers)
        station.partners.add(*{o.partner for o in offers if o.partner})
        rider = next((o for o in offers if o.kind.code == "rider-rest"), None)
        if rider is not None:  # the rest stop keeps night hours for delivery riders
            OfferHours.objects.bulk_create(
                [
                    OfferHours(
                        uuid=_id("rider", station.uuid, d), offer=rider, weekday=d, opens=dt.time(10), closes=dt.time(2)
                    )
                    for d in range(7)
                ]
            )
        created.append(station)
    return created


def build_requests(ctx) -> int:
    rng = ctx.rng
    villager = ctx.demo_users.get("villager")
    categories = {c.code: c for c in RequestCategory.objects.all()}
    stations = list(Station.objects.select_related("shop", "shop__grid").order_by("pk"))
    if not stations or not categories:
        return 0
    staff_demo = ctx.demo_users.get("staff")
    home_department = staff_demo.org_unit if staff_demo is not None else None
    near_home = [s for s in stations if home_department and s.shop.grid.path.startswith(home_department.path)]
    villager_station = (
        next((s for s in stations if villager is not None and s.village_id == villager.village_id), None) or stations[0]
    )
    have = set(DirectRequest.objects.values_list("uuid", flat=True))
    states = ["new", "assigned", "in_progress", "resolved", "confirmed", "reopened"]
    made = 0
    responders: dict[int, list] = {}
    for number in range(REQUESTS):
        request_uuid = _id("request", number)
        # Draw everything first, so a second run (which skips) makes the same draws.
        code, text = TEXTS[rng.randrange(len(TEXTS))]
        mine = villager is not None and number % 16 == 0
        station = (
            villager_station
            if mine
            else (
                near_home[rng.randrange(len(near_home))]
                if near_home and rng.random() < 0.35
                else stations[rng.randrange(len(stations))]
            )
        )
        state = (
            states[number % len(states)]
            if not mine
            else ["resolved", "confirmed", "in_progress", "new"][(number // 16) % 4]
        )
        age_hours = rng.uniform(0.5, 24 * 20) if state in ("resolved", "confirmed") else rng.uniform(0.2, 40)
        anonymous = not mine and rng.random() < 0.3
        rating = rng.randint(3, 5)
        if request_uuid in have:
            continue
        filed_at = ctx.now - dt.timedelta(hours=age_hours)
        with transaction.atomic():
            request = services.direct_request_file(
                category=categories[code],
                text=text,
                station=station,
                requester=villager if mine else (station.shop.owner if not anonymous and station.shop.owner else None),
                anonymous=anonymous or (not mine and station.shop.owner is None),
                now=filed_at,
            )
            DirectRequest.objects.filter(pk=request.pk).update(uuid=request_uuid)
            request.uuid = request_uuid
            if request.unit_id not in responders:
                responders[request.unit_id] = services.unit_staff(request.unit)
            staff = responders[request.unit_id][0] if responders[request.unit_id] else None
            if staff is None or state == "new":
                made += 1
                continue

            def step(k: float, filed_at=filed_at, age_hours=age_hours) -> dt.datetime:
                return filed_at + dt.timedelta(hours=age_hours * k)

            request = services.direct_request_assign(request=request, by=staff, now=step(0.1))
            if state in ("in_progress", "resolved", "confirmed", "reopened"):
                request = services.direct_request_start(request=request, by=staff, now=step(0.2))
                services.direct_request_reply(
                    request=request, by=staff, text=REPLIES[number % len(REPLIES)], now=step(0.3)
                )
            if state in ("resolved", "confirmed", "reopened"):
                request = services.direct_request_resolve(
                    request=request, by=staff, text=RESOLUTIONS[number % len(RESOLUTIONS)], now=step(0.5)
                )
            if state == "confirmed":
                services.direct_request_confirm(
                    request=request, token=request.tracking_token, rating=rating, now=step(0.8)
                )
            if state == "reopened":
                services.direct_request_reopen(
                    request=request, token=request.tracking_token, text="问题还没有解决。", now=step(0.8)
                )
        made += 1
    # Requests past their target move up, as the scheduler would have moved them.
    # (as of six hours ago: those overdue since then are still red on their first unit's list)
    services.direct_requests_escalate(now=ctx.now - dt.timedelta(hours=6))
    return made


def add_rules() -> None:
    """Two demo rules: a confirmed answer and a station's service count in the pioneer index's service dimension."""
    from core.activity.vocabulary import ActivityType, Verb
    from realtime.models import Dimension, Rule
    from realtime.services.rules import ruleset_version_create

    service = Dimension.objects.filter(index__slug="pioneer", code="service").select_related("index").first()
    if service is None:
        return
    created = False
    for name, verb, activity_type, points, cap in [
        ("群众确认诉求已解决", Verb.CONFIRMED, ActivityType.HELP_REQUEST, 2, 6),
        ("服务站为群众办事", Verb.SERVED, ActivityType.STATION_SERVICE, 1, 5),
    ]:
        _rule, made = Rule.objects.get_or_create(
            name=name,
            dimension=service,
            defaults={
                "verb": verb,
                "activity_type": activity_type,
                "points": Decimal(points),
                "daily_cap": Decimal(cap),
            },
        )
        created |= made
    if created:
        ruleset_version_create(index=service.index, by=None)


def seed(ctx) -> None:
    from .permissions import editor_community_permissions_grant

    editor_community_permissions_grant()
    add_rules()
    stations = build_stations(ctx)
    made = build_requests(ctx)
    ctx.stdout.write(
        f"  community: {Station.objects.count()} stations ({len(stations)} new), "
        f"{Offer.objects.count()} services offered, "
        f"{made} direct-line requests new ({DirectRequest.objects.count()} in all), "
        f"{OrgUnit.objects.filter(direct_requests__isnull=False).distinct().count()} units answering"
    )
