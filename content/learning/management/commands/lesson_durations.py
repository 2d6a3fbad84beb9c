"""`manage.py lesson_durations [--fix]`: list the video and audio lessons whose duration is not their
recording's (such a lesson cannot be finished by playing it to the end), and with --fix correct them."""

from django.core.management.base import BaseCommand

from content.learning.durations import lesson_durations_check


class Command(BaseCommand):
    help = "List (and with --fix correct) video and audio lessons whose duration is not their recording's."

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="Give each such lesson its recording's duration.")

    def handle(self, *args, fix: bool, **options):
        wrong = lesson_durations_check(fix=fix)
        for lesson, stored, duration in wrong:
            self.stdout.write(f"{lesson.pk}\t{lesson.title}\t{stored} s -> {duration} s")
        verb = "corrected" if fix else "to correct (run with --fix)"
        self.stdout.write(f"{len(wrong)} lessons {verb}")
