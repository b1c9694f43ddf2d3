"""python manage.py export_briefs > briefs.json"""

import json

from django.core.management.base import BaseCommand

from briefs.exporting import export_briefs


class Command(BaseCommand):
    help = "Write every brief as JSON to stdout (the backup format; see the README)."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(export_briefs(), ensure_ascii=False, indent=2))
