from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from nonprod.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, load_demo_data
from nonprod.esr_demo import PATH as ESR_PATH
from nonprod.outbox import deliver_without_email


class Command(BaseCommand):
    help = "Create two demo organisations with about 50 staff, and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load demo data even though DEBUG is off (never on a real deployment).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Demo data is for development: DEBUG is off. Use --force if you really mean it."
            )
        logins = load_demo_data()
        deliver_without_email()  # the demo's own notifications: no email (nonprod/outbox.py)
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Sign in at /accounts/login/ as:"))
        width = max(len(role) for role, _ in logins)
        for role, email in logins:
            self.stdout.write(f"  {role.ljust(width)}  {email}")
        self.stdout.write(f"  Password for every demo login: {DEMO_PASSWORD}")
        self.stdout.write(
            "  Programme admins and the wellbeing lead also need a code from an authenticator"
            f" app set up with this key (time-based): {DEMO_TOTP_SECRET}"
        )
        self.stdout.write(
            "  An ESR export of Westfield to import as the programme admin: "
            f"{ESR_PATH.relative_to(settings.BASE_DIR)}"
        )
