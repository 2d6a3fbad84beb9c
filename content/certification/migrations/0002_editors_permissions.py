"""Give Wagtail's "Editors" group the certification permissions (keep programmes, see and revoke certificates)."""

from django.db import migrations


def grant(apps, schema_editor):
    from content.certification.permissions import editor_certification_permissions_grant

    editor_certification_permissions_grant(apps=apps, using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("certification", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
