"""Give Wagtail's "Editors" group the permissions to run contests: indices, dimensions, rules and their bonus
windows, contests (add, change, view), and to read the ledger, rules versions, final standings and awards."""

from django.db import migrations

EDITABLE = ("index", "dimension", "rule", "bonuswindow", "contest")
READABLE = ("pointsentry", "rulesetversion", "finalstanding", "award", "league", "leaguemember")


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    alias = schema_editor.connection.alias
    app_config = apps.get_app_config("realtime")
    previous = getattr(app_config, "models_module", None)
    if previous is None:
        app_config.models_module = True
    try:
        create_permissions(app_config, apps=apps, verbosity=0, using=alias)
    finally:
        if previous is None:
            app_config.models_module = previous
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.using(alias).get_or_create(name="Editors")
    codenames = [f"{action}_{model}" for model in EDITABLE for action in ("add", "change", "view")]
    codenames += ["delete_bonuswindow"] + [f"view_{model}" for model in READABLE]
    group.permissions.add(
        *Permission.objects.using(alias).filter(content_type__app_label="realtime", codename__in=codenames)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("realtime", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
