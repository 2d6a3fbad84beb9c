"""manage.py xapi_client NAME [--trusted]: create an xAPI client and print its key and secret once."""

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError

from ...services import xapi_client_create


class Command(BaseCommand):
    help = "Create an xAPI client and print its key and secret (the secret is shown only this once)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="A unique name for the client, for example the app that will call us.")
        parser.add_argument(
            "--trusted", action="store_true", help="Its statements count towards contests and dashboards."
        )

    def handle(self, *args, name: str, trusted: bool, **options):
        try:
            client, secret = xapi_client_create(name=name, trusted=trusted)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"name:    {client.name}")
        self.stdout.write(f"key:     {client.key}")
        self.stdout.write(f"secret:  {secret}")
        self.stdout.write(f"trusted: {'yes' if client.trusted else 'no'}")
        self.stdout.write("Keep the secret now: only its hash is stored, it cannot be shown again.")
