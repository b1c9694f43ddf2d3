"""The export format: every brief as plain JSON-ready data.

This is the backup format and what other tools read, so its shape is stable;
the README documents it. New keys may be added; existing keys never change
meaning.

The shape is written once, as the pydantic models below, in the order the
keys appear. The export fills them from a brief (``ExportedBrief.from_brief``),
history from a revision (``briefs.editorial.history.snapshot``), and the API
(``briefs.api``) from a published brief, adding ``url`` and ``updated_at``;
the API's OpenAPI document is generated from them. Models, not dicts, so a
missing, extra or misspelt key is an error wherever it is filled in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from briefs import models

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


# Python's ISO 8601 with its offset (+00:00), as the format has always been
# written; pydantic's own JSON would write Z.
DateTime = Annotated[
    dt.datetime,
    PlainSerializer(dt.datetime.isoformat, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
TagNames = Annotated[list[str], AfterValidator(sorted_names)]


class Shape(BaseModel):
    """Part of the format: exactly these keys, in this order."""

    model_config = ConfigDict(extra="forbid")


class Section(Shape):
    """One section of a brief, in order."""

    heading: str = Field(description="Empty for the opening section.")
    anchor: str = Field(
        description="The section's id on the brief page: `url` + `#` + anchor."
    )
    body: str = Field(description="CommonMark.")
    tags: TagNames = Field(
        description="The section's tag names, sorted case-insensitively."
    )


class Source(Shape):
    """The source document an imported brief came from."""

    path: str = Field(
        description="In the API, relative to the project for files inside it "
        "and only the file name for files outside it: never an absolute path. "
        "Exports keep the path the importer recorded."
    )
    sha256: str = Field(description="Hex digest of the file as last imported.")

    @classmethod
    def of(cls, path: str, sha256: str) -> Source | None:
        """None for a brief that was not imported from a file."""
        return cls(path=path, sha256=sha256) if path else None


class AuthorRef(Shape):
    """An author credited on a brief."""

    name: str
    slug: str = Field(
        description="The author's page is /authors/<slug>/ while they have a "
        "published brief; empty for an author since deleted (in history)."
    )


class Correction(Shape):
    """A dated public note on a change to the published brief."""

    kind: Literal["update", "correction"] = Field(
        description="`update`: new information; `correction`: an error fixed."
    )
    note: str = Field(description="Plain text, for readers.")
    date: DateTime = Field(
        description="ISO 8601 with offset: when the change was made public."
    )


class BriefContent(Shape):
    """A brief's own content, without the readers' record of change: what a
    revision records and a public version keeps."""

    slug: str = Field(description="Unique; the brief's address is built from it.")
    title: str
    status: str = Field(description="draft, review, published or archived.")
    dateline: str = Field(description="May be empty.")
    summary: str = Field(description="May be empty.")
    published_at: DateTime | None = Field(
        description="ISO 8601 with offset; null for a brief never published."
    )
    source_name: str = Field(description="May be empty.")
    byline: str = Field(description="May be empty: the source's own words.")
    authors: list[AuthorRef] = Field(
        description="The people credited, in order; may be empty (as in "
        "revisions from before authors were kept)."
    )
    source_url: str = Field(description="An http or https URL, or empty.")
    key_points: list[str] = Field(description="In order.")
    sections: list[Section] = Field(description="In order.")
    tags: TagNames = Field(
        description="The brief's own tag names, sorted case-insensitively."
    )
    source: Source | None = Field(
        description="Null for briefs not imported from a file."
    )


class ExportedBrief(BriefContent):
    """A brief in the export format: its content and the readers' record of
    change (see ``briefs.editorial.versions``)."""

    version: int | None = Field(
        ge=1,
        description="The current public version: 1 when first published, one "
        "more for each publication again, update or correction (minor edits "
        "make none). Null until the brief is first published. Version N is "
        "readable at the brief's address + `versions/N/`.",
    )
    corrections: list[Correction] = Field(
        description="Updates and corrections made public, oldest first."
    )

    @classmethod
    def from_brief(cls, brief: models.Brief, **extra: Any) -> Self:
        """``brief`` in this shape; prefetch with ``with_outline()`` first.

        ``extra`` fills the keys a subclass adds. Corrections are sorted here,
        not by the query: ``with_outline()`` prefetches them oldest first, but
        the relation's own ordering is newest first.
        """
        notes = sorted(brief.corrections.all(), key=lambda c: (c.created_at, c.pk))
        return cls(
            slug=brief.slug,
            title=brief.title,
            status=brief.status,
            dateline=brief.dateline,
            summary=brief.summary,
            published_at=brief.published_at,
            source_name=brief.source_name,
            byline=brief.byline,
            authors=[
                AuthorRef(name=author.name, slug=author.slug)
                for author in brief.author_list
            ],
            source_url=brief.source_url,
            key_points=[point.text for point in brief.key_points.all()],
            sections=[
                Section(
                    heading=section.heading,
                    anchor=section.anchor,
                    body=section.body,
                    tags=[tag.name for tag in section.tags.all()],
                )
                for section in brief.sections.all()
            ],
            tags=[tag.name for tag in brief.tags.all()],
            source=Source.of(brief.source_path, brief.source_sha256),
            version=brief.public_version or None,
            corrections=[
                Correction(kind=note.kind, note=note.note, date=note.created_at)
                for note in notes
            ],
            **extra,
        )


def brief_to_dict(brief: models.Brief) -> dict[str, Any]:
    """One brief in the export format. Prefetch with ``with_outline()`` first."""
    return ExportedBrief.from_brief(brief).model_dump()


def export_briefs(queryset=None) -> list[dict[str, Any]]:
    """Every brief (or those of ``queryset``) in the export format, oldest first."""
    briefs = (
        queryset if queryset is not None else models.Brief.objects.all()
    ).with_outline()
    return [brief_to_dict(brief) for brief in briefs.order_by("created_at", "pk")]


def content_fingerprint(data: dict[str, Any]) -> str:
    """A sha256 over the editable content of an exported brief."""
    content = {key: data[key] for key in CONTENT_KEYS}
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()
