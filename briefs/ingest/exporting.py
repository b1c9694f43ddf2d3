"""The export format: every brief as plain JSON-ready data.

This is the backup format and what other tools read, so its shape is stable;
the README documents it. New keys may be added; existing keys never change
meaning.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from briefs.models import Brief

# The parts of a brief that an import writes and an editor may change. Their
# fingerprint tells whether an editor has touched a brief since its import.
CONTENT_KEYS = (
    "title",
    "dateline",
    "summary",
    "source_name",
    "byline",
    "source_url",
    "key_points",
    "sections",
    "tags",
)


def sorted_names(names: Iterable[str]) -> list[str]:
    return sorted(names, key=lambda name: (name.casefold(), name))


def corrections_to_list(brief: Brief) -> list[dict[str, str]]:
    """The brief's public notes, oldest first: ``[{kind, note, date}]``.

    Sorted here, not by the query: ``with_outline()`` prefetches them oldest
    first, but the relation's own ordering is newest first.
    """
    notes = sorted(brief.corrections.all(), key=lambda c: (c.created_at, c.pk))
    return [
        {"kind": note.kind, "note": note.note, "date": note.created_at.isoformat()}
        for note in notes
    ]


def brief_to_dict(brief: Brief) -> dict[str, Any]:
    """One brief in the export format. Prefetch with ``with_outline()`` first.

    ``version`` and ``corrections`` are the readers' record of change (see
    ``briefs.editorial.versions``): the current public version's number, null until
    the brief is first published, and the dated public notes.
    """
    return {
        "slug": brief.slug,
        "title": brief.title,
        "status": brief.status,
        "dateline": brief.dateline,
        "summary": brief.summary,
        "published_at": brief.published_at.isoformat() if brief.published_at else None,
        "source_name": brief.source_name,
        "byline": brief.byline,
        "source_url": brief.source_url,
        "key_points": [point.text for point in brief.key_points.all()],
        "sections": [
            {
                "heading": section.heading,
                "anchor": section.anchor,
                "body": section.body,
                "tags": sorted_names(tag.name for tag in section.tags.all()),
            }
            for section in brief.sections.all()
        ],
        "tags": sorted_names(tag.name for tag in brief.tags.all()),
        "source": (
            {"path": brief.source_path, "sha256": brief.source_sha256}
            if brief.source_path
            else None
        ),
        "version": brief.public_version or None,
        "corrections": corrections_to_list(brief),
    }


def export_briefs(queryset=None) -> list[dict[str, Any]]:
    """Every brief (or those of ``queryset``) in the export format, oldest first."""
    briefs = (queryset if queryset is not None else Brief.objects.all()).with_outline()
    return [brief_to_dict(brief) for brief in briefs.order_by("created_at", "pk")]


def content_fingerprint(data: dict[str, Any]) -> str:
    """A sha256 over the editable content of an exported brief."""
    content = {key: data[key] for key in CONTENT_KEYS}
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()
