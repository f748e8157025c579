from django.core.management.base import BaseCommand

from nonprod.esr_demo import PATH, demo_esr_text


class Command(BaseCommand):
    help = "Write the demo ESR export of Westfield (nonprod/fixtures/westfield-esr.csv) afresh."

    def handle(self, *args, **options):
        PATH.parent.mkdir(exist_ok=True)
        PATH.write_text(demo_esr_text(), encoding="utf-8")
        self.stdout.write(f"Wrote {PATH}")
