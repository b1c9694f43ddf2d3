"""python manage.py export_briefs > briefs.json"""

import json
import re

from django.core.management.base import BaseCommand

from briefs.ingest.exporting import export_briefs

# JSON escapes only the C0 controls. These also drive a terminal or break a
# line (DEL, C1 controls, the Unicode line and paragraph separators) or
# reorder the text after them (the bidirectional controls), so they are
# written as \u escapes too: the same JSON value, safe to print.
_UNSAFE = re.compile(
    r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


class Command(BaseCommand):
    help = "Write every brief as JSON to stdout (the backup format; see the README)."

    def handle(self, *args, **options):
        text = json.dumps(export_briefs(), ensure_ascii=False, indent=2)
        self.stdout.write(_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))
