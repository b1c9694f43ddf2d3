"""Import source documents as briefs: one file, one brief, all or nothing
(in a run's batch of documents, the new briefs are written together, and
each again on its own should one of them fail).

The parser (``briefs.ingest.parsing``) turns text into structure; this module does
the database work. A brief's identity is its source file's path. An unchanged
file is left alone; a changed one updates its brief only while no editor has
changed the brief since the last import. ``import_paths`` is a whole run:
the files and folders given, with the starter vocabulary loaded first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import gc
import hashlib
import os
import stat
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import reversion
from django.conf import settings
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DatabaseError, connections, router, transaction
from django.db.models import (
    CompositePrimaryKey,
    Model,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.encoding import force_str, is_protected_type
from django.utils.text import slugify
from django.utils.translation import gettext
from reversion import revisions as reversion_revisions
from reversion.models import Revision, Version
from taggit.models import ItemBase

from briefs import search
from briefs.control_chars import visible
from briefs.editorial import versions
from briefs.ingest.bylines import byline_names, person_names
from briefs.ingest.documents import SUFFIXES, read_document
from briefs.ingest.exporting import brief_to_dict, content_fingerprint, sorted_names
from briefs.ingest.parsing import ParsedDocument, ParsedSection, ParseError
from briefs.markdown import paragraphs_to_markdown, render_markdown
from briefs.models import (
    Author,
    Brief,
    BriefAuthor,
    BriefProposal,
    Correction,
    KeyPoint,
    Section,
    SectionProposal,
    StatusChange,
    Tag,
    TaggedBrief,
    TaggedSection,
    briefs_touched,
    now_to_the_second,
    unique_anchor,
)
from briefs.reading import articles
from briefs.tag_counts import lock_counts
from briefs.tagging.tagger import Tagger, section_text
from briefs.tagging.vocabulary import (
    TagRows,
    VocabularyLoad,
    build_tagger,
    load_starter_vocabulary,
    vocabulary_tagger,
)


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    CONFLICT = "conflict"
    FAILED = "failed"


@dataclass(frozen=True)
class ImportResult:
    path: str
    outcome: Outcome
    slug: str = ""
    detail: str = ""
    warnings: tuple[str, ...] = ()
    # What a dry run would write (plan_brief's), for the editor checking a batch.
    plan: dict[str, Any] | None = field(default=None, compare=False)


class ImportFailure(Exception):
    """A file that cannot be imported; the message says why."""


def source_path_for(path: Path, *, follow_symlinks: bool = True) -> str:
    """The path a brief records: relative to the project for files inside it.

    A symbolic link that is not followed is named where it is, not where it
    points; so is a loop of links.
    """
    resolved = _absolute(path, follow_symlinks=follow_symlinks)
    try:
        return resolved.relative_to(_project(str(settings.BASE_DIR))).as_posix()
    except ValueError:
        return resolved.as_posix()


@functools.lru_cache(maxsize=4)
def _project(base_dir: str) -> Path:
    # Resolved once, not for every file of a run.
    return Path(base_dir).resolve()


def _absolute(path: Path, *, follow_symlinks: bool) -> Path:
    # Python 3.11 raises RuntimeError, not OSError, for a loop of links.
    if follow_symlinks:
        with contextlib.suppress(OSError, RuntimeError):
            return path.resolve()
    with contextlib.suppress(OSError, RuntimeError):
        return path.parent.resolve() / path.name
    return path.absolute()


LINK_REFUSED = (
    "is a symbolic link; links are followed only when named with --follow-symlinks"
)
_SPECIAL_FILES = {
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


def read_source(path: Path, *, max_bytes: int, follow_symlinks: bool = False) -> bytes:
    """The bytes of the regular file at ``path``, reading no further than ``max_bytes``.

    Raises ImportFailure for anything else: a folder, a FIFO, a socket, a
    device, and a symbolic link unless ``follow_symlinks``. The file is
    checked before it is opened and again once open, since it may be
    swapped in between; and it is opened so that the open cannot block (on
    a FIFO with no writer) nor follow a link that was not allowed.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
    if not follow_symlinks:
        flags |= os.O_NOFOLLOW
    try:
        _refuse_unless_regular(os.stat(path, follow_symlinks=follow_symlinks))
        descriptor = os.open(path, flags)
    except FileNotFoundError:
        raise ImportFailure("no such file") from None
    except OSError as error:
        if error.errno != errno.ELOOP:
            raise ImportFailure(f"cannot read the file ({error.strerror})") from None
        if not follow_symlinks and os.path.islink(path):
            raise ImportFailure(LINK_REFUSED) from None
        raise ImportFailure(
            "a loop of symbolic links (one leads back to itself)"
        ) from None
    with open(descriptor, "rb") as handle:
        _refuse_unless_regular(os.fstat(handle.fileno()))
        data = handle.read(max_bytes + 1)
    refuse_oversized(len(data), max_bytes=max_bytes)
    return data


def refuse_oversized(size: int, *, max_bytes: int) -> None:
    """Raise ImportFailure for a document of ``size`` bytes over ``max_bytes``."""
    if size > max_bytes:
        raise ImportFailure(
            f"file is larger than the {max_bytes / (1024 * 1024):g} MB import limit"
        )


def _refuse_unless_regular(status: os.stat_result) -> None:
    if stat.S_ISREG(status.st_mode):
        return
    if stat.S_ISLNK(status.st_mode):
        raise ImportFailure(LINK_REFUSED)
    if stat.S_ISDIR(status.st_mode):
        raise ImportFailure("is a folder, not a file")
    kind = _SPECIAL_FILES.get(stat.S_IFMT(status.st_mode), "a special file")
    raise ImportFailure(f"not a regular file ({kind}); only files are imported")


def section_body(section: ParsedSection, *, markdown: bool) -> str:
    """A section's body as stored: a Markdown source's blocks as written, a
    plain text's paragraphs escaped so that they render exactly as written
    (a list's items each escaped, its markers kept)."""
    if markdown:
        return "\n\n".join(section.paragraphs)
    return paragraphs_to_markdown(section.paragraphs)


