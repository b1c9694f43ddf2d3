"""Import source documents as briefs: one file, one brief, one transaction
(or a savepoint of its own, in a run's batch of documents).

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
import hashlib
import os
import stat
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import reversion
from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from briefs import search
from briefs.control_chars import visible
from briefs.editorial import versions, workflow
from briefs.ingest.documents import SUFFIXES, read_document
from briefs.ingest.exporting import brief_to_dict, content_fingerprint, sorted_names
from briefs.ingest.parsing import ParsedDocument, ParsedSection, ParseError
from briefs.markdown import paragraphs_to_markdown, render_markdown
from briefs.models import (
    Brief,
    BriefProposal,
    Correction,
    KeyPoint,
    Section,
    SectionProposal,
    StatusChange,
    Tag,
    TaggedBrief,
    TaggedSection,
    now_to_the_second,
    unique_anchor,
)
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
        len(plan["key_points"])
        + len(plan["sections"])
        + sum(len(section["tags"]) for section in plan["sections"])
        + len(plan["tags"])
    )


def edited_since_import(brief: Brief) -> bool:
    """Whether someone has changed the brief's content since its last import.

    Compares the content now with the fingerprint of what the import wrote,
    so a save that changed no content (publishing, say) is not an edit.
    """
    current = brief_to_dict(Brief.objects.with_outline().get(pk=brief.pk))
    return content_fingerprint(current) != brief.import_fingerprint


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
    published (only those who may publish date briefs). ``user``: who
    imports, recorded as a new brief's creator and with its revision and
    change of status (None from the command line).
    """

    publish: bool = True
    force: bool = False
    dry_run: bool = False
    create_only: bool = False
    new_tags: bool = True
    dated: bool = True
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
        return self.document(source_path, data, name=path.name)

    def document(
        self, source_path: str, data: bytes, *, name: str = ""
    ) -> ImportResult:
        """Create or update the brief for one source document.

        ``name`` is the file's name, whose suffix says how to read it (see
        ``documents.read_document``); without one, the source path's.
        Returns what happened; never leaves a partial brief. Parse errors and
        database refusals come back as a FAILED result, not as exceptions.
        """
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
        return self._apply(planned, existing)

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
        warnings.extend(_fit_attribution(plan))
        return _Planned(
            source_path, sha256, doc, plan, warnings=(*doc.warnings, *warnings)
        )

    def _apply(self, planned: _Planned, existing: Brief | None) -> ImportResult:
        """Write the planned brief unless an editor's change stands in the way
        or this is a dry run, and say what happened (or would have)."""
        edited = existing is not None and edited_since_import(existing)
        if edited and not self.options.force:
            return planned.result(
                Outcome.CONFLICT,
                slug=existing.slug,
                detail="an editor has changed this brief since its last import "
                "(use --force to replace the editor's version)",
            )
        outcome = Outcome.UPDATED if existing else Outcome.CREATED
        if self.options.dry_run:
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
            twin = None if existing else _imported_already(planned)
            if twin is not None:
                # The same document, imported at the same time (a form sent twice).
                return ImportResult(
                    planned.source_path, Outcome.UNCHANGED, slug=twin.slug
                )
            return ImportResult(
                planned.source_path,
                Outcome.FAILED,
                detail=f"the database refused it ({error})",
            )
        detail = "the editor's version is kept in the brief's history" if edited else ""
        return planned.result(outcome, slug=brief.slug, detail=detail)

    def _save(
        self, planned: _Planned, existing: Brief | None, *, edited: bool
    ) -> Brief:
        """Write the planned brief in one transaction, with its revision.

        Raises StaleBrief when an editor saved the brief after it was read.
        """
        with transaction.atomic():
            if existing:
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
                brief = written.read_back(created=existing is None)
                _record_public_change(brief, existing)
            # Recorded once everything is written, from the rows just written:
            # a revision open during the write would also follow the brief's
            # old parts at its save, only to drop them again. Within this
            # transaction already, so no savepoint of its own.
            with reversion.create_revision(atomic=False):
                reversion.set_comment(f"Imported from {planned.source_path}")
                if self.options.user is not None:
                    reversion.set_user(self.options.user)
                reversion.add_to_revision(brief)
        return brief


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
    while len(results) < len(files):
        done, error = _import_batch(importer, files[len(results) :])
        results.extend(done)
        if progress is not None:
            for result in done:
                progress(result, len(files))
        if error is not None:
            raise error
    return ImportRun(results=tuple(results), starter=starter)


