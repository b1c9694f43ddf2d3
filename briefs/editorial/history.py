"""A brief's history: revisions (django-reversion) read back in the export format."""

from __future__ import annotations

from typing import Any

from reversion.models import Version

from briefs.ingest.exporting import BriefContent, Source
from briefs.ingest.exporting import Section as ExportedSection
from briefs.models import (
    Brief,
    Correction,
    KeyPoint,
    PublicVersion,
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
        if model in (KeyPoint, Section, TaggedBrief, TaggedSection):
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


# What restoring an old revision never changes: the brief's publication, its
# address, who owns it, its public record and where it was imported from.
# A restore brings back content; status moves only by an explicit action.
KEPT_FIELDS = (
    "slug",
    "status",
    "published_at",
    "created_by_id",
    "assigned_to_id",
    "public_version",
    "revised_at",
    "source_path",
    "source_sha256",
    "import_fingerprint",
    "import_version",
    "created_at",
)
# The same parts in the export format, for the restore page's diff.
KEPT_ON_RESTORE = ("slug", "status", "published_at", "source")


def version_brief(version: Version) -> Brief:
    """The brief as ``version`` recorded it, unsaved: how it stood when deleted."""
    names = {field.attname for field in Brief._meta.concrete_fields}
    fields = {k: v for k, v in version.field_dict.items() if k in names}
    return Brief(**{**fields, "id": int(version.object_id)})


def recover_clash(brief: Brief) -> str | None:
    """Why a deleted brief cannot come back as it was, or None."""
    taken = Brief.objects.filter(slug=brief.slug).first()
    if taken is not None:
        return (
            f"Its address ({brief.slug}) now belongs to “{taken.title}”: change "
            "that brief's address first."
        )
    if brief.source_path:
        taken = Brief.objects.filter(source_path=brief.source_path).first()
        if taken is not None:
            return (
                f"Its source document ({brief.source_path}) has been imported "
                f"again as “{taken.title}”."
            )
    return None


def recovered_fields(brief_pk: int) -> dict[str, Any]:
    """What a recovered brief starts from: a draft, with its public record as kept.

    Its status history, corrections and public versions outlived the deletion
    (they are records, see ``briefs.models.record_of``); the brief takes up
    its version count and latest note from them.
    """
    latest = (
        Correction.objects.filter(brief_id=brief_pk)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    number = (
        PublicVersion.objects.filter(brief_id=brief_pk)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return {
        "status": Brief.Status.DRAFT,
        "public_version": number or 0,
        "revised_at": latest,
    }


def restore_brief(version: Version) -> int:
    """Put back what ``version``'s revision recorded of its brief, and nothing else.

    A revision may hold other briefs too (one recorded before actions kept
    to one brief a revision); they are left as they are, as are the
    brief's public record and its status history. Key points, sections and
    tag rows the brief has now but the revision lacks are deleted. A tag row
    whose tag has since been deleted or merged away is skipped; returns how
    many were. Call inside a transaction: this writes several tables.
    """
    pk = int(version.object_id)
    by_model: dict[type, list[Version]] = {}
    for item in version.revision.version_set.select_related("content_type"):
        by_model.setdefault(item.content_type.model_class(), []).append(item)

    def rows(model, field: str, owners: set[int]) -> list[Version]:
        return [v for v in by_model.get(model, []) if v.field_dict[field] in owners]

    brief = [v for v in by_model.get(Brief, []) if int(v.object_id) == pk]
    key_points = rows(KeyPoint, "brief_id", {pk})
    sections = rows(Section, "brief_id", {pk})
    section_ids = {int(v.object_id) for v in sections}
    tag_rows = rows(TaggedBrief, "content_object_id", {pk}) + rows(
        TaggedSection, "content_object_id", section_ids
    )
    tag_ids = set(
        Tag.objects.filter(
            pk__in={v.field_dict["tag_id"] for v in tag_rows}
        ).values_list("pk", flat=True)
    )
    kept_tag_rows = [v for v in tag_rows if v.field_dict["tag_id"] in tag_ids]

    def ids(versions: list[Version], model) -> list[int]:
        return [
            int(v.object_id) for v in versions if v.content_type.model_class() is model
        ]

    KeyPoint.objects.filter(brief_id=pk).exclude(
        pk__in=ids(key_points, KeyPoint)
    ).delete()
    Section.objects.filter(brief_id=pk).exclude(pk__in=section_ids).delete()
    TaggedBrief.objects.filter(content_object_id=pk).exclude(
        pk__in=ids(kept_tag_rows, TaggedBrief)
    ).delete()
    TaggedSection.objects.filter(content_object__brief_id=pk).exclude(
        pk__in=ids(kept_tag_rows, TaggedSection)
    ).delete()
    for item in (*brief, *key_points, *sections, *kept_tag_rows):
        item.revert()
    return len(tag_rows) - len(kept_tag_rows)
