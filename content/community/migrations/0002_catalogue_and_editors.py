"""The service catalogue's seed (four categories, 36 services), the direct line's request categories, and the
editors' permissions. Written once: editors keep the catalogue from then on (a second run adds only what is
missing). HSDS ids come from the codes, so every install names a service the same way."""

from django.db import migrations


def seed(apps, schema_editor):
    from content.community.catalogue import CATEGORIES, REQUEST_CATEGORIES, SERVICES, catalogue_uuid
    from content.community.permissions import editor_community_permissions_grant

    using = schema_editor.connection.alias
    ServiceCategory = apps.get_model("community", "ServiceCategory")
    ServiceKind = apps.get_model("community", "ServiceKind")
    RequestCategory = apps.get_model("community", "RequestCategory")
    categories = {}
    for order, (code, name, name_en, description) in enumerate(CATEGORIES):
        categories[code], _ = ServiceCategory.objects.using(using).get_or_create(
            code=code,
            defaults={"uuid": catalogue_uuid("category", code), "name": name, "name_en": name_en,
                      "description": description, "sort_order": order},
        )
    for order, (category, code, name, name_en, label) in enumerate(SERVICES):
        ServiceKind.objects.using(using).get_or_create(
            code=code,
            defaults={"uuid": catalogue_uuid("service", code), "category": categories[category], "name": name,
                      "name_en": name_en, "has_capacity": bool(label), "capacity_label": label, "sort_order": order},
        )
    for order, (code, name, name_en, amber, target) in enumerate(REQUEST_CATEGORIES):
        RequestCategory.objects.using(using).get_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "amber_after_hours": amber, "target_hours": target,
                      "sort_order": order},
        )
    editor_community_permissions_grant(apps=apps, using=using)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
