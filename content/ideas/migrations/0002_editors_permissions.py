"""Give Wagtail's "Editors" group the right to review and moderate ideas and to post challenges."""

from django.db import migrations

PERMISSIONS = {"idea": ("review", "moderate", "view", "change"), "challenge": ("post", "view", "change")}


def grant(apps, schema_editor):
    from core.people.permissions import editor_permissions_grant

    editor_permissions_grant(
        app_label="ideas", permissions=PERMISSIONS, with_admin_access=True, apps=apps, using=schema_editor.connection.alias
    )


class Migration(migrations.Migration):
    dependencies = [
        ("ideas", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
