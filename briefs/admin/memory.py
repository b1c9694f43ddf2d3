"""Delete pages without the rows no editor knows about."""

from __future__ import annotations

from django.utils.text import capfirst

from briefs.models import TAGGER_MEMORY, SearchEntry

# Rows that go with a brief, section or tag but are the site's own
# bookkeeping, not content: the tagger's memory (``proposed_tags`` rows) and
# the search index's entries.
BOOKKEEPING = (*TAGGER_MEMORY, SearchEntry)


class HidesTaggerMemory:
    """Delete pages that leave out the site's bookkeeping (``BOOKKEEPING``).

    The brief's own delete pages (``templates/admin/briefs/brief/``) go
    further and say in words what goes with a brief; the tag's list what
    Django finds, less this.
    """

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms, protected = super().get_deleted_objects(objs, request)
        hidden = [model._meta for model in BOOKKEEPING]
        labels = tuple(f"{capfirst(opts.verbose_name)}: " for opts in hidden)
        plurals = {opts.verbose_name_plural for opts in hidden}

        def listed(items: list) -> list:
            return [
                listed(item) if isinstance(item, list) else item
                for item in items
                if not (isinstance(item, str) and item.startswith(labels))
            ]

        counts = {name: n for name, n in counts.items() if name not in plurals}
        return listed(deleted), counts, perms, protected
