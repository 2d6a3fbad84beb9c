"""Give Wagtail's "Editors" group the livestreams permissions (keep the chat word filter)."""

from django.db import migrations


def grant(apps, schema_editor):
    from content.livestreams.permissions import editor_livestreams_permissions_grant

    editor_livestreams_permissions_grant(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("livestreams", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
