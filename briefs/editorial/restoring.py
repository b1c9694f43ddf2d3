"""Restoring an old revision of a brief, or recovering a deleted one, by its edit form.

The admin shows the change form over the brief as the revision recorded it:
``Restoring.put_back`` writes that content in a transaction, which is rolled
back after the form is shown, or kept when the form is saved. A
``Restoring`` is made from the brief as it stands before anything is put
back, and carries what the form and its save need to know of it;
``restore_brief`` is the write itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reversion.models import Version

from briefs.editorial.diffing import BriefDiff, diff_briefs
from briefs.editorial.history import snapshot
from briefs.ingest.exporting import brief_to_dict
from briefs.models import (
    Author,
    Brief,
    BriefAuthor,
    Correction,
    KeyPoint,
    PublicVersion,
    Section,
    StatusChange,
    Tag,
    TaggedBrief,
    TaggedSection,
)

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


@dataclass(frozen=True)
class Restoring:
    """A restore or a recovery under way."""

    via: str
    # Written back over the old revision before the form is shown or saved.
    kept: dict[str, Any]
    # The brief's edit version today (a restore), so the save continues from it.
    current_version: int | None = None
    # The brief as it was when deleted (a recovery).
    deleted: Brief | None = None

    @classmethod
    def revision_of(cls, brief: Brief) -> Restoring:
        """Restoring an old revision of ``brief``, as it is in the database now.

        The brief keeps its publication, address, ownership and public
        record (``KEPT_FIELDS``) and continues from today's edit version.
        """
        return cls(
            via=StatusChange.Via.RESTORE,
            kept={name: getattr(brief, name) for name in KEPT_FIELDS},
            current_version=brief.version,
        )

    @classmethod
    def recovery_of(cls, deleted: Brief) -> Restoring:
        """Recovering ``deleted`` (the brief as its deletion recorded it) as a draft."""
        return cls(
            via=StatusChange.Via.RECOVER,
            kept=recovered_fields(deleted.pk),
            deleted=deleted,
        )

    def put_back(self, version: Version) -> int:
        """Put back ``version``'s content of its brief, then what this keeps.

        Returns how many tag rows were left out because their tag is gone
        (see ``restore_brief``). Call inside a transaction.
        """
        skipped = restore_brief(version)
        Brief.objects.filter(pk=version.object_id).update(**self.kept)
        return skipped

    @property
    def status_note(self) -> str:
        """The note on the status change this save records."""
        if self.deleted is None:
            return ""
        return f"Recovered after deletion; it was {self.deleted.state_label}"


def restore_diff(brief: Brief, version: Version) -> BriefDiff:
    """What restoring ``version`` would change in ``brief`` (loaded ``with_outline()``).

    The parts a restore keeps (``KEPT_ON_RESTORE``) show as unchanged.
    """
    current = brief_to_dict(brief)
    restored = {**snapshot(version), **{k: current[k] for k in KEPT_ON_RESTORE}}
    return diff_briefs(current, restored)


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
    brief's public record and its status history. Key points, sections, tag
    rows and credits the brief has now but the revision lacks are deleted. A
    tag row whose tag has since been deleted or merged away is skipped;
    returns how many were. A credit of an author since deleted is skipped
    too. Call inside a transaction: this writes several tables.
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
    # Credits of an author since deleted (possible once nothing credits
    # them) cannot come back; the others do, in their order.
    credits = rows(BriefAuthor, "brief_id", {pk})
    author_ids = set(
        Author.objects.filter(
            pk__in={v.field_dict["author_id"] for v in credits}
        ).values_list("pk", flat=True)
    )
    kept_credits = [v for v in credits if v.field_dict["author_id"] in author_ids]

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
    # Before the revert: a credit row of the revision may name an author
    # another row credits now (one author per brief).
    BriefAuthor.objects.filter(brief_id=pk).exclude(
        pk__in=ids(kept_credits, BriefAuthor)
    ).delete()
    for item in (*brief, *key_points, *sections, *kept_tag_rows, *kept_credits):
        item.revert()
    return len(tag_rows) - len(kept_tag_rows)
