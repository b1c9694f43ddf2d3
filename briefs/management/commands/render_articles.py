"""python manage.py render_articles"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from briefs.reading import articles


class Command(BaseCommand):
    help = (
        "Render and store the article of every brief whose stored article is "
        "missing, stale or of another release. A save renders its brief's "
        "again itself; run this after an import, a tag's rename or a new release."
    )

    def handle(self, *args, **options):
        stored = skipped = 0
        for brief_id in articles.missing():
            if articles.render_stored(brief_id):
                stored += 1
            else:  # deleted or written meanwhile: rendered again by that write
                skipped += 1
        self.stdout.write(
            f"Stored {stored} article{'' if stored == 1 else 's'}"
            + (f"; {skipped} changed meanwhile." if skipped else ".")
        )
