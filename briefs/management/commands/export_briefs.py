"""python manage.py export_briefs > briefs.json"""

import json

from django.core.management.base import BaseCommand

from briefs.control_chars import json_safe
from briefs.ingest.exporting import export_briefs


class Command(BaseCommand):
    help = "Write every brief as JSON to stdout (the backup format; see the README)."

    def handle(self, *args, **options):
        text = json.dumps(export_briefs(), ensure_ascii=False, indent=2)
        self.stdout.write(json_safe(text))
