"""Give Wagtail's "Editors" group the permissions to manage people, units, shops, villages and branches."""

from django.db import migrations


def grant(apps, schema_editor):
    from core.people.permissions import editor_group_permissions_grant

    editor_group_permissions_grant(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_person"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        # Wagtail creates the "Editors" group and the admin-access permission in these.
        ("wagtailcore", "0002_initial_data"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