def plan_brief(doc: ParsedDocument, *, tagger: Tagger, tags: TagRows) -> dict[str, Any]:
    """The content an import writes for ``doc``, in the export format's shape.

    Plus ``proposed_tags``, not content: the tag names the tagger proposed for
    the brief (a section's tags are all proposed), which re-tagging compares
    with the tags the brief has later; and ``tag_reasons``: for each, the
    phrases that matched and where, as the tagger words it.
    """
    bodies = [section_body(section, markdown=doc.markdown) for section in doc.sections]
    # The text re-tagging sees too, so a re-tag right after an import changes nothing.
    found = tagger.tag_document(
        title=doc.title,
        dateline=doc.dateline,
        key_points=doc.key_points,
        sections=[
            section_text(s.heading, body)
            for s, body in zip(doc.sections, bodies, strict=True)
        ],
    )
    anchors: set[str] = set()
    numbers: dict[str, int] = {}
    sections = []
    for section, body, section_tags in zip(
        doc.sections, bodies, found.sections, strict=True
    ):
        anchor = unique_anchor(section.heading, anchors, numbers)
        anchors.add(anchor)
        sections.append(
            {
                "heading": section.heading,
                "anchor": anchor,
                "body": body,
                "tags": sorted_names(tags.name(name) for name in section_tags),
            }
        )
    brief_tags = {
        tags.name(name).casefold(): tags.name(name)
        for name in (*found.brief, *doc.tags)
    }
    return {
        "title": doc.title,
        "dateline": doc.dateline,
        "summary": doc.summary,
        "source_name": doc.source,
        "byline": doc.byline,
        # The people credited, in order (``bylines``): those the source
        # lists one by one, else those its byline names.
        "authors": document_authors(doc),
        "source_url": doc.url,
        "key_points": list(doc.key_points),
        "sections": sections,
        "tags": sorted_names(brief_tags.values()),
        "proposed_tags": sorted_names(tags.name(name) for name in found.brief),
        # What the parser kept out of the story (captions, wire ids, page
        # chrome, sign-offs), for the editor to see; not content.
        "set_apart": list(doc.set_apart),
        # Why each was proposed (the phrases and where they matched), for editors.
        "tag_reasons": {
            tags.name(proposal.name): proposal.reason()
            for proposal in found.brief_reasons
        },
    }


def document_authors(doc: ParsedDocument) -> list[str]:
    """The names of the people ``doc`` credits, in order (may be none)."""
    if doc.authors:
        return person_names(doc.authors)
    return byline_names(doc.byline)


# The most one import may make of a brief. Each key point, section and tag
# on either is a row, and a version in the brief's revision, which records
# them in time quadratic in their number (django-reversion copies what it
# has gathered for every object it adds); and every section's search entry
# repeats all the key points. A real brief has a handful of each; a 2 MB
# document of bullets or headings would have hundreds of thousands.
MAX_KEY_POINTS = 20
# The tags a document's own Tags line or front matter may name.
MAX_DOCUMENT_TAGS = 100
MAX_PARTS = 10_000


