"""`manage.py hsds_import FOLDER`: read a package written by hsds_export (the catalogue, in one transaction)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from content.community.datapackage import PackageInvalid, catalogue_import


class Command(BaseCommand):
    help = "Import a station catalogue written by hsds_export (an HSDS 3.0 data package)."

    def add_arguments(self, parser):
        parser.add_argument("folder")

    def handle(self, *args, folder, **options):
        try:
            counts = catalogue_import(Path(folder))
        except PackageInvalid as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(", ".join(f"{name}: {n}" for name, n in counts.items()))
