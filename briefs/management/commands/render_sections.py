"""python manage.py render_sections"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from briefs import caching
from briefs.markdown import render_all
from briefs.models import Section
from briefs.tag_counts import lock_counts


class Command(BaseCommand):
    help = (
        "Render every section's Markdown into its stored HTML again. Saves keep "
        "it current; run this after a change to the Markdown renderer."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            # Every section, locked in one order with the writes that move
            # counts (an import writes sections under the same lock).
            lock_counts()
            changed = render_all(Section)
            if changed:
                caching.content_changed()
        total = Section.objects.count()
        self.stdout.write(
            f"Rendered {total} section{'' if total == 1 else 's'}; {changed} changed."
        )
