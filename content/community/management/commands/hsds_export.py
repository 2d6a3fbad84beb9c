"""`manage.py hsds_export FOLDER`: write the whole station catalogue as an HSDS 3.0 data package."""

from pathlib import Path

from django.core.management.base import BaseCommand

from content.community.datapackage import catalogue_export


class Command(BaseCommand):
    help = "Export the station catalogue as an Open Referral HSDS 3.0 data package (JSON) into a folder."

    def add_arguments(self, parser):
        parser.add_argument("folder")

    def handle(self, *args, folder, **options):
        counts = catalogue_export(Path(folder))
        self.stdout.write(", ".join(f"{name}: {n}" for name, n in counts.items()))
