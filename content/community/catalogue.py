"""The seed of the service catalogue: four categories and 36 services, as one city's stations offer them, and
the direct line's request categories. A data migration writes them once (editors keep them from then on); their
HSDS ids are derived from their codes, so every install gives a service the same id."""

from __future__ import annotations

import uuid

CATALOGUE_NAMESPACE = uuid.UUID("2f0c6b1e-4d8a-5f3b-9e27-6a1d0c8b4e53")


def catalogue_uuid(kind: str, code: str) -> uuid.UUID:
    return uuid.uuid5(CATALOGUE_NAMESPACE, f"{kind}:{code}")


# code, name, English name, description
CATEGORIES = [
    ("convenience", "便民服务", "Convenience", "快递、打印、缴费、饮水等日常便利。"),
    ("benefit", "惠民服务", "Welfare", "金融、农资、农产品等惠及村民的服务。"),
    ("charity", "公益慈善", "Charity", "关爱老人儿童、爱心捐赠和志愿服务。"),
    ("governance", "基层治理", "Grass-roots governance", "村务公开、民情收集、调解、法律和驿站。"),
]

# category, code, name, English name, capacity label (empty: no capacity)
SERVICES = [
    ("convenience", "parcel-pickup", "快递代收代寄", "Parcel pickup and sending", "件待取"),
    ("convenience", "printing", "打印复印", "Printing and copying", ""),
    ("convenience", "bill-payment", "生活缴费", "Utility bill payment", ""),
    ("convenience", "drinking-water", "免费饮用水", "Free drinking water", ""),
    ("convenience", "phone-charging", "手机充电", "Phone charging", ""),
    ("convenience", "umbrella-lending", "爱心雨伞借用", "Umbrella lending", "把可借"),
    ("convenience", "telecom-topup", "话费流量充值", "Phone credit top-up", ""),
    ("convenience", "fuel-card", "加油卡充值", "Fuel card top-up", ""),
    ("convenience", "bus-ticket", "车票代购", "Bus and train tickets", ""),
    ("convenience", "first-aid-kit", "便民药箱", "First-aid kit", ""),
    ("convenience", "newspaper", "报刊订阅", "Newspaper subscriptions", ""),
    ("benefit", "rural-cash", "助农取款", "Cash withdrawal for farmers", ""),
    ("benefit", "microcredit", "小额信贷咨询", "Small loans advice", ""),
    ("benefit", "social-insurance", "社保医保缴费", "Social and health insurance payment", ""),
    ("benefit", "farm-insurance", "农业保险代办", "Farm insurance", ""),
    ("benefit", "agri-supplies", "农资代购", "Seeds, fertiliser and farm supplies", "袋有货"),
    ("benefit", "rural-products", "农产品代销", "Selling the village's farm products", "箱在售"),
    ("benefit", "e-commerce", "电商代购", "Online shopping help", ""),
    ("benefit", "price-info", "农产品价格信息", "Farm product prices", ""),
    ("benefit", "job-info", "就业信息", "Job notices", ""),
    ("benefit", "clinic-booking", "预约挂号", "Hospital appointments", ""),
    ("charity", "elderly-care", "关爱空巢老人", "Care for elderly people living alone", ""),
    ("charity", "children-care", "留守儿童关爱", "Care for left-behind children", ""),
    ("charity", "donation-point", "爱心捐赠点", "Donation point", ""),
    ("charity", "volunteer-signup", "志愿服务报名", "Volunteer sign-up", ""),
    ("charity", "lost-and-found", "失物招领", "Lost and found", ""),
    ("charity", "love-supermarket", "爱心超市积分兑换", "Good-deed points exchange", ""),
    ("governance", "village-affairs", "村务公开", "Village affairs notices", ""),
    ("governance", "concerns", "民情收集", "Collecting villagers' concerns", ""),
    ("governance", "mediation", "矛盾纠纷调解", "Dispute mediation", ""),
    ("governance", "legal-info", "法律咨询", "Legal information", ""),
    ("governance", "anti-fraud", "反诈宣传", "Fraud prevention", ""),
    ("governance", "policy-info", "政策宣传", "Policy information", ""),
    ("governance", "rider-rest", "8+4 民生驿站（骑手歇脚）", "Rest stop for delivery riders (8+4)", "个座位空闲"),
    ("governance", "safety-report", "安全隐患上报", "Reporting safety hazards", ""),
    ("governance", "minor-protection", "未成年人保护宣传", "Protecting minors (no tobacco to minors)", ""),
]

# code, name, English name, amber after hours, target hours
REQUEST_CATEGORIES = [
    ("help", "求助", "Help needed", 4, 8),
    ("complaint", "投诉", "Complaint", 12, 24),
    ("question", "咨询", "Question", 24, 48),
    ("station", "服务站问题", "About a station", 24, 72),
    ("suggestion", "建议", "Suggestion", 72, 168),
]


def catalogue_seed(*, apps=None, using: str = "default") -> None:
    """Write the seed: what is missing is added (by code), nothing there is changed. The data migration calls it
    with the historical models; tests that flush the database call it again."""
    from django.apps import apps as global_apps

    apps = apps or global_apps
    ServiceCategory = apps.get_model("community", "ServiceCategory")
    ServiceKind = apps.get_model("community", "ServiceKind")
    RequestCategory = apps.get_model("community", "RequestCategory")
    categories = {}
    for order, (code, name, name_en, description) in enumerate(CATEGORIES):
        categories[code], _ = ServiceCategory.objects.using(using).get_or_create(
            code=code,
            defaults={
                "uuid": catalogue_uuid("category", code),
                "name": name,
                "name_en": name_en,
                "description": description,
                "sort_order": order,
            },
        )
    for order, (category, code, name, name_en, label) in enumerate(SERVICES):
        ServiceKind.objects.using(using).get_or_create(
            code=code,
            defaults={
                "uuid": catalogue_uuid("service", code),
                "category": categories[category],
                "name": name,
                "name_en": name_en,
                "has_capacity": bool(label),
                "capacity_label": label,
                "sort_order": order,
            },
        )
    for order, (code, name, name_en, amber, target) in enumerate(REQUEST_CATEGORIES):
        RequestCategory.objects.using(using).get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "amber_after_hours": amber,
                "target_hours": target,
                "sort_order": order,
            },
        )
