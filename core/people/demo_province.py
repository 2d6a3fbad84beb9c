"""The demo province: ten cities of 浙江省 with their real counties and districts (administrative codes of 2023),
for `seed_demo --province`. 金华市 is the demo city itself (core/people/demo.py, with its real towns); the others
get 28 market departments each, spread over their counties and named after the county and a part of it. 舟山市,
the eleventh city (islands, a few thousand shops), is left out: the issue asks for a province of ten cities.

Each entry: (city code, city name, branch code prefix, seat (latitude, longitude), [(county code, name), ...]).
"""

from __future__ import annotations

CITIES: list[tuple[str, str, str, tuple[float, float], list[tuple[str, str]]]] = [
    (
        "3301",
        "杭州市",
        "HZ",
        (30.27, 120.15),
        [
            ("330102", "上城区"),
            ("330105", "拱墅区"),
            ("330106", "西湖区"),
            ("330108", "滨江区"),
            ("330109", "萧山区"),
            ("330110", "余杭区"),
            ("330111", "富阳区"),
            ("330112", "临安区"),
            ("330113", "临平区"),
            ("330114", "钱塘区"),
            ("330122", "桐庐县"),
            ("330127", "淳安县"),
            ("330182", "建德市"),
        ],
    ),
    (
        "3302",
        "宁波市",
        "NB",
        (29.87, 121.55),
        [
            ("330203", "海曙区"),
            ("330205", "江北区"),
            ("330206", "北仑区"),
            ("330211", "镇海区"),
            ("330212", "鄞州区"),
            ("330213", "奉化区"),
            ("330225", "象山县"),
            ("330226", "宁海县"),
            ("330281", "余姚市"),
            ("330282", "慈溪市"),
        ],
    ),
    (
        "3303",
        "温州市",
        "WZ",
        (28.00, 120.70),
        [
            ("330302", "鹿城区"),
            ("330303", "龙湾区"),
            ("330304", "瓯海区"),
            ("330305", "洞头区"),
            ("330324", "永嘉县"),
            ("330326", "平阳县"),
            ("330327", "苍南县"),
            ("330328", "文成县"),
            ("330329", "泰顺县"),
            ("330381", "瑞安市"),
            ("330382", "乐清市"),
            ("330383", "龙港市"),
        ],
    ),
    (
        "3304",
        "嘉兴市",
        "JX",
        (30.75, 120.76),
        [
            ("330402", "南湖区"),
            ("330411", "秀洲区"),
            ("330421", "嘉善县"),
            ("330424", "海盐县"),
            ("330481", "海宁市"),
            ("330482", "平湖市"),
            ("330483", "桐乡市"),
        ],
    ),
    (
        "3305",
        "湖州市",
        "HU",
        (30.89, 120.09),
        [("330502", "吴兴区"), ("330503", "南浔区"), ("330521", "德清县"), ("330522", "长兴县"), ("330523", "安吉县")],
    ),
    (
        "3306",
        "绍兴市",
        "SX",
        (30.00, 120.58),
        [
            ("330602", "越城区"),
            ("330603", "柯桥区"),
            ("330604", "上虞区"),
            ("330624", "新昌县"),
            ("330681", "诸暨市"),
            ("330683", "嵊州市"),
        ],
    ),
    ("3307", "金华市", "JH", (29.08, 119.65), []),  # its counties and towns: core/people/demo.py COUNTIES
    (
        "3308",
        "衢州市",
        "QZ",
        (28.97, 118.87),
        [
            ("330802", "柯城区"),
            ("330803", "衢江区"),
            ("330822", "常山县"),
            ("330824", "开化县"),
            ("330825", "龙游县"),
            ("330881", "江山市"),
        ],
    ),
    (
        "3310",
        "台州市",
        "TZ",
        (28.66, 121.42),
        [
            ("331002", "椒江区"),
            ("331003", "黄岩区"),
            ("331004", "路桥区"),
            ("331022", "三门县"),
            ("331023", "天台县"),
            ("331024", "仙居县"),
            ("331081", "温岭市"),
            ("331082", "临海市"),
            ("331083", "玉环市"),
        ],
    ),
    (
        "3311",
        "丽水市",
        "LS",
        (28.45, 119.92),
        [
            ("331102", "莲都区"),
            ("331121", "青田县"),
            ("331122", "缙云县"),
            ("331123", "遂昌县"),
            ("331124", "松阳县"),
            ("331125", "云和县"),
            ("331126", "庆元县"),
            ("331127", "景宁畲族自治县"),
            ("331181", "龙泉市"),
        ],
    ),
]

DEPARTMENTS_PER_CITY = 28
# The parts of a county a market department serves, in the order departments are added to it.
PARTS = ["城区", "城东", "城西", "城南", "城北", "郊区"]
# Per 30,000 shops (one city): 200 party branches of about 16 members, 800 villages with a service station.
SHOPS_PER_CITY = 30000
BRANCHES_PER_CITY = 200
MEMBERS_PER_BRANCH = 16
VILLAGES_PER_CITY = 800


def county_short(name: str) -> str:
    """婺城区 -> 婺城, 景宁畲族自治县 -> 景宁: the name a department takes."""
    for suffix in ("畲族自治县", "区", "县", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def city_counties(counties: list[tuple[str, str]]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The counties of a city with its 28 market departments dealt over them in turn: (code, name, [(place,
    township), ...]) as core/people/demo.py COUNTIES holds them."""
    places: list[list[tuple[str, str]]] = [[] for _county in counties]
    for number in range(DEPARTMENTS_PER_CITY):
        index = number % len(counties)
        code, name = counties[index]
        part = PARTS[len(places[index]) % len(PARTS)]
        short = county_short(name)
        places[index].append((f"{short}{part}", f"{name}{part}"))
    return [(code, name, parts) for (code, name), parts in zip(counties, places, strict=True)]


def city_seat(city_code: str) -> tuple[float, float] | None:
    for code, _name, _prefix, seat, _counties in CITIES:
        if code == city_code:
            return seat
    return None
