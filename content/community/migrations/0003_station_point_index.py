"""Two indexes for the station search.

- A GiST index on each station's position as a PostgreSQL `point` (longitude, latitude), so the search asks for
  the nearest stations first (`ORDER BY point(longitude, latitude) <-> point(...) LIMIT n`) and PostgreSQL answers
  from the index, without an extension. Other databases (SQLite, the embedded default) get nothing: the search
  looks there in growing boxes on the (latitude, longitude) index.
- The weekly hours by station and weekday with their times, so "open now" reads a candidate's periods from the
  index alone.
"""

from django.db import migrations, models

POINT_INDEX = "community_station_point"


def point_index_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {POINT_INDEX} ON community_station USING gist (point(longitude, latitude))"
        )


def point_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {POINT_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("community", "0002_catalogue_and_editors")]

    operations = [
        migrations.RunPython(point_index_create, point_index_drop, elidable=False),
        migrations.AddIndex(
            model_name="weeklyhours",
            index=models.Index(fields=["station", "weekday", "opens", "closes"], name="community_hours_open"),
        ),
    ]
