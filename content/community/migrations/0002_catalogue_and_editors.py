"""The service catalogue's seed (four categories, 36 services), the direct line's request categories, and the
editors' permissions. Written once: editors keep the catalogue from then on (a second run adds only what is
missing). HSDS ids come from the codes, so every install names a service the same way."""

from django.db import migrations


def seed(apps, schema_editor):
    from content.community.catalogue import catalogue_seed
    from content.community.permissions import editor_community_permissions_grant

    catalogue_seed(apps=apps, using=schema_editor.connection.alias)
    editor_community_permissions_grant(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