def _fit_attribution(plan: dict[str, Any]) -> list[str]:
    """Cut the dateline, source and byline to their fields' lengths, in place;
    a warning for each one cut (six authors from front matter can be long)."""
    warnings = []
    for key, field_name in (
        ("dateline", "dateline"),
        ("source_name", "source_name"),
        ("byline", "byline"),
    ):
        limit = Brief._meta.get_field(field_name).max_length
        value = plan[key]
        if len(value) > limit:
            cut = value[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
            plan[key] = f"{cut or value[: limit - 1]}…"
            warnings.append(f"{key.replace('_name', '')} cut to {limit} characters")
    return warnings


def _refuse_too_large(*, key_points: int, parts: int) -> None:
    """Raise ImportFailure when a brief would have too many key points or parts."""
    if key_points > MAX_KEY_POINTS:
        raise ImportFailure(
            f"too large for one brief: {key_points:,} key points (at most {MAX_KEY_POINTS})"
        )
    if parts > MAX_PARTS:
        raise ImportFailure(
            f"too large for one brief: {parts:,} key points, sections and tags "
            f"(at most {MAX_PARTS:,})"
        )


def _parts(plan: dict[str, Any]) -> int:
    return (
        len(plan["authors"])
        + len(plan["key_points"])
        + len(plan["sections"])
        + sum(len(section["tags"]) for section in plan["sections"])
        + len(plan["tags"])
    )


def edited_since_import(brief: Brief) -> bool:
    """Whether someone has changed the brief's content since its last import.

    Compares the content now with the fingerprint of what the import wrote,
    so a save that changed no content (publishing, say) is not an edit; and
    the authors credited now with those the last import credited (which the
    fingerprint does not cover), as its revision records them.
    """
    current = Brief.objects.with_outline().get(pk=brief.pk)
    if content_fingerprint(brief_to_dict(current)) != brief.import_fingerprint:
        return True
    credited = [credit.author_id for credit in current.credits.all()]
    return credited != _imported_credits(current)


def _imported_credits(brief: Brief) -> list[int]:
    """The ids of the authors the brief's last import credited, in order,
    as that import's revision records them (none for a brief imported
    before authors were credited)."""
    last_import = (
        Version.objects.get_for_object(brief)
        .filter(revision__comment__startswith=IMPORTED_FROM)
        .order_by("-revision_id")
        .values("revision_id")[:1]
    )
    credits = Version.objects.filter(
        revision_id__in=last_import,
        content_type=_content_type(BriefAuthor, router.db_for_write(BriefAuthor)),
    )
    rows = [version.field_dict for version in credits]
    return [
        row["author_id"]
        for row in sorted(rows, key=lambda row: (row["position"], row["id"]))
    ]


# How an import's revision begins its comment (``_record_revisions``).
IMPORTED_FROM = "Imported from "


class StaleBrief(Exception):
    """Someone saved the brief between the importer's check and its write."""


@dataclass(frozen=True)
class ImportOptions:
    """The settings of one import run, the same for every file in it.

    ``publish``: a new brief is published, not a draft. ``force``: a brief an
    editor has changed since its import is updated all the same (the editor's
    version stays in its history). ``dry_run``: report what would happen and
    write nothing. ``create_only``: a document whose source path names a
    brief with other content fails rather than updating it (the admin's
    import makes new drafts, never rewrites a brief). ``new_tags``: the
    names on a document's Tags line may become new tags; without it those
    that are not tags yet are left out, with a warning (writers choose
    among existing tags). ``dated``: the document's own date becomes the
    brief's publication time; without it the brief is dated as it is
    published (only those who may publish date briefs). ``new_authors``:
    the people a document names may become new authors; without it only
    those who are authors already are credited, and the others left out,
    with a warning (editors add authors). ``user``: who
    imports, recorded as a new brief's creator and with its revision and
    change of status (None from the command line).
    """

    publish: bool = True
    force: bool = False
    dry_run: bool = False
    create_only: bool = False
    new_tags: bool = True
    dated: bool = True
    new_authors: bool = True
    user: Any = None


@dataclass(frozen=True)
class Tagging:
    """The tagger and the tag rows that every document of a run shares."""

    tagger: Tagger
    tags: TagRows

    @classmethod
    def using(cls, tagger: Tagger) -> Tagging:
        """``tagger``, with the tags the database has now."""
        return cls(tagger, TagRows(tagger.kinds))

    def known(self, names: Sequence[str]) -> set[str]:
        """Those of ``names`` that are tags already or terms of the vocabulary
        (in any case), looked up in one query."""
        unknown = [name for name in names if name.casefold() not in self.tagger.kinds]
        in_database = set(
            Tag.objects.annotate(lowered=Lower("name"))
            .filter(lowered__in={name.lower() for name in unknown})
            .values_list("lowered", flat=True)
        )
        return {
            name
            for name in names
            if name.casefold() in self.tagger.kinds or name.lower() in in_database
        }


@dataclass(frozen=True)
class Preview:
    """What importing one document would make of it, with nothing written.

    ``plan`` is ``plan_brief``'s; it is None when the document cannot be
    imported, and ``failure`` says why, in the words of the command line.
    ``published`` is the date its header gives, if any.
    """

    source_path: str
    sha256: str
    plan: dict[str, Any] | None = None
    published: dt.datetime | dt.date | None = None
    warnings: tuple[str, ...] = ()
    failure: str = ""


@dataclass(frozen=True)
class _Planned:
    """A source document parsed and planned: what its import would write."""

    source_path: str
    sha256: str
    doc: ParsedDocument
    plan: dict[str, Any]
    warnings: tuple[str, ...]
    # The brief it updates, as read before planning; None for a new brief.
    existing: Brief | None = field(default=None, compare=False)

    def result(
        self,
        outcome: Outcome,
        *,
        slug: str = "",
        detail: str = "",
        plan: dict[str, Any] | None = None,
    ) -> ImportResult:
        """The document's result, with the warnings its reading gave."""
        return ImportResult(
            self.source_path,
            outcome,
            slug=slug,
            detail=detail,
            warnings=self.warnings,
            plan=plan,
        )


class Importer:
    """Imports documents one by one, all with the options of one run.

    The tagging is built when the first document needs it (an unchanged
    one does not) and shared by the rest, unless it is given.
    """

    def __init__(
        self,
        options: ImportOptions = ImportOptions(),
        *,
        tagging: Tagging | None = None,
    ):
        self.options = options
        self._tagging = tagging
        # The briefs of the documents about to be imported, by source path
        # (see ``expect``); each is taken once, then looked up again.
        self._expected: dict[str, Brief | None] = {}

    def expect(self, source_paths: Sequence[str]) -> None:
        """Look up the briefs of the documents about to be imported in one
        query, rather than one query each (a run's batch). A name that is
        not UTF-8 is left out: such a file is refused before any look-up."""
        source_paths = [path for path in source_paths if _is_utf8(path)]
        self._expected = dict.fromkeys(source_paths)
        self._expected.update(
            (brief.source_path, brief)
            for brief in Brief.objects.filter(source_path__in=source_paths)
        )

    def _existing(self, source_path: str) -> Brief | None:
        """The brief imported from ``source_path`` before, if any."""
        if source_path in self._expected:
            return self._expected.pop(source_path)
        return Brief.objects.filter(source_path=source_path).first()

    @property
    def tagging(self) -> Tagging:
        if self._tagging is None:
            tagger = vocabulary_tagger(dry_run=self.options.dry_run)
            self._tagging = Tagging.using(tagger)
        return self._tagging

    def file(
        self, path: Path, *, follow_symlinks: bool = False, source_path: str = ""
    ) -> ImportResult:
        """Read ``path`` (no further than the size limit) and import it.

        Only a regular file is read, and a symbolic link only if
        ``follow_symlinks``. ``source_path`` is ``source_path_for``'s, when
        the caller has it already.
        """
        source_path = source_path or source_path_for(
            path, follow_symlinks=follow_symlinks
        )
        return self.write(self.read(path, follow_symlinks, source_path))

    def read(
        self, path: Path, follow_symlinks: bool, source_path: str
    ) -> ImportResult | _Planned:
        """``file``'s work, except that nothing is written: what would be
        comes back as a plan, for ``write`` (or ``create``, with others)."""
        try:
            if not _is_utf8(source_path):
                # Bytes that are not UTF-8 cannot be stored as the brief's source path.
                raise ImportFailure("the file name is not valid UTF-8; rename the file")
            data = read_source(
                path,
                max_bytes=settings.NEWSROOM_IMPORT_MAX_BYTES,
                follow_symlinks=follow_symlinks,
            )
        except ImportFailure as error:
            return ImportResult(source_path, Outcome.FAILED, detail=str(error))
        return self._document(source_path, data, name=path.name)

    def document(
        self, source_path: str, data: bytes, *, name: str = ""
    ) -> ImportResult:
        """Create or update the brief for one source document.

        ``name`` is the file's name, whose suffix says how to read it (see
        ``documents.read_document``); without one, the source path's.
        Returns what happened; never leaves a partial brief. Parse errors and
        database refusals come back as a FAILED result, not as exceptions.
        """
        return self.write(self._document(source_path, data, name=name))

    def write(self, done: ImportResult | _Planned) -> ImportResult:
        """``done``'s result, what it plans written first (``read``'s)."""
        if isinstance(done, ImportResult):
            return done
        if done.existing is None:
            return next(self.create([done]))
        return self._apply(done, done.existing)

    def _document(
        self, source_path: str, data: bytes, *, name: str
    ) -> ImportResult | _Planned:
        sha256 = hashlib.sha256(data).hexdigest()
        existing = self._existing(source_path)
        if existing and existing.source_sha256 == sha256:
            return ImportResult(source_path, Outcome.UNCHANGED, slug=existing.slug)
        if existing and self.options.create_only:
            return ImportResult(
                source_path,
                Outcome.FAILED,
                slug=existing.slug,
                detail="a brief imported from another document has this source name",
            )
        try:
            planned = self._plan(source_path, data, sha256=sha256, name=name)
        except (ParseError, ImportFailure) as error:
            return ImportResult(source_path, Outcome.FAILED, detail=str(error))
        if self.options.dry_run:
            return self._apply(planned, existing)
        return replace(planned, existing=existing)

    def preview(self, source_path: str, data: bytes, *, name: str = "") -> Preview:
        """What ``document`` would make of ``data``, writing nothing, whatever
        the options: the same reading, checks and tagging (as a dry run: a
        database without a vocabulary is tagged with the starter one,
        unsaved), and the size limit of a file read from disk."""
        if self.options.dry_run:
            return self._preview(source_path, data, name=name)
        dry_run = replace(self.options, dry_run=True)
        return Importer(dry_run, tagging=self._tagging)._preview(
            source_path, data, name=name
        )

    def _preview(self, source_path: str, data: bytes, *, name: str) -> Preview:
        sha256 = hashlib.sha256(data).hexdigest()
        try:
            refuse_oversized(len(data), max_bytes=settings.NEWSROOM_IMPORT_MAX_BYTES)
            planned = self._plan(source_path, data, sha256=sha256, name=name)
        except (ParseError, ImportFailure) as error:
            return Preview(source_path, sha256, failure=str(error))
        return Preview(
            source_path,
            sha256,
            plan=planned.plan,
            published=planned.doc.published,
            warnings=planned.warnings,
        )

    def _plan(
        self, source_path: str, data: bytes, *, sha256: str, name: str
    ) -> _Planned:
        """Read, parse and plan the document, tagging it.

        Raises ParseError or ImportFailure for one that cannot be a brief; a
        document too large is refused before it is tagged.
        """
        doc = read_document(name or source_path, data)
        warnings: list[str] = []
        if len(doc.tags) > MAX_DOCUMENT_TAGS:
            raise ImportFailure(
                f"too many tags named in the document: {len(doc.tags):,} "
                f"(at most {MAX_DOCUMENT_TAGS})"
            )
        if not self.options.new_tags:
            doc, left_out = _known_tags_only(doc, self.tagging)
            warnings.extend(left_out)
        key_points = len(doc.key_points)
        _refuse_too_large(key_points=key_points, parts=key_points + len(doc.sections))
        plan = plan_brief(doc, tagger=self.tagging.tagger, tags=self.tagging.tags)
        _refuse_too_large(key_points=key_points, parts=_parts(plan))
        if not self.options.new_authors and plan["authors"]:
            warnings.extend(_known_authors_only(plan))
        warnings.extend(_fit_attribution(plan))
        return _Planned(
            source_path, sha256, doc, plan, warnings=(*doc.warnings, *warnings)
        )

    def _apply(self, planned: _Planned, existing: Brief | None) -> ImportResult:
        """Update the brief unless an editor's change stands in the way, or
        say what would happen in a dry run (``existing`` None: a creation)."""
        edited = existing is not None and edited_since_import(existing)
        if edited and not self.options.force:
            return planned.result(
                Outcome.CONFLICT,
                slug=existing.slug,
                detail="an editor has changed this brief since its last import "
                "(use --force to replace the editor's version)",
            )
        if self.options.dry_run:
            outcome = Outcome.UPDATED if existing else Outcome.CREATED
            return planned.result(
                outcome, slug=existing.slug if existing else "", plan=planned.plan
            )
        try:
            brief = self._save(planned, existing, edited=edited)
        except StaleBrief:
            return planned.result(
                Outcome.CONFLICT,
                slug=existing.slug,
                detail="an editor saved this brief while it was being imported; run the import again",
            )
        except DatabaseError as error:
            self._forget_tags()
            return _refused(planned, error)
        detail = "the editor's version is kept in the brief's history" if edited else ""
        return planned.result(Outcome.UPDATED, slug=brief.slug, detail=detail)

    def _save(self, planned: _Planned, existing: Brief, *, edited: bool) -> Brief:
        """Write the planned brief over ``existing`` in one transaction, with
        its revision.

        Raises StaleBrief when an editor saved the brief after it was read.
        """
        with transaction.atomic():
            lock_counts()
            # The admin's own guard: a save from an outdated version is refused.
            _lock_version(existing)
            if edited:
                # --force: the editor's version stays in the brief's history.
                with reversion.create_revision():
                    reversion.set_comment(
                        f"Editor's version, kept before a forced re-import of {planned.source_path}"
                    )
                    reversion.add_to_revision(
                        Brief.objects.for_revision().get(pk=existing.pk)
                    )
            # The brief's own save re-indexes it when the batch ends (after
            # the bulk inserts of its parts) and drops the cached pages, now
            # and again at commit.
            with search.batch():
                written = _write(
                    existing, planned, self.options, tags=self.tagging.tags
                )
                brief = written.read_back()
                _record_public_change(brief, existing)
            # Recorded once everything is written, from the rows just written.
            _record_revisions([(brief, planned)], user=self.options.user)
        return brief

    def create(self, new: Sequence[_Planned]) -> Iterator[ImportResult]:
        """Write the new briefs ``new`` plans (``read``'s), and yield each
        one's result, in order.

        They are written together, in one savepoint: a few inserts for all
        of them rather than a few for each. Should the database refuse that
        (or anything raise), each is written again in a savepoint of its
        own, so that only the one at fault fails, or raises: the results
        yielded before it stand.
        """
        if len(new) > 1:
            try:
                with transaction.atomic():
                    lock_counts()
                    briefs = self._create(new)
            except Exception:
                # Written one by one, the document at fault fails (or
                # raises) alone, and says why.
                self._forget_tags()
            else:
                for planned, brief in zip(new, briefs, strict=True):
                    yield planned.result(Outcome.CREATED, slug=brief.slug)
                return
        for planned in new:
            try:
                with transaction.atomic():
                    lock_counts()
                    (brief,) = self._create([planned])
            except DatabaseError as error:
                self._forget_tags()
                twin = _imported_already(planned)
                if twin is None:
                    yield _refused(planned, error)
                else:
                    # The same document, imported at the same time (a form sent twice).
                    yield ImportResult(
                        planned.source_path, Outcome.UNCHANGED, slug=twin.slug
                    )
            else:
                yield planned.result(Outcome.CREATED, slug=brief.slug)

    def _create(self, new: Sequence[_Planned]) -> list[Brief]:
        """Create the briefs ``new`` plans, with their parts, status changes,
        first public versions (when published), revisions and search
        entries (when the outermost ``search.batch()`` ends), in one insert
        per table; returns them, in order."""
        options, tags = self.options, self.tagging.tags
        briefs = Brief.objects.bulk_create(
            _new_brief(planned, options, slug=slug)
            for planned, slug in zip(
                new, _unique_slugs([p.plan["title"] for p in new]), strict=True
            )
        )
        StatusChange.objects.bulk_create(
            StatusChange(
                brief_id=brief.pk,
                from_status="",
                to_status=brief.status,
                via=StatusChange.Via.IMPORT,
                user=_signed_in(options.user),
                note=_status_note(f"Imported from {planned.source_path}"),
            )
            for brief, planned in zip(briefs, new, strict=True)
        )
        written = _write_parts(list(zip(briefs, new, strict=True)), tags=tags)
        credits = _credit(
            [
                (brief, planned.plan["authors"])
                for brief, planned in zip(briefs, new, strict=True)
            ]
        )
        for parts, brief_credits in zip(written, credits, strict=True):
            # A new brief has no public notes yet.
            parts.outline(corrections=[], credits=brief_credits)
        versions.record_first_publications(
            [brief for brief in briefs if brief.public_version]
        )
        _record_revisions(list(zip(briefs, new, strict=True)), user=options.user)
        # Bulk inserts send no signals: this one re-indexes the briefs and
        # drops the cached pages that list them. Not ``touch()``: a new
        # brief's version stays 1, the version its import wrote.
        briefs_touched.send(sender=Brief, brief_ids=[brief.pk for brief in briefs])
        return briefs

    def _forget_tags(self) -> None:
        """Read the tags again after a rollback: tags made in it are gone."""
        if self._tagging is not None:
            self._tagging = Tagging.using(self._tagging.tagger)


def import_document(
    *,
    source_path: str,
    data: bytes,
    name: str = "",
    options: ImportOptions = ImportOptions(),
    tagging: Tagging | None = None,
) -> ImportResult:
    """Create or update the brief for one source document (``Importer.document``)."""
    return Importer(options, tagging=tagging).document(source_path, data, name=name)


@dataclass(frozen=True)
class ImportRun:
    """What one run did: each file's result, in order, and the starter
    vocabulary it loaded first (None when the database had a vocabulary)."""

    results: tuple[ImportResult, ...]
    starter: VocabularyLoad | None

    @property
    def counts(self) -> Counter[Outcome]:
        return Counter(result.outcome for result in self.results)


def import_paths(
    *,
    paths: Sequence[Path],
    options: ImportOptions = ImportOptions(),
    follow_symlinks: bool = False,
    progress: Callable[[ImportResult, int], None] | None = None,
) -> ImportRun:
    """Import every file ``paths`` name (see ``source_files``), one by one,
    committing them in batches (see ``_import_batch``).

    A database with no vocabulary yet gets the starter vocabulary first; a
    dry run writes nothing but tags with it all the same. ``progress`` is
    called for each file with its result and the number of files in the
    run, once its batch is committed. A file that cannot be imported is a
    FAILED result and leaves nothing; raises
    VocabularyError when the starter vocabulary cannot be loaded and
    ImportFailure when a folder cannot be listed.
    """
    starter = load_starter_vocabulary(dry_run=options.dry_run)
    tagging = Tagging.using(build_tagger(unsaved=starter))
    importer = Importer(options, tagging=tagging)
    files = source_files(paths, follow_symlinks=follow_symlinks)
    results: list[ImportResult] = []
    with _fewer_collections():
        while len(results) < len(files):
            done, error = _import_batch(importer, files[len(results) :])
            results.extend(done)
            if progress is not None:
                for result in done:
                    progress(result, len(files))
            if error is not None:
                raise error
    return ImportRun(results=tuple(results), starter=starter)


# The cycle collector's thresholds while a run imports (the suite runs with
# them too, tests/conftest.py): a collection every 20,000 allocations, not 700.
COLLECTOR_THRESHOLDS = (20_000, 20, 20)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cycle collector, run less often while a run imports, and
    without going over what was loaded before it began (Django, the parser's
    libraries, the tagger's patterns: gc.freeze). A run allocates model
    instances, querysets and parse trees by the hundred thousand, and with
    the usual thresholds the collector ran about a thousand times over 500
    documents, re-scanning everything alive: a tenth of the run's CPU.
    Garbage is still collected, every 20,000 allocations rather than 700.
    The collector is left as it was found."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


# A run commits its documents in batches: a commit and a re-index per
# document cost as much as writing a short brief, and a batch's new briefs
# are written together. A batch ends after this many documents or seconds
# of reading them, whichever comes first. Reading takes no lock, but a
# batch is written in one transaction: so a run of large documents reports
# its progress as it goes, and keeps others waiting to write no longer
# than a short batch takes to write.
BATCH_DOCUMENTS = 100
BATCH_SECONDS = 2.0


def _import_batch(
    importer: Importer, files: Sequence[tuple[Path, bool]]
) -> tuple[list[ImportResult], Exception | None]:
    """Import the first of ``files``: read and plan them, then write them in
    one transaction, and re-index their briefs together when it ends.

    Reading takes no lock, so others wait to write only while this writes.
    The new briefs are written together (``Importer.create``), between the
    updates, in the files' order. Each document that fails or raises leaves
    nothing, and the others stay. Returns the results, known once
    committed, and the exception that stopped the batch, if one did: the
    documents before it are committed all the same.
    """
    files = files[:BATCH_DOCUMENTS]
    read: list[ImportResult | _Planned] = []
    planned: set[str] = set()
    error = None
    ends = time.monotonic() + BATCH_SECONDS
    source_paths = [
        source_path_for(path, follow_symlinks=follow) for path, follow in files
    ]
    importer.expect(source_paths)
    for (path, follow), source_path in zip(files, source_paths, strict=True):
        if source_path in planned:
            # A file named again is read once the first is written: next batch.
            break
        try:
            read.append(importer.read(path, follow, source_path))
        except Exception as exception:
            error = exception
            break
        if isinstance(read[-1], _Planned):
            planned.add(source_path)
        if time.monotonic() >= ends:
            break
    done: list[ImportResult] = []
    if not planned:  # a dry run, or nothing to write
        done.extend(read)
        return done, error
    with transaction.atomic(), search.batch():
        lock_counts()
        queue: list[ImportResult | _Planned] = []
        for item in read:
            if isinstance(item, ImportResult) or item.existing is None:
                queue.append(item)
                continue
            # An update: the new briefs before it first.
            written_error = _flush(importer, queue, done)
            if written_error is None:
                try:
                    done.append(importer.write(item))
                except Exception as exception:
                    written_error = exception
            if written_error is not None:
                return done, written_error
        error = _flush(importer, queue, done) or error
    return done, error


def _flush(
    importer: Importer,
    queue: list[ImportResult | _Planned],
    done: list[ImportResult],
) -> Exception | None:
    """Write the new briefs planned in ``queue`` and move its results to
    ``done``, in order; returns the exception a document raised, if one
    did, with the results before it moved."""
    created = importer.create([item for item in queue if isinstance(item, _Planned)])
    try:
        for item in queue:
            done.append(next(created) if isinstance(item, _Planned) else item)
    except Exception as exception:
        return exception
    finally:
        queue.clear()
    return None


def source_files(
    paths: Sequence[Path], *, follow_symlinks: bool
) -> list[tuple[Path, bool]]:
    """Each file to import, and whether a symbolic link there may be followed.

    A path is a file, or a folder whose documents (``documents.SUFFIXES``:
    text, Markdown, web pages and Word files) are taken in name order (not its subfolders). A link among a folder's entries is listed, so
    that it is reported, but never followed; a link given as a path is
    followed only with ``follow_symlinks``. Raises ImportFailure for a folder
    that cannot be listed.
    """
    files = []
    for path in paths:
        if _is_folder(path, follow_symlinks=follow_symlinks):
            files.extend((entry, False) for entry in _folder_entries(path))
        else:
            files.append((path, follow_symlinks))
    return files


def _is_folder(path: Path, *, follow_symlinks: bool) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path, follow_symlinks=follow_symlinks).st_mode)
    except OSError:  # missing, or a loop of links: reported when it is read
        return False


