"""A brief's history: revisions (django-reversion) read back in the export format."""

from __future__ import annotations

from typing import Any

from reversion.models import Version

from briefs.ingest.exporting import AuthorRef, BriefContent, Source
from briefs.ingest.exporting import Section as ExportedSection
from briefs.models import (
    Author,
    Brief,
    BriefAuthor,
    KeyPoint,
    Section,
    Tag,
    TaggedBrief,
    TaggedSection,
)


def brief_versions(brief_pk: int):
    """The brief's versions, newest first, with their revisions."""
    return Version.objects.get_for_object_reference(Brief, brief_pk).select_related(
        "revision", "revision__user"
    )


def snapshot(version: Version) -> dict[str, Any]:
    """The whole brief as ``version``'s revision recorded it, in the export
    format without the record of change (``BriefContent``)."""
    by_model: dict[type, list[dict[str, Any]]] = {}
    for item in version.revision.version_set.select_related("content_type"):
        model = item.content_type.model_class()
        if model in (KeyPoint, BriefAuthor, Section, TaggedBrief, TaggedSection):
            by_model.setdefault(model, []).append(
                {"pk": int(item.object_id), **item.field_dict}
            )
    brief = version.field_dict
    pk = int(version.object_id)

    key_points = sorted(
        (p for p in by_model.get(KeyPoint, []) if p["brief_id"] == pk),
        key=lambda p: (p["position"], p["pk"]),
    )
    sections = sorted(
        (s for s in by_model.get(Section, []) if s["brief_id"] == pk),
        key=lambda s: (s["position"], s["pk"]),
    )
    tagged_sections = by_model.get(TaggedSection, [])
    tagged_brief = [
        t for t in by_model.get(TaggedBrief, []) if t["content_object_id"] == pk
    ]
    tag_ids = {t["tag_id"] for t in (*tagged_sections, *tagged_brief)}
    names = {tag.pk: tag.name for tag in Tag.objects.filter(pk__in=tag_ids)}

    credits = sorted(
        (c for c in by_model.get(BriefAuthor, []) if c["brief_id"] == pk),
        key=lambda c: (c["position"], c["pk"]),
    )
    # Authors are not versioned: their names now, or a placeholder for one
    # since deleted (an author is deleted only once no brief credits them).
    people = Author.objects.in_bulk([c["author_id"] for c in credits])

    def tag_names(rows) -> list[str]:
        return [
            names.get(row["tag_id"], f"(deleted tag {row['tag_id']})") for row in rows
        ]

    # Fields a brief gained later are missing from older revisions.
    return BriefContent(
        slug=brief["slug"],
        title=brief["title"],
        status=brief["status"],
        dateline=brief["dateline"],
        summary=brief["summary"],
        published_at=brief.get("published_at"),
        source_name=brief.get("source_name", ""),
        byline=brief.get("byline", ""),
        authors=[
            AuthorRef(
                name=people[c["author_id"]].name, slug=people[c["author_id"]].slug
            )
            if c["author_id"] in people
            else AuthorRef(name=f"(deleted author {c['author_id']})", slug="")
            for c in credits
        ],
        source_url=brief.get("source_url", ""),
        key_points=[p["text"] for p in key_points],
        sections=[
            ExportedSection(
                heading=s["heading"],
                anchor=s["anchor"],
                body=s["body"],
                tags=tag_names(
                    t for t in tagged_sections if t["content_object_id"] == s["pk"]
                ),
            )
            for s in sections
        ],
        tags=tag_names(tagged_brief),
        source=Source.of(brief.get("source_path", ""), brief.get("source_sha256", "")),
    ).model_dump()


def version_brief(version: Version) -> Brief:
    """The brief as ``version`` recorded it, unsaved: how it stood when deleted."""
    names = {field.attname for field in Brief._meta.concrete_fields}
    fields = {k: v for k, v in version.field_dict.items() if k in names}
    return Brief(**{**fields, "id": int(version.object_id)})
