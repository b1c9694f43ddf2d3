"""How a public version reads: its snapshot (the export format) as its page
shows it."""

from __future__ import annotations

import datetime as dt

from briefs.markdown import render_markdown


def snapshot_text(snapshot: dict) -> dict:
    """A version's snapshot as the version page shows it.

    Section bodies become HTML through ``render_markdown``, which escapes raw
    HTML; everything else stays text for the template to escape. Keys missing
    from an older snapshot read as empty.
    """
    published = snapshot.get("published_at")
    sections = [
        {
            "heading": section.get("heading", ""),
            "anchor": section.get("anchor", ""),
            "body_html": render_markdown(section.get("body", "")),
        }
        for section in snapshot.get("sections", [])
    ]
    return {
        "title": snapshot.get("title", ""),
        "dateline": snapshot.get("dateline", ""),
        "published_at": dt.datetime.fromisoformat(published) if published else None,
        "byline": snapshot.get("byline", ""),
        "authors": [author["name"] for author in snapshot.get("authors", [])],
        "source_name": snapshot.get("source_name", ""),
        "source_url": snapshot.get("source_url", ""),
        "key_points": snapshot.get("key_points", []),
        "sections": sections,
        "outline": [section for section in sections if section["heading"]],
    }
