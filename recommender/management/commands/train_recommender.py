"""``manage.py train_recommender``: fit on the activity statements and publish a new model file."""

from django.core.management.base import BaseCommand
from tqdm import tqdm


class Command(BaseCommand):
    help = "Train the recommender on the activity statements and publish the model (servers pick it up)."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **opts):
        from recommender.services import model_train

        quiet = opts["no_progress"] or opts["verbosity"] < 1

        def progress(rows, desc, total):
            return tqdm(
                rows, desc=desc, total=total, unit="stmt", disable=quiet, mininterval=1.0, file=self.stderr._out
            )

        path = model_train(progress=progress, stdout=self.stdout)
        if path is None:
            self.stdout.write("no model written: there are no statements about courses, lessons or livestreams")
