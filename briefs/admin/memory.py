"""Delete pages without the tagger's memory."""

from __future__ import annotations

from django.utils.text import capfirst

from briefs.models import TAGGER_MEMORY


class HidesTaggerMemory:
    """Delete pages that leave out the tagger's memory (``proposed_tags``
    rows), which goes with a brief, section or tag but is not content."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms, protected = super().get_deleted_objects(objs, request)
        memory = [model._meta for model in TAGGER_MEMORY]
        labels = tuple(f"{capfirst(opts.verbose_name)}: " for opts in memory)
        plurals = {opts.verbose_name_plural for opts in memory}

        def listed(items: list) -> list:
            return [
                listed(item) if isinstance(item, list) else item
                for item in items
                if not (isinstance(item, str) and item.startswith(labels))
            ]

        counts = {name: n for name, n in counts.items() if name not in plurals}
        return listed(deleted), counts, perms, protected
