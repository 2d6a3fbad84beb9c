"""Freeze the final standings of contests that have ended and award their winners."""

from django.core.management.base import BaseCommand

from realtime.services.freeze import contests_freeze_ended


class Command(BaseCommand):
    help = "Freeze the final standings of ended contests from the ledger and award the winners (safe to repeat)."

    def handle(self, *args, **options):
        for contest in contests_freeze_ended():
            self.stdout.write(f"{contest.slug}: final standings frozen")
