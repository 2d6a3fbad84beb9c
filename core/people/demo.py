"""The demo city: 浙江省 > 金华市 with its nine real counties and districts, 28 market departments, their grids,
retail shops and their owners, 24 party branches with about 380 members, villages and the demo logins.

Deterministic: everything is generated from `ctx.rng` in a fixed order, and shop i depends only on the shops
before it, so `--shops 2000` builds the first 2,000 shops of `--shops 34000`. Idempotent: every row has a
natural key (unit code, username, licence number, village code, branch code); a second run inserts only
what is missing and never changes what is there. Large tables go in with bulk_create.
"""

from __future__ import annotations

import datetime
import math
import random

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, make_password
from django.utils.translation import gettext_lazy as _

from . import demo_province
from .models import BranchMembership, OrgUnit, PartyBranch, Role, RoleAssignment, Shop, User, Village
from .permissions import editor_group_permissions_grant
from .services import person_roles_set

DEMO_PASSWORD = "demo12345"
# Owners of generated shops and generated staff cannot sign in (no usable password); only demo logins can.
NO_LOGIN = UNUSABLE_PASSWORD_PREFIX + "demo"
BATCH = 2000

# (username, who they are) in the order `welcome` prints them.
DEMO_LOGINS: list[tuple[str, object]] = [
    ("demo_retailer", _("Retailer: a shop owner with a shop in a grid")),
    ("demo_member", _("Party member in a party branch")),
    ("demo_staff", _("Customer manager of a market department")),
    ("demo_villager", _("Villager")),
    ("demo_volunteer", _("Volunteer")),
    ("demo_editor", _("Editor: uses the Wagtail admin")),
    ("admin", _("Administrator (superuser)")),
]

PROVINCE = ("33", "浙江省")
CITY = ("3307", "金华市")
# Real counties and districts of 金华市 with real towns and streets, each a market department.
COUNTIES: list[tuple[str, str, list[tuple[str, str]]]] = [
    ("330702", "婺城区", [("城中", "城中街道"), ("城北", "城北街道"), ("白龙桥", "白龙桥镇"), ("汤溪", "汤溪镇")]),
    ("330703", "金东区", [("多湖", "多湖街道"), ("孝顺", "孝顺镇"), ("澧浦", "澧浦镇")]),
    ("330723", "武义县", [("壶山", "壶山街道"), ("柳城", "柳城畲族镇")]),
    ("330726", "浦江县", [("浦阳", "浦阳街道"), ("黄宅", "黄宅镇")]),
    ("330727", "磐安县", [("安文", "安文街道"), ("尖山", "尖山镇")]),
    ("330781", "兰溪市", [("兰江", "兰江街道"), ("游埠", "游埠镇"), ("诸葛", "诸葛镇")]),
    (
        "330782",
        "义乌市",
        [("稠城", "稠城街道"), ("北苑", "北苑街道"), ("佛堂", "佛堂镇"), ("苏溪", "苏溪镇"), ("廿三里", "廿三里街道")],
    ),
    ("330783", "东阳市", [("吴宁", "吴宁街道"), ("横店", "横店镇"), ("南马", "南马镇"), ("巍山", "巍山镇")]),
    ("330784", "永康市", [("东城", "东城街道"), ("古山", "古山镇"), ("芝英", "芝英镇")]),
]
BRANCHES = 24
PARTY_MEMBERS = 380
VILLAGES_PER_COUNTY = 12

