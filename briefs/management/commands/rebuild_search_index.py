"""python manage.py rebuild_search_index"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from briefs.search import reindex_all


class Command(BaseCommand):
    help = (
        "Rebuild the full-text search index from every brief, in one transaction. "
        "Saves, imports and deletes keep it in step; run this after restoring a "
        "database from elsewhere, or if search results look out of date."
    )

    def handle(self, *args, **options):
        briefs, entries = reindex_all()
        self.stdout.write(
            f"Indexed {briefs} brief{'' if briefs == 1 else 's'} "
            f"({entries} search entr{'y' if entries == 1 else 'ies'})."
        )
