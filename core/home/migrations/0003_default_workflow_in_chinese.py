"""Wagtail's migrations name the default workflow and its task "Moderators approval" (stored data, which
no catalogue translates): give them the Chinese name editors read in the admin, unless already renamed."""

from django.db import migrations

ENGLISH, CHINESE = "Moderators approval", "审核员审批"


def rename(apps, schema_editor, old=ENGLISH, new=CHINESE):
    apps.get_model("wagtailcore.Workflow").objects.filter(name=old).update(name=new)
    apps.get_model("wagtailcore.Task").objects.filter(name=old).update(name=new)


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, old=CHINESE, new=ENGLISH)


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0002_create_homepage"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