# A run commits its documents in batches: a commit and a re-index per
# document cost as much as writing a short brief. A batch ends after this
# many documents or seconds, whichever comes first, so that a run of large
# documents does not keep others waiting to write for long.
BATCH_DOCUMENTS = 100
BATCH_SECONDS = 0.5


def _import_batch(
    importer: Importer, files: Sequence[tuple[Path, bool]]
) -> tuple[list[ImportResult], Exception | None]:
    """Import the first of ``files`` in one transaction, and re-index their
    briefs together when it ends.

    Each document writes in a savepoint of its own (``Importer._save``), so
    one that fails or raises leaves nothing, and the others stay. Returns
    the results, known once committed, and the exception that stopped the
    batch, if one did: the documents before it are committed all the same.
    """
    files = files[:BATCH_DOCUMENTS]
    done: list[ImportResult] = []
    error = None
    ends = time.monotonic() + BATCH_SECONDS
    # A dry run writes nothing, so it takes no write lock either.
    atomic = contextlib.nullcontext if importer.options.dry_run else transaction.atomic
    with atomic(), search.batch():
        source_paths = [
            source_path_for(path, follow_symlinks=follow) for path, follow in files
        ]
        importer.expect(source_paths)
        for (path, follow), source_path in zip(files, source_paths, strict=True):
            try:
                result = importer.file(
                    path, follow_symlinks=follow, source_path=source_path
                )
            except Exception as exception:
                error = exception
                break
            done.append(result)
            if time.monotonic() >= ends:
                break
    return done, error


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


def _record_public_change(brief: Brief, existing: Brief | None) -> None:
    """A new published brief gets its first version; a live one re-imported
    from a changed source document is an update, noted for readers.

    ``brief`` is ``_Written.read_back``'s, which the public version's
    snapshot reads as it is.
    """
    if existing is not None and existing.is_public:
        versions.record_public_change(
            brief,
            kind=Correction.Kind.UPDATE,
            note="Updated from a revised version of the source document.",
            outlined=True,
        )
    else:
        was_status = existing.status if existing is not None else None
        versions.after_save(brief, was_status=was_status, was_live=False, outlined=True)


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
    return value


@dataclass(frozen=True)
class _Written:
    """A brief an import has just written, and the rows of its parts."""

    brief: Brief
    key_points: list[KeyPoint]
    sections: list[Section]
    brief_tags: list[TaggedBrief]
    section_tags: dict[int, list[TaggedSection]]

    def read_back(self, *, created: bool) -> Brief:
        """The brief as ``Brief.objects.for_revision().with_outline()`` gives
        it, for its revision and its public version's snapshot, in one query
        rather than thirteen: its row read back (so every field is as the
        database keeps it), with the parts just written as its prefetched
        relations (their fields are the very values inserted). A brief just
        ``created`` has no corrections; an updated one's are fetched."""
        brief = Brief.objects.get(pk=self.brief.pk)
        _prefetched(brief, "key_points", self.key_points)
        _prefetched(brief, "sections", self.sections)
        _prefetched(brief, "tagged_items", self.brief_tags)
        _prefetched(brief, "tags", [row.tag for row in self.brief_tags])
        corrections = [] if created else brief.corrections.order_by("created_at", "pk")
        _prefetched(brief, "corrections", list(corrections))
        for section in self.sections:
            rows = self.section_tags.get(section.pk, [])
            _prefetched(section, "tagged_items", rows)
            _prefetched(section, "tags", [row.tag for row in rows])
        return brief