SURNAMES = (
    "王王王李李李张张刘刘陈陈陈杨黄赵吴吴周徐徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋"
    "余于杜叶叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金金韦贾夏付方方邹熊白孟秦邱侯江尹薛段雷龙黎史陶贺毛"
    "郝顾龚邵万钱戴严楼楼应应傅傅施蒋斯"
)
GIVEN_ONE = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚英华慧萍燕鹏辉斌宇浩凯健俊峰琳婷雪梅兰红玲波"
GIVEN_TWO = [
    "秀英",
    "桂英",
    "建国",
    "建华",
    "国强",
    "志强",
    "海燕",
    "春梅",
    "晓东",
    "丽华",
    "建平",
    "小红",
    "玉兰",
    "文斌",
    "雪梅",
    "国华",
    "红梅",
    "海波",
    "金花",
    "晓燕",
    "志明",
    "伟民",
    "美玲",
    "永强",
    "立新",
    "丽萍",
    "建军",
    "卫东",
    "婷婷",
    "佳怡",
    "子涵",
    "浩然",
    "欣怡",
    "梓轩",
    "雨欣",
    "宇航",
    "金根",
    "根土",
    "素芬",
    "月娥",
    "彩霞",
    "林峰",
]
SHOP_STEMS = [
    "鑫源",
    "顺发",
    "兴旺",
    "百佳",
    "福满",
    "佳和",
    "万家",
    "惠民",
    "好又多",
    "聚福",
    "金鑫",
    "宏达",
    "永盛",
    "华联",
    "乐购",
    "利民",
    "家乐",
    "四季",
    "同心",
    "恒泰",
    "阳光",
    "和顺",
    "富达",
    "隆盛",
    "友谊",
    "新华",
    "东方",
    "明珠",
    "天天",
    "双龙",
    "八婺",
    "金兰",
    "丹溪",
    "婺江",
    "平安",
    "吉祥",
    "如意",
    "众信",
    "诚信",
    "邻里",
]
SHOP_KINDS = ["便利店", "超市", "烟酒店", "烟酒商行", "副食店", "便民店", "商店", "食品店"]
ROADS = [
    "人民",
    "解放",
    "八一",
    "中山",
    "建设",
    "胜利",
    "环城",
    "婺江",
    "丹溪",
    "宾虹",
    "双龙",
    "李渔",
    "八咏",
    "将军",
    "迎宾",
    "新华",
    "之江",
    "江南",
    "北山",
    "金华",
    "工人",
    "光明",
    "东风",
    "青年",
    "望江",
    "西关",
    "通济",
    "稠州",
]
VILLAGE_FIRST = "上下东西南北前后新金石竹杨梅桃里大小黄白马溪山塘"
VILLAGE_SECOND = "岭溪塘山坑桥源湖田畈宅埠口坞垄头川店"
CN_DIGITS = "零一二三四五六七八九十"


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals: 一, 十, 十二, 二十三."""
    if n <= 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def person_name(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    return surname + (rng.choice(GIVEN_ONE) if rng.random() < 0.3 else rng.choice(GIVEN_TWO))


def mobile_number(rng: random.Random) -> str:
    return f"1{rng.choice((35, 36, 37, 38, 39, 50, 58, 59, 77, 88))}{rng.randrange(10**8):08d}"


# --- the organisation tree --------------------------------------------------------------------------------


class _TreeBuilder:
    """Adds the units that are missing, keeping treebeard's materialised paths right.

    Children of a unit created in this run are all new, so their paths are computed here and the whole new
    subtree goes in with one bulk_create; only a unit under an existing one goes through treebeard's
    add_child (which finds the next free path). Children are added in code order, as node_order_by wants."""

    def __init__(self, existing: dict[str, OrgUnit]):
        self.existing = existing
        self.new: list[OrgUnit] = []
        self.fresh: set[str] = set()  # codes of units created in this run

    def add(self, parent: OrgUnit | None, *, code: str, name: str, kind: str) -> OrgUnit:
        unit = self.existing.get(code)
        if unit is not None:
            return unit
        if parent is None:
            unit = OrgUnit.add_root(code=code, name=name, kind=kind)
        elif parent.code in self.fresh:
            parent.numchild += 1
            unit = OrgUnit(
                code=code,
                name=name,
                kind=kind,
                depth=parent.depth + 1,
                numchild=0,
                path=OrgUnit._get_path(parent.path, parent.depth + 1, parent.numchild),
            )
            self.new.append(unit)
        else:
            self.flush()
            parent.refresh_from_db(fields=["path", "depth", "numchild"])
            unit = parent.add_child(code=code, name=name, kind=kind)
        self.fresh.add(code)
        self.existing[code] = unit
        return unit

    def flush(self) -> None:
        if self.new:
            OrgUnit.objects.bulk_create(self.new, batch_size=BATCH)
            self.new = []
        # Fresh units created by add_root/add_child were saved with numchild 0: store their child counts.
        counts = [unit for code, unit in self.existing.items() if code in self.fresh and unit.numchild]
        OrgUnit.objects.bulk_update(counts, ["numchild"], batch_size=BATCH)


def build_tree(rng: random.Random, *, city_spec=CITY, county_specs=COUNTIES):
    """Province, city, counties, 28 departments and their grids (6 to 10 each); returns (city, counties,
    departments, grids) where departments are (unit, county, place, township)."""
    tree = _TreeBuilder({unit.code: unit for unit in OrgUnit.objects.filter(code__startswith=PROVINCE[0])})
    province = tree.add(None, code=PROVINCE[0], name=PROVINCE[1], kind=OrgUnit.Kind.PROVINCE)
    city = tree.add(province, code=city_spec[0], name=city_spec[1], kind=OrgUnit.Kind.CITY)
    counties, departments, grids = [], [], []
    for county_code, county_name, places in county_specs:
        county = tree.add(city, code=county_code, name=county_name, kind=OrgUnit.Kind.COUNTY)
        counties.append(county)
        for number, (place, township) in enumerate(places, start=1):
            department = tree.add(
                county, code=f"{county_code}-{number:02d}", name=f"{place}市场部", kind=OrgUnit.Kind.DEPARTMENT
            )
            departments.append((department, county, place, township))
            for grid_number in range(1, rng.randint(6, 10) + 1):
                grids.append(
                    tree.add(
                        department,
                        code=f"{department.code}-{grid_number:02d}",
                        name=f"{place}{cn_number(grid_number)}网格",
                        kind=OrgUnit.Kind.GRID,
                    )
                )
    tree.flush()
    return city, counties, departments, grids


def build_villages(rng: random.Random, departments, per_county: int = VILLAGES_PER_COUNTY) -> dict[int, list[Village]]:
    """Twelve villages per county (or `per_county`), in the townships of its departments; returns county pk ->
    villages."""
    by_county: dict[int, list[tuple]] = {}
    for _department, county, _place, township in departments:
        by_county.setdefault(county.pk, []).append((county, township))
    wanted = []
    for townships in by_county.values():
        county = townships[0][0]
        names: set[str] = set()
        for number in range(1, per_county + 1):
            name = rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_SECOND) + "村"
            while name in names:
                name = rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_SECOND) + "村"
            names.add(name)
            township = townships[(number - 1) % len(townships)][1]
            wanted.append(
                Village(
                    code=f"{county.code}{number:03d}",
                    name=name,
                    county=county,
                    township=township,
                    population=rng.randrange(400, 4200, 10),
                )
            )
    have = set(Village.objects.filter(code__in=[v.code for v in wanted]).values_list("code", flat=True))
    Village.objects.bulk_create([v for v in wanted if v.code not in have])
    villages: dict[int, list[Village]] = {}
    for village in Village.objects.filter(code__in=[v.code for v in wanted]).order_by("code"):
        villages.setdefault(village.county_id, []).append(village)
    return villages


# --- people -----------------------------------------------------------------------------------------------


def _create_people(wanted: list[User], roles: dict[str, list[str]], *, prefix: str) -> dict[str, int]:
    """Insert the users of `wanted` whose username is new, with their roles; returns username -> pk.

    Every username in `wanted` starts with `prefix`: one range query finds them (an IN list of 34,000
    names would be slow, and too long for some SQLite builds)."""
    have = dict(User.objects.filter(username__startswith=prefix).values_list("username", "pk"))
    new = [user for user in wanted if user.username not in have]
    User.objects.bulk_create(new, batch_size=BATCH)
    pks = dict(User.objects.filter(username__startswith=prefix).values_list("username", "pk")) if new else have
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user_id=pks[user.username], role=role) for user in new for role in roles[user.username]],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    return pks


def build_shops(
    rng: random.Random, ctx, grids, villages, *, city_code: str = CITY[0], count: int | None = None
) -> None:
    """`count` shops (by default `ctx.shops`) spread over the grids, each with its owner (a retailer who cannot
    sign in)."""
    count = ctx.shops if count is None else count
    county_of_grid = {grid.pk: grid.code[:6] for grid in grids}
    county_pk = dict(
        OrgUnit.objects.filter(kind=OrgUnit.Kind.COUNTY, code__startswith=PROVINCE[0]).values_list("code", "pk")
    )
    serials: dict[str, int] = {}
    owners, shops = [], []
    for _i in ctx.progress(range(count), desc="shops", total=count):
        grid = rng.choice(grids)
        county_code = county_of_grid[grid.pk]
        serials[county_code] = serials.get(county_code, 100000) + 1
        licence = f"{county_code}{serials[county_code]:06d}"
        owner_name = person_name(rng)
        rural = rng.random() < 0.45
        village = rng.choice(villages[county_pk[county_code]]) if rural else None
        stem = rng.choice(SHOP_STEMS)
        kind = rng.choice(SHOP_KINDS)
        name = f"{owner_name[0]}记{kind}" if rng.random() < 0.25 else f"{stem}{kind}"
        if village is not None:
            name = f"{village.name[:-1]}{name}"
        address = (
            f"{village.township}{village.name}{rng.randint(1, 300)}号"
            if village
            else f"{rng.choice(ROADS)}路{rng.randint(1, 999)}号"
        )
        tier = min(30, max(1, round(rng.triangular(1, 30, 12))))
        cycle = rng.choices(
            [Shop.DeliveryCycle.WEEKLY, Shop.DeliveryCycle.BIWEEKLY, Shop.DeliveryCycle.MONTHLY], [70, 25, 5]
        )[0]
        phone = mobile_number(rng)
        username = f"r{licence}"
        owners.append(
            User(
                username=username,
                display_name=owner_name,
                phone=phone,
                org_unit_id=grid.pk,
                village_id=village.pk if village else None,
                password=NO_LOGIN,
            )
        )
        shops.append(
            Shop(
                licence_number=licence,
                name=name,
                tier=tier,
                delivery_cycle=cycle,
                grid_id=grid.pk,
                village_id=village.pk if village else None,
                address=address,
                owner_id=None,
            )
        )
        shops[-1]._owner_username = username
    pks = _create_people(owners, {user.username: [Role.RETAILER] for user in owners}, prefix="r" + city_code)
    have = set(Shop.objects.filter(licence_number__startswith=city_code).values_list("licence_number", flat=True)) & {
        shop.licence_number for shop in shops
    }
    new = [shop for shop in shops if shop.licence_number not in have]
    for shop in new:
        shop.owner_id = pks[shop._owner_username]
    Shop.objects.bulk_create(new, batch_size=BATCH)
    ctx.stdout.write(f"  shops: {len(new)} new, {len(have)} already there")


def _branch_departments(rng: random.Random, departments, count: int, *, first: bool) -> list[tuple[int, str]]:
    """(department index, branch name) of `count` branches: one in each of `count` departments drawn at random
    (with `first`, the first department always among them: the demo logins work there), or, with more branches
    than departments, several in each (第一党支部, 第二党支部, ...)."""
    if count <= len(departments):
        drawn = [0, *rng.sample(range(1, len(departments)), count - 1)] if first else None
        drawn = drawn or rng.sample(range(len(departments)), count)
        return [(i, f"{departments[i][2]}市场部党支部") for i in sorted(drawn)]
    indices = sorted(n % len(departments) for n in range(count))
    return [
        (i, f"{departments[i][2]}市场部第{cn_number(indices[:n].count(i) + 1)}党支部") for n, i in enumerate(indices)
    ]


def build_staff_and_branches(
    rng: random.Random,
    departments,
    grids,
    *,
    city_code: str = CITY[0],
    branch_prefix: str = "JH",
    branch_count: int = BRANCHES,
    member_count: int = PARTY_MEMBERS,
    member_prefix: str = "pm",
    first_department: bool = False,
) -> list[PartyBranch]:
    """A customer manager per grid; 24 party branches (`branch_count`) in 24 departments with about 380 members
    (`member_count`)."""
    department_of_grid = {dept.code: dept for dept, *_rest in departments}
    managers = [
        User(
            username=f"cm{grid.code.replace('-', '')}",
            display_name=person_name(rng),
            phone=mobile_number(rng),
            org_unit_id=department_of_grid[grid.code[:9]].pk,
            password=NO_LOGIN,
        )
        for grid in grids
    ]
    _create_people(managers, {user.username: [Role.STAFF] for user in managers}, prefix="cm" + city_code)

    chosen = _branch_departments(rng, departments, branch_count, first=first_department)
    wanted_branches = []
    members: list[tuple[str, User, datetime.date]] = []
    per_branch, extra = divmod(member_count, branch_count)
    serial = 0
    for number, (index, branch_name) in enumerate(chosen, start=1):
        department = departments[index][0]
        code = f"{branch_prefix}-B{number:02d}"
        wanted_branches.append(PartyBranch(code=code, name=branch_name, org_unit=department))
        for _member in range(per_branch + (1 if number <= extra else 0)):
            serial += 1
            user = User(
                username=f"{member_prefix}{serial:04d}",
                display_name=person_name(rng),
                phone=mobile_number(rng),
                org_unit_id=department.pk,
                password=NO_LOGIN,
            )
            joined = datetime.date(1990, 1, 1) + datetime.timedelta(days=rng.randrange(34 * 365))
            members.append((code, user, joined))
    have = set(PartyBranch.objects.filter(code__in=[b.code for b in wanted_branches]).values_list("code", flat=True))
    PartyBranch.objects.bulk_create([b for b in wanted_branches if b.code not in have])
    branches = {b.code: b for b in PartyBranch.objects.filter(code__in=[b.code for b in wanted_branches])}
    pks = _create_people(
        [user for _code, user, _joined in members],
        {user.username: [Role.PARTY_MEMBER, Role.STAFF] for _code, user, _joined in members},
        prefix=member_prefix,
    )
    BranchMembership.objects.bulk_create(
        [
            BranchMembership(branch=branches[code], user_id=pks[user.username], joined_on=joined)
            for code, user, joined in members
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    # The first member of each branch is its secretary, unless an editor chose another.
    first_member = {}
    for code, user, _joined in members:
        first_member.setdefault(code, pks[user.username])
    for code, branch in branches.items():
        if branch.secretary_id is None and code not in have:
            branch.secretary_id = first_member[code]
            branch.save(update_fields=["secretary"])
    return [branches[b.code] for b in wanted_branches]


def build_demo_users(ctx, *, city, departments, grids, villages, branches) -> dict[str, User]:
    """The demo logins (password demo12345), created once; later runs leave them as they are."""
    first_department, first_county, _place, _township = departments[0]
    grid = grids[0]
    village = villages[first_county.pk][0]
    branch = branches[0]
    # Fixed details: drawing them from ctx.rng only when a user is new would shift every later draw.
    specs = {
        "demo_retailer": dict(display_name="王秀英", org_unit=grid, village=village, roles=[Role.RETAILER]),
        "demo_member": dict(display_name="陈建国", org_unit=branch.org_unit, roles=[Role.PARTY_MEMBER, Role.STAFF]),
        "demo_staff": dict(display_name="赵敏", org_unit=first_department, roles=[Role.STAFF]),
        "demo_villager": dict(display_name="孙大伯", village=village, roles=[Role.VILLAGER]),
        "demo_volunteer": dict(display_name="周晓燕", village=village, roles=[Role.VOLUNTEER, Role.VILLAGER]),
        "demo_editor": dict(display_name="吴编辑", org_unit=city, roles=[Role.EDITOR, Role.STAFF], is_staff=True),
        "admin": dict(display_name="管理员", org_unit=city, roles=[], is_staff=True, is_superuser=True),
    }
    existing = {user.username: user for user in User.objects.filter(username__in=specs)}
    password = None
    users = {}
    for number, (username, spec) in enumerate(specs.items(), start=1):
        user = existing.get(username)
        if user is None:
            password = password or make_password(DEMO_PASSWORD)
            roles = spec.pop("roles")
            user = User.objects.create(username=username, password=password, phone=f"1390579{number:04d}", **spec)
            person_roles_set(user=user, roles=roles, by=None)
        users[username] = user
    retailer = users["demo_retailer"]
    licence = f"{grid.code[:6]}900001"
    if not Shop.objects.filter(licence_number=licence).exists():
        Shop.objects.create(
            licence_number=licence,
            name="秀英便利店",
            tier=14,
            grid=grid,
            owner=retailer,
            village=village,
            address=f"{village.township}{village.name}18号",
        )
    BranchMembership.objects.get_or_create(
        branch=branch, user=users["demo_member"], defaults={"joined_on": datetime.date(2008, 7, 1)}
    )
    return {
        "retailer": retailer,
        "member": users["demo_member"],
        "staff": users["demo_staff"],
        "villager": users["demo_villager"],
        "volunteer": users["demo_volunteer"],
        "editor": users["demo_editor"],
    }


def seed_province(ctx) -> None:
    """`seed_demo --province`: the ten cities of core/people/demo_province.py, each with `ctx.shops_per_city`
    shops and, per 30,000 shops, 200 party branches of 16 members and 800 villages. 金华市 comes first, built as
    the demo city (its real towns, the demo logins) from `ctx.rng`; every other city draws from its own
    generator, so one city's size never shifts another's data."""
    per_city = ctx.shops_per_city
    scale = per_city / demo_province.SHOPS_PER_CITY
    branch_count = max(2, round(demo_province.BRANCHES_PER_CITY * scale))
    villages_per_city = max(1, round(demo_province.VILLAGES_PER_CITY * scale))
    ctx.cities = []
    for code, name, prefix, _seat, counties in ctx.progress(demo_province.CITIES, desc="cities"):
        demo_city = code == CITY[0]
        rng = ctx.rng if demo_city else random.Random(f"{ctx.seed}:people:{code}")
        county_specs = COUNTIES if demo_city else demo_province.city_counties(counties)
        city, _counties, departments, grids = build_tree(rng, city_spec=(code, name), county_specs=county_specs)
        villages = build_villages(rng, departments, per_county=math.ceil(villages_per_city / len(county_specs)))
        branches = build_staff_and_branches(
            rng,
            departments,
            grids,
            city_code=code,
            branch_prefix=prefix,
            branch_count=branch_count,
            member_count=branch_count * demo_province.MEMBERS_PER_BRANCH,
            member_prefix="pm" if demo_city else f"pm{code}",
            first_department=demo_city,
        )
        if demo_city:
            ctx.city = city
            ctx.demo_users.update(
                build_demo_users(
                    ctx, city=city, departments=departments, grids=grids, villages=villages, branches=branches
                )
            )
        build_shops(rng, ctx, grids, villages, city_code=code, count=per_city)
        ctx.cities.append(city)
        ctx.stdout.write(
            f"  {name}: {len(county_specs)} counties, {len(departments)} market departments, {len(grids)} grids, "
            f"{sum(len(v) for v in villages.values())} villages, {len(branches)} party branches"
        )


def seed(ctx) -> None:
    rng = ctx.rng
    editor_group_permissions_grant()
    if getattr(ctx, "province", False):
        seed_province(ctx)
        return
    city, _counties, departments, grids = build_tree(rng)
    ctx.city = city
    villages = build_villages(rng, departments)
    branches = build_staff_and_branches(rng, departments, grids)
    demo_users = build_demo_users(
        ctx, city=city, departments=departments, grids=grids, villages=villages, branches=branches
    )
    ctx.demo_users.update(demo_users)
    # Shops last: the only part whose size depends on --shops, so everything above is the same for any size.
    build_shops(rng, ctx, grids, villages)
    ctx.stdout.write(
        f"  {CITY[1]}: {len(departments)} market departments, {len(grids)} grids, "
        f"{sum(len(v) for v in villages.values())} villages, {len(branches)} party branches"
    )
