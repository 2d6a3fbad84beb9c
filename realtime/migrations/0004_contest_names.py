"""One rule for masking names, set per contest: `names` (full / surname only) replaces the `anonymised` flag, whose
contests keep masking."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    Contest = apps.get_model("realtime", "Contest")
    Contest.objects.filter(anonymised=True).update(names="masked")


def backwards(apps, schema_editor):
    Contest = apps.get_model("realtime", "Contest")
    Contest.objects.filter(names="masked").update(anonymised=True)


class Migration(migrations.Migration):
    dependencies = [("realtime", "0003_dimension_name_en_index_name_en")]

    operations = [
        migrations.AddField(
            model_name="contest",
            name="names",
            field=models.CharField(
                choices=[("full", "Full names (王建国)"), ("masked", "Surname only (王**)")],
                default="full",
                help_text=(
                    "How people's names appear wherever this contest is shown: the live board, the big screen, the "
                    "final standings, the archive and the weekly leagues, while it runs and after it ends. A person "
                    "always sees their own name; branch names are never masked."
                ),
                max_length=10,
                verbose_name="names on the board",
            ),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.RemoveField(model_name="contest", name="anonymised"),
    ]