def _prefetched(instance: Any, relation: str, rows: list) -> None:
    """Give ``instance`` the rows of its reverse relation ``relation`` as
    ``prefetch_related`` would have fetched them, so reading it runs no query.

    Django has no public way to hand over rows already in memory; this sets
    the same cache its prefetching sets. The rows must be all of the
    relation's rows, in its order.
    """
    queryset = getattr(instance, relation).all()
    queryset._result_cache = list(rows)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[relation] = queryset


def _write(
    brief: Brief | None,
    planned: _Planned,
    options: ImportOptions,
    *,
    tags: TagRows,
) -> _Written:
    """Create ``brief`` (when None) or replace its content with the planned one.

    ``user`` is recorded as a new brief's creator and with its first status.
    Returns the brief and the rows written for its parts (their ids set by
    the bulk inserts).
    """
    plan, source_path = planned.plan, planned.source_path
    fields = {
        "title": plan["title"],
        "dateline": plan["dateline"],
        "summary": plan["summary"],
        "source_name": plan["source_name"],
        "byline": plan["byline"],
        "source_url": plan["source_url"],
        "source_path": source_path,
        "source_sha256": planned.sha256,
        "import_fingerprint": content_fingerprint(plan),
    }
    publish, user = options.publish, options.user
    published_at = _published_at(planned.doc.published) if options.dated else None
    if brief is None:
        brief = Brief(
            **fields,
            status=Brief.Status.PUBLISHED if publish else Brief.Status.DRAFT,
            published_at=published_at or (now_to_the_second() if publish else None),
            import_version=1,
            created_by=user,
        )
        brief.save()
        workflow.record_status_change(
            brief=brief,
            from_status="",
            to_status=brief.status,
            via=StatusChange.Via.IMPORT,
            user=user,
            note=_status_note(f"Imported from {source_path}"),
        )
    else:
        for name, value in fields.items():
            setattr(brief, name, value)
        if published_at:
            brief.published_at = published_at
        brief.import_version = brief.version + 1  # the version this save makes
        brief.save()
        brief.key_points.all().delete()
        brief.sections.all().delete()
        TaggedBrief.objects.filter(content_object=brief).delete()
        BriefProposal.objects.filter(brief=brief).delete()

    key_points = KeyPoint.objects.bulk_create(
        KeyPoint(brief=brief, text=text, position=position)
        for position, text in enumerate(plan["key_points"])
    )
    sections = Section.objects.bulk_create(
        Section(
            brief=brief,
            position=position,
            heading=section["heading"],
            anchor=section["anchor"],
            body=section["body"],
            body_html=render_markdown(section["body"]),
        )
        for position, section in enumerate(plan["sections"])
    )
    section_tags = [
        (section, tags.get_or_create(name))
        for section, section_plan in zip(sections, plan["sections"], strict=True)
        for name in section_plan["tags"]
    ]
    section_rows = TaggedSection.objects.bulk_create(
        TaggedSection(content_object=section, tag=tag) for section, tag in section_tags
    )
    brief_rows = TaggedBrief.objects.bulk_create(
        TaggedBrief(content_object=brief, tag=tags.get_or_create(name))
        for name in plan["tags"]
    )
    # The tagger's memory: every tag a section has now was proposed.
    SectionProposal.objects.bulk_create(
        SectionProposal(section=section, tag=tag) for section, tag in section_tags
    )
    BriefProposal.objects.bulk_create(
        BriefProposal(brief=brief, tag=tags.get_or_create(name))
        for name in plan["proposed_tags"]
    )
    rows_by_section: dict[int, list[TaggedSection]] = {}
    for row in section_rows:
        rows_by_section.setdefault(row.content_object_id, []).append(row)
    return _Written(brief, key_points, sections, brief_rows, rows_by_section)