def _folder_entries(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return sorted(
                Path(entry.path)
                for entry in entries
                if Path(entry.name).suffix.lower() in SUFFIXES
                and not entry.is_dir(follow_symlinks=False)
            )
    except OSError as error:
        raise ImportFailure(
            f"cannot read the folder {visible(str(folder))} ({error.strerror})"
        ) from None


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _imported_already(planned: _Planned) -> Brief | None:
    """The brief made from this very document since it was found missing, if any."""
    return Brief.objects.filter(
        source_path=planned.source_path, source_sha256=planned.sha256
    ).first()


def _known_tags_only(
    doc: ParsedDocument, tagging: Tagging
) -> tuple[ParsedDocument, list[str]]:
    """``doc`` keeping the names on its Tags line that ``tagging`` knows, and
    a warning for each name left out."""
    found = tagging.known(doc.tags)
    known = tuple(name for name in doc.tags if name in found)
    left_out = [
        f"tag {name!r} left out: it is not a tag yet, and only editors create tags"
        for name in doc.tags
        if name not in known
    ]
    return replace(doc, tags=known), left_out


def _record_public_change(brief: Brief, existing: Brief) -> None:
    """A live brief re-imported from a changed source document is an update,
    noted for readers; a brief published since but not yet live gets its
    current version's text brought up to date.

    ``brief`` is ``_Written.read_back``'s, which the public version's
    snapshot reads as it is.
    """
    if existing.is_public:
        versions.record_public_change(
            brief,
            kind=Correction.Kind.UPDATE,
            note="Updated from a revised version of the source document.",
            outlined=True,
        )
    else:
        versions.after_save(
            brief, was_status=existing.status, was_live=False, outlined=True
        )


def _refused(planned: _Planned, error: DatabaseError) -> ImportResult:
    return ImportResult(
        planned.source_path,
        Outcome.FAILED,
        detail=f"the database refused it ({error})",
    )


def _signed_in(user: Any) -> Any:
    """``user``, or None for nobody known (the command line, or not signed in)."""
    return user if getattr(user, "is_authenticated", False) else None


def _status_note(note: str) -> str:
    """``note`` cut to fit a status change's note (a long source path would not)."""
    limit = StatusChange._meta.get_field("note").max_length
    return note if len(note) <= limit else f"{note[: limit - 1]}…"


def _lock_version(brief: Brief) -> None:
    """Lock the brief's row; raise StaleBrief if its version moved since it was read."""
    current = (
        Brief.objects.select_for_update()
        .filter(pk=brief.pk)
        .values_list("version", flat=True)
        .first()
    )
    if current != brief.version:
        raise StaleBrief


def _published_at(value: dt.datetime | dt.date | None) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    # In UTC, as the database gives it back: the revision and the public
    # version are made from the brief in memory, not read again.
    return value.astimezone(dt.UTC)


def _fields(planned: _Planned) -> dict[str, Any]:
    """The brief's own fields an import writes, new brief or not."""
    plan = planned.plan
    return {
        "title": plan["title"],
        "dateline": plan["dateline"],
        "summary": plan["summary"],
        "source_name": plan["source_name"],
        "byline": plan["byline"],
        "source_url": plan["source_url"],
        "source_path": planned.source_path,
        "source_sha256": planned.sha256,
        "import_fingerprint": content_fingerprint(plan),
    }


def _new_brief(planned: _Planned, options: ImportOptions, *, slug: str) -> Brief:
    """The unsaved brief ``planned`` makes, published or a draft as
    ``options`` say; a published one carries its first public version's
    number already (``versions.record_first_publications``)."""
    published_at = _published_at(planned.doc.published) if options.dated else None
    if options.publish:
        status = Brief.Status.PUBLISHED
        published_at = published_at or now_to_the_second()
    else:
        status = Brief.Status.DRAFT
    return Brief(
        **_fields(planned),
        slug=slug,
        status=status,
        published_at=published_at,
        import_version=1,
        public_version=1 if options.publish else 0,
        created_by=options.user,
    )


def _unique_slugs(titles: Sequence[str]) -> list[str]:
    """A slug for each title that no brief has, nor any other of them: what
    ``unique_slug`` gives one brief (base, base-2, base-3, …), looked up
    for all of them in one query."""
    bases = [_slug_base(title, length=300, fallback="brief") for title in titles]
    taken = set(Brief.objects.filter(_slugs_from(bases)).values_list("slug", flat=True))
    return _numbered(bases, taken)


def _slug_base(name: str, *, length: int, fallback: str) -> str:
    """The slug ``unique_slug`` starts from for ``name``."""
    return slugify(name, allow_unicode=True)[:length].strip("-") or fallback


def _slugs_from(bases: Iterable[str]) -> Q:
    """The rows whose slug is one of ``bases`` or numbered from one."""
    taken_by = Q()
    for base in set(bases):
        taken_by |= Q(slug=base) | Q(slug__startswith=f"{base}-")
    return taken_by


def _numbered(bases: Sequence[str], taken: set[str]) -> list[str]:
    """A slug for each of ``bases`` that is not in ``taken`` nor given to an
    earlier one: the base, else base-2, base-3, … (``taken`` grows)."""
    # The next number to try for each base: every one below it is taken.
    numbers: dict[str, int] = {}
    slugs = []
    for base in bases:
        slug = base
        if slug in taken:
            n = numbers.get(base, 2)
            while f"{base}-{n}" in taken:
                n += 1
            slug, numbers[base] = f"{base}-{n}", n + 1
        taken.add(slug)
        slugs.append(slug)
    return slugs


def _named(names: Iterable[str]) -> Q:
    """The authors (annotated ``lowered``) who may have one of ``names`` in
    any case. The caller compares casefolded names: SQLite's LOWER folds
    ASCII letters only, so a name is also looked up as it is written."""
    names = set(names)
    return Q(lowered__in={name.lower() for name in names}) | Q(name__in=names)


def _known_authors_only(plan: dict[str, Any]) -> list[str]:
    """Keep in ``plan`` the authors who are authors already (in any case),
    looked up in one query; a warning for each one left out."""
    known = {
        name.casefold()
        for name in Author.objects.annotate(lowered=Lower("name"))
        .filter(_named(plan["authors"]))
        .values_list("name", flat=True)
    }
    left_out = [name for name in plan["authors"] if name.casefold() not in known]
    plan["authors"] = [name for name in plan["authors"] if name.casefold() in known]
    return [
        f"author {name!r} left out: not an author yet, and only editors add authors"
        for name in left_out
    ]


def _credit(items: Sequence[tuple[Brief, Sequence[str]]]) -> list[list[BriefAuthor]]:
    """Credit each saved brief with the authors its names give, in order,
    and return each one's credits (their authors set).

    A name that is an author's already, in any case, is that author (the
    oldest, should editors have made two); the others become new authors,
    their slugs as ``Author.save`` would make them. One query finds the
    authors and the slugs taken for all the briefs, one insert makes the
    new authors and one the credits; none when no brief names anyone.
    """
    wanted: dict[str, str] = {}
    for _, names in items:
        for name in names:
            # The first document to name a new author spells their name.
            wanted.setdefault(name.casefold(), name)
    if not wanted:
        return [[] for _ in items]
    bases = {
        key: _slug_base(name, length=190, fallback="author")
        for key, name in wanted.items()
    }
    rows = list(
        Author.objects.annotate(lowered=Lower("name"))
        .filter(_named(wanted.values()) | _slugs_from(bases.values()))
        .order_by("pk")
    )
    authors: dict[str, Author] = {}
    for author in rows:
        if author.name.casefold() in wanted:
            authors.setdefault(author.name.casefold(), author)
    # The authors stay as the briefs' articles are rendered with them.
    articles.hold_authors([author.pk for author in authors.values()])
    new = [key for key in wanted if key not in authors]
    slugs = _numbered([bases[key] for key in new], {author.slug for author in rows})
    authors.update(
        (key, Author(name=wanted[key], slug=slug))
        for key, slug in zip(new, slugs, strict=True)
    )
    Author.objects.bulk_create(authors[key] for key in new)
    credits = [
        [
            BriefAuthor(brief=brief, author=authors[name.casefold()], position=position)
            for position, name in enumerate(names)
        ]
        for brief, names in items
    ]
    BriefAuthor.objects.bulk_create(_flat(credits))
    return credits


@dataclass(frozen=True)
class _Written:
    """A brief an import has just written, and the rows of its parts (their
    ids set by the bulk inserts)."""

    brief: Brief
    key_points: list[KeyPoint]
    sections: list[Section]
    brief_tags: list[TaggedBrief]
    # Each section's tag rows, in the order of ``sections``.
    section_tags: list[list[TaggedSection]]

    def outline(
        self,
        *,
        corrections: list[Correction],
        credits: list[BriefAuthor] | None = None,
    ) -> Brief:
        """The brief as ``Brief.objects.for_revision().with_outline()`` gives
        it, for its revision and its public version's snapshot, with no
        query: the parts just written as its prefetched relations (their
        fields are the very values inserted), with its ``corrections`` and
        ``credits`` (None: prefetched already)."""
        brief = self.brief
        if credits is not None:
            _prefetched(brief, "credits", credits, BriefAuthor)
        _prefetched(brief, "key_points", self.key_points, KeyPoint)
        _prefetched(brief, "sections", self.sections, Section)
        _prefetched(brief, "tagged_items", self.brief_tags, TaggedBrief)
        _prefetched(brief, "tags", [row.tag for row in self.brief_tags], Tag)
        _prefetched(brief, "corrections", corrections, Correction)
        for section, rows in zip(self.sections, self.section_tags, strict=True):
            _prefetched(section, "tagged_items", rows, TaggedSection)
            _prefetched(section, "tags", [row.tag for row in rows], Tag)
        return brief

    def read_back(self) -> Brief:
        """``outline``'s, for an updated brief: its row read back (so every
        field is as the database keeps it), with its corrections and its
        credits."""
        brief = Brief.objects.with_authors().get(pk=self.brief.pk)
        corrections = brief.corrections.order_by("created_at", "pk")
        return replace(self, brief=brief).outline(corrections=list(corrections))


def _prefetched(instance: Any, relation: str, rows: list, model: type[Model]) -> None:
    """Give ``instance`` the rows of its reverse relation ``relation`` as
    ``prefetch_related`` would have fetched them, so reading it runs no query.

    Django has no public way to hand over rows already in memory; this sets
    the same cache its prefetching sets. The rows must be all of the
    relation's rows, in its order.
    """
    # An empty queryset of the rows' model, not the relation's own (whose
    # filters cost more to build than the rest of an import's writing):
    # with its cache set it is never run, and anything that would run it
    # finds nothing.
    queryset = QuerySet(model)
    queryset.query.set_empty()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[relation] = queryset


def _write(
    brief: Brief,
    planned: _Planned,
    options: ImportOptions,
    *,
    tags: TagRows,
) -> _Written:
    """Replace ``brief``'s content with the planned one (its slug, status
    and creator stay). Returns the brief and the rows written for its parts."""
    for name, value in _fields(planned).items():
        setattr(brief, name, value)
    published_at = _published_at(planned.doc.published) if options.dated else None
    if published_at:
        brief.published_at = published_at
    brief.import_version = brief.version + 1  # the version this save makes
    brief.save()
    brief.key_points.all().delete()
    brief.sections.all().delete()
    TaggedBrief.objects.filter(content_object=brief).delete()
    BriefProposal.objects.filter(brief=brief).delete()
    BriefAuthor.objects.filter(brief=brief).delete()
    (written,) = _write_parts([(brief, planned)], tags=tags)
    _credit([(brief, planned.plan["authors"])])
    return written


def _write_parts(
    items: Sequence[tuple[Brief, _Planned]], *, tags: TagRows
) -> list[_Written]:
    """Insert the key points, sections, tag rows and tagger's memory that
    each saved brief's plan gives it, one insert per table for all of them.
    Returns the rows written, brief by brief."""
    key_points = [
        [
            KeyPoint(brief=brief, text=text, position=position)
            for position, text in enumerate(planned.plan["key_points"])
        ]
        for brief, planned in items
    ]
    KeyPoint.objects.bulk_create(_flat(key_points))
    sections = [
        [
            Section(
                brief=brief,
                position=position,
                heading=section["heading"],
                anchor=section["anchor"],
                body=section["body"],
                body_html=render_markdown(section["body"]),
            )
            for position, section in enumerate(planned.plan["sections"])
        ]
        for brief, planned in items
    ]
    Section.objects.bulk_create(_flat(sections))
    section_tags = [
        [
            [
                TaggedSection(content_object=section, tag=tags.get_or_create(name))
                for name in section_plan["tags"]
            ]
            for section, section_plan in zip(
                brief_sections, planned.plan["sections"], strict=True
            )
        ]
        for brief_sections, (_, planned) in zip(sections, items, strict=True)
    ]
    TaggedSection.objects.bulk_create(_flat(_flat(section_tags)))
    brief_tags = [
        [
            TaggedBrief(content_object=brief, tag=tags.get_or_create(name))
            for name in planned.plan["tags"]
        ]
        for brief, planned in items
    ]
    TaggedBrief.objects.bulk_create(_flat(brief_tags))
    # The tagger's memory: every tag a section has now was proposed.
    _insert_rows(
        SectionProposal,
        ("section", "tag"),
        [(row.content_object.pk, row.tag.pk) for row in _flat(_flat(section_tags))],
    )
    _insert_rows(
        BriefProposal,
        ("brief", "tag"),
        [
            (brief.pk, tags.get_or_create(name).pk)
            for brief, planned in items
            for name in planned.plan["proposed_tags"]
        ],
    )
    return [
        _Written(item[0], *parts)
        for item, *parts in zip(
            items, key_points, sections, brief_tags, section_tags, strict=True
        )
    ]


def _flat(groups: Iterable[list]) -> list:
    return [row for group in groups for row in group]


def _record_revisions(
    items: Sequence[tuple[Brief, _Planned]], *, user: Any = None
) -> None:
    """Record each brief's import in its history: a revision of its own, as
    ``reversion.add_to_revision`` would record it, made by ``user`` (None
    for nobody known).

    The revision holds the brief and every row its registration follows,
    serialized as django-reversion does, read from the relations the brief
    carries prefetched (``_Written.outline``); a relation it does not carry
    is fetched, for all the briefs in one query. Rather than through
    ``reversion.create_revision()``, whose bookkeeping costs more than the
    rest of an import (one query per model to check that every row it has
    just been handed exists, and a copy of its gathered versions for each
    row), and which saves one revision at a time.
    """
    briefs = [brief for brief, _ in items]
    cached = getattr(briefs[0], "_prefetched_objects_cache", {})
    missing = [name for name in _options(Brief).follow if name not in cached]
    prefetch_related_objects(briefs, *missing)
    now = timezone.now()
    revisions = Revision.objects.bulk_create(
        Revision(
            date_created=now,
            user=_signed_in(user),
            comment=f"{IMPORTED_FROM}{planned.source_path}",
        )
        for _, planned in items
    )
    rows = [
        (revision.pk, row)
        for revision, brief in zip(revisions, briefs, strict=True)
        for row in _revision_rows(brief)
    ]
    _insert_rows(
        Version,
        ("revision", *_VERSION_FIELDS),
        [
            (revision, *fields)
            for (revision, _), fields in zip(
                rows, _versions(row for _, row in rows), strict=True
            )
        ],
    )


# django-reversion's own reading of its registrations (which fields, which
# relations to follow, which format), so that a revision recorded here holds
# what one it records would; tests/test_import_batches.py compares the two.
_options = reversion_revisions._get_options
_content_type = reversion_revisions._get_content_type
_JSON = DjangoJSONEncoder(ensure_ascii=False)


def _revision_rows(brief: Brief) -> list[Model]:
    """The brief and each row its revision follows, once each, in the order
    ``reversion.add_to_revision`` adds them."""
    found: dict[tuple[type, Any], Model] = {}

    def add(row: Model) -> None:
        key = (type(row), row.pk)
        if row.pk is None or key in found:
            return
        found[key] = row
        for related in reversion_revisions._follow_relations(row):
            add(related)

    add(brief)
    return list(found.values())


# What django-taggit's tag rows say of themselves (``ItemBase.__str__``),
# looked up in the translations once rather than for each row.
_TAGGED_WITH = "%(object)s tagged with %(tag)s"
# A version's fields that say which row it holds, and how.
_VERSION_FIELDS = (
    "content_type",
    "object_id",
    "db",
    "format",
    "serialized_data",
    "object_repr",
)


def _versions(rows: Iterable[Model]) -> list[tuple]:
    """Each row's version, as the values of ``_VERSION_FIELDS``, as
    django-reversion makes one: ``serialized_data`` is its JSON serializer's
    output for a list of that row alone.

    Made from the object the JSON serializer writes, read as ``_dumper``
    reads it (else by the serializer itself), rather than by a serializer
    set up for every row; and what a tag row says of itself, from words
    looked up once.
    """
    rows = list(rows)
    tagged_with = gettext(_TAGGED_WITH)
    by_model: dict[type, list[Model]] = {}
    for row in rows:
        by_model.setdefault(type(row), []).append(row)
    versions: dict[int, tuple] = {}
    for model, group in by_model.items():
        options = _options(model)
        db = router.db_for_write(model)
        content_type = _content_type(model, db).pk
        settings_ = {
            "fields": options.fields,
            "use_natural_foreign_keys": options.use_natural_foreign_keys,
        }
        dump = _dumper(model, options) if options.format == "json" else None
        if dump is not None:
            texts = [f"[{_JSON.encode(dump(row))}]" for row in group]
        else:
            texts = [
                serializers.serialize(options.format, [row], **settings_)
                for row in group
            ]
        versions.update(
            (
                id(row),
                (
                    content_type,
                    force_str(getattr(row, options.object_id_field)),
                    db,
                    options.format,
                    text,
                    (
                        tagged_with % {"object": row.content_object, "tag": row.tag}
                        if type(row).__str__ is ItemBase.__str__
                        else force_str(row)
                    ),
                ),
            )
            for row, text in zip(group, texts, strict=True)
        )
    return [versions[id(row)] for row in rows]


def _dumper(model: type[Model], options: Any) -> Callable[[Model], dict] | None:
    """What Django's Python serializer makes of one row of ``model`` (the
    object its JSON serializer writes), with django-reversion's ``options``
    for the model, as a function of the row: the same fields, chosen and
    read the same way, without the serializer's checks for every field of
    every row. None where that would not be the same: natural keys, a
    composite key, or many-to-many fields to serialize."""
    meta = model._meta
    chosen = options.fields

    def selected(name: str) -> bool:
        return chosen is None or name in chosen

    if (
        options.use_natural_foreign_keys
        or isinstance(meta.pk, CompositePrimaryKey)
        or any(
            field.serialize and selected(field.attname)
            for field in meta.concrete_model._meta.local_many_to_many
        )
    ):
        return None
    fields = [
        field
        for field in meta.concrete_model._meta.local_fields
        if field.serialize
        and selected(
            field.attname if field.remote_field is None else field.attname[:-3]
        )
    ]
    label = str(meta)

    def value(row: Model, field: Any) -> Any:
        value = field.value_from_object(row)
        return value if is_protected_type(value) else field.value_to_string(row)

    def dump(row: Model) -> dict:
        return {
            "model": label,
            "pk": value(row, meta.pk),
            "fields": {field.name: value(row, field) for field in fields},
        }

    return dump


def _insert_rows(
    model: type[Model], fields: Sequence[str], rows: Sequence[tuple]
) -> None:
    """Insert ``rows``, each the values of ``fields`` as the database takes
    them, into ``model``'s table, sending no signals.

    For the tables an import writes most rows to and never reads the ids
    of (a revision's versions, the tagger's memory): ``bulk_create`` would
    build a model instance for each row and prepare each of its values, at
    more cost than the rest of writing them.
    """
    if not rows:
        return
    database = connections[router.db_for_write(model)]
    quote = database.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    values = ", ".join(["%s"] * len(fields))
    with database.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({values})",
            rows,
        )
