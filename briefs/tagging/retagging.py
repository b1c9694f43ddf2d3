"""Re-tag briefs with the current vocabulary, keeping editors' tag decisions.

Each brief and section remembers what the tagger proposed last time
(``proposed_tags``, rows that point at the tags). Against that memory, a tag the brief has now but the tagger
never proposed is an editor's addition, and a proposed tag the brief no longer
has is an editor's removal; both stand. Only the tagger's own earlier
proposals are withdrawn when it stops proposing them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import reversion
from django.db import models, transaction
from django.db.models import F, Prefetch, QuerySet

from briefs.ingest.exporting import brief_to_dict, content_fingerprint, sorted_names
from briefs.models import (
    Brief,
    BriefProposal,
    Section,
    SectionProposal,
    TaggedBrief,
    TaggedSection,
)
from briefs.tag_counts import lock_counts
from briefs.tagging.tagger import section_text
from briefs.tagging.vocabulary import TagRows, vocabulary_tagger

REVISION_COMMENT = "Re-tagged"
# Briefs fetched (with their sections and tags) per query batch.
BATCH_SIZE = 100
# Rows of the tagger's memory deleted or created per query.
WRITE_BATCH = 500


@dataclass(frozen=True)
class TagChange:
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)

    def describe(self) -> str:
        parts = []
        if self.added:
            parts.append(f"added {', '.join(self.added)}")
        if self.removed:
            parts.append(f"removed {', '.join(self.removed)}")
        return "; ".join(parts)


@dataclass(frozen=True)
class SectionChange:
    section_id: int
    anchor: str
    heading: str
    tags: TagChange


@dataclass(frozen=True)
class BriefChange:
    brief_id: int
    slug: str
    title: str
    tags: TagChange
    sections: tuple[SectionChange, ...] = ()

    @property
    def added(self) -> int:
        return len(self.tags.added) + sum(len(s.tags.added) for s in self.sections)

    @property
    def removed(self) -> int:
        return len(self.tags.removed) + sum(len(s.tags.removed) for s in self.sections)

    def describe(self) -> str:
        """One line: the slug, then what changes on the brief and on each section."""
        parts = []
        if self.tags:
            parts.append(f"brief: {self.tags.describe()}")
        for section in self.sections:
            label = section.heading or "opening section"
            parts.append(f"“{label}”: {section.tags.describe()}")
        return f"{self.slug}: " + " | ".join(parts)


@dataclass(frozen=True)
class RetagReport:
    dry_run: bool
    checked: int = 0
    changes: tuple[BriefChange, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> int:
        return len(self.changes)

    @property
    def added(self) -> int:
        return sum(change.added for change in self.changes)

    @property
    def removed(self) -> int:
        return sum(change.removed for change in self.changes)

    def summary(self) -> str:
        briefs = (
            f"{self.changed} of {self.checked} brief{'s' if self.checked != 1 else ''}"
        )
        counts = f"{self.added} tags added, {self.removed} removed"
        if self.dry_run:
            return f"Dry run, nothing written: {briefs} would be re-tagged: {counts}"
        return f"Re-tagged {briefs}: {counts}"


@dataclass(frozen=True)
class Reconciled:
    """The outcome for one brief or section: what changes, and the new memory."""

    change: TagChange
    proposed_tags: list[str]
    memory_changed: bool


def reconcile(
    *, current: Iterable[str], last: Iterable[str], new: Iterable[str]
) -> Reconciled:
    """Tags = (current − (last − new)) ∪ (new − (last − current)), names compared case-insensitively.

    ``current`` are the tags now, ``last`` what the tagger proposed last
    time, ``new`` what it proposes now. A withdrawn proposal goes unless an
    editor removed it already; a new proposal comes unless an editor removed
    it before. Anything else an editor did stays.
    """
    now = {name.casefold(): name for name in current}
    before = {name.casefold() for name in last}
    proposed = {name.casefold(): name for name in new}
    result = (now.keys() - (before - proposed.keys())) | (
        proposed.keys() - (before - now.keys())
    )
    return Reconciled(
        change=TagChange(
            added=tuple(sorted_names(proposed[k] for k in result - now.keys())),
            removed=tuple(sorted_names(now[k] for k in now.keys() - result)),
        ),
        proposed_tags=sorted_names(proposed.values()),
        memory_changed=before != proposed.keys(),
    )


def retag_briefs(*, briefs: QuerySet[Brief], dry_run: bool = False) -> RetagReport:
    """Re-tag ``briefs`` and their sections from their text; report what changes.

    Each changed brief is written in its own transaction with a revision
    ("Re-tagged") in its history. A brief whose only change is the tagger's
    memory is updated quietly, without a revision. ``dry_run`` writes nothing.
    Raises VocabularyError if the starter vocabulary must be loaded and cannot be.
    """
    tagger = vocabulary_tagger(dry_run=dry_run)
    tags = TagRows(tagger.kinds)
    pks = list(briefs.order_by("pk").values_list("pk", flat=True))
    changes: list[BriefChange] = []
    quiet = _MemoryWrites(tags)
    # Batches by primary key, not a streaming cursor: the loop writes to the
    # tables it reads, which SQLite does not isolate from an open cursor.
    for offset in range(0, len(pks), BATCH_SIZE):
        batch = pks[offset : offset + BATCH_SIZE]
        memory = _remembered(batch)
        for brief in _with_tags(Brief.objects.filter(pk__in=batch)).order_by("pk"):
            sections = list(brief.sections.all())
            found = tagger.tag_document(
                title=brief.title,
                dateline=brief.dateline,
                key_points=[point.text for point in brief.key_points.all()],
                sections=[section_text(s.heading, s.body) for s in sections],
            )
            brief_plan = reconcile(
                current=(item.tag.name for item in brief.tagged_items.all()),
                last=(name for _, name in memory[Brief, brief.pk]),
                new=(tags.name(name) for name in found.brief),
            )
            section_plans = [
                reconcile(
                    current=(item.tag.name for item in section.tagged_items.all()),
                    last=(name for _, name in memory[Section, section.pk]),
                    new=(tags.name(name) for name in names),
                )
                for section, names in zip(sections, found.sections, strict=True)
            ]
            change = BriefChange(
                brief_id=brief.pk,
                slug=brief.slug,
                title=brief.title,
                tags=brief_plan.change,
                sections=tuple(
                    SectionChange(s.pk, s.anchor, s.heading, plan.change)
                    for s, plan in zip(sections, section_plans, strict=True)
                    if plan.change
                ),
            )
            changed = bool(change.tags or change.sections)
            if changed:
                changes.append(change)
            if dry_run:
                continue
            # A changed brief's memory is written with its tags; the rest at the end.
            writes = _MemoryWrites(tags) if changed else quiet
            writes.add(brief, memory[Brief, brief.pk], brief_plan)
            for section, plan in zip(sections, section_plans, strict=True):
                writes.add(section, memory[Section, section.pk], plan)
            if changed:
                _write(brief, sections, brief_plan, section_plans, tags, writes)
    if quiet:
        with transaction.atomic():
            lock_counts()  # one order with the writes that move counts
            quiet.save()
    return RetagReport(dry_run=dry_run, checked=len(pks), changes=tuple(changes))


def _with_tags(briefs: QuerySet[Brief]) -> QuerySet[Brief]:
    """``briefs`` with their key points, sections and tag rows, each row with its tag."""
    return briefs.prefetch_related(
        "key_points",
        Prefetch("tagged_items", queryset=TaggedBrief.objects.select_related("tag")),
        Prefetch(
            "sections",
            queryset=Section.objects.prefetch_related(
                Prefetch(
                    "tagged_items",
                    queryset=TaggedSection.objects.select_related("tag"),
                )
            ),
        ),
    )


# The tagger's memory of one brief or section: (row id, tag name) pairs.
_Remembered = list[tuple[int, str]]


def _remembered(brief_ids: list[int]) -> dict[tuple[type, int], _Remembered]:
    """The memory of the briefs ``brief_ids`` and of their sections, by (model, id)."""
    memory: dict[tuple[type, int], _Remembered] = defaultdict(list)
    for model, rows in (
        (Brief, BriefProposal.objects.filter(brief_id__in=brief_ids)),
        (Section, SectionProposal.objects.filter(section__brief_id__in=brief_ids)),
    ):
        owner = f"{model._meta.model_name}_id"
        for pk, owner_id, name in rows.values_list("pk", owner, "tag__name"):
            memory[model, owner_id].append((pk, name))
    return memory


class _MemoryWrites:
    """Changes to the tagger's memory, gathered, then written in a few bulk queries."""

    def __init__(self, tags: TagRows):
        self.tags = tags
        self.stale: dict[type[models.Model], list[int]] = defaultdict(list)
        self.new: dict[type[models.Model], list[tuple[models.Model, str]]] = (
            defaultdict(list)
        )

    def __bool__(self) -> bool:
        return any(self.stale.values()) or any(self.new.values())

    def add(self, owner: Brief | Section, rows: _Remembered, plan: Reconciled) -> None:
        """Make ``owner``'s memory, read as ``rows``, ``plan.proposed_tags``."""
        if not plan.memory_changed:
            return
        through = BriefProposal if isinstance(owner, Brief) else SectionProposal
        keep = {name.casefold() for name in plan.proposed_tags}
        had = {name.casefold() for _, name in rows}
        self.stale[through] += [pk for pk, name in rows if name.casefold() not in keep]
        self.new[through] += [
            (owner, name) for name in plan.proposed_tags if name.casefold() not in had
        ]

    def save(self) -> None:
        """Write what was gathered (creating any tag that is missing) and forget it."""
        for through, pks in self.stale.items():
            for start in range(0, len(pks), WRITE_BATCH):
                through.objects.filter(pk__in=pks[start : start + WRITE_BATCH]).delete()
        for through, new in self.new.items():
            through.objects.bulk_create(
                (
                    through(
                        **{owner._meta.model_name: owner},
                        tag=self.tags.get_or_create(name),
                    )
                    for owner, name in new
                ),
                batch_size=WRITE_BATCH,
            )
        self.stale.clear()
        self.new.clear()


def _write(
    brief: Brief,
    sections: Sequence[Section],
    brief_plan: Reconciled,
    section_plans: Sequence[Reconciled],
    tags: TagRows,
    memory: _MemoryWrites,
) -> None:
    """Apply one brief's changes in bulk, in one transaction, with a revision."""
    with transaction.atomic(), reversion.create_revision():
        lock_counts()
        reversion.set_comment(REVISION_COMMENT)
        # Machine work is not an editor's change: a brief untouched since its
        # import stays untouched, so a later re-import may still update it.
        untouched = bool(brief.import_fingerprint) and (
            _fingerprint(brief.pk) == brief.import_fingerprint
        )
        stale_brief_items = _stale(brief, brief_plan)
        stale_section_items = [
            pk
            for section, plan in zip(sections, section_plans, strict=True)
            for pk in _stale(section, plan)
        ]
        if stale_brief_items:
            TaggedBrief.objects.filter(pk__in=stale_brief_items).delete()
        if stale_section_items:
            TaggedSection.objects.filter(pk__in=stale_section_items).delete()
        TaggedBrief.objects.bulk_create(
            TaggedBrief(content_object=brief, tag=tags.get_or_create(name))
            for name in brief_plan.change.added
        )
        TaggedSection.objects.bulk_create(
            TaggedSection(content_object=section, tag=tags.get_or_create(name))
            for section, plan in zip(sections, section_plans, strict=True)
            for name in plan.change.added
        )
        memory.save()
        # A new version: an editor's form opened before this re-tag cannot
        # silently put the old tags back.
        fields = {}
        if untouched:
            fields["import_fingerprint"] = _fingerprint(brief.pk)
            # touch() moves version on in the same update: this is the new one.
            fields["import_version"] = F("version") + 1
        Brief.objects.filter(pk=brief.pk).touch(**fields)
        reversion.add_to_revision(Brief.objects.for_revision().get(pk=brief.pk))


def _stale(owner: Brief | Section, plan: Reconciled) -> list[int]:
    """The tagged-item rows of ``owner`` whose tags ``plan`` removes."""
    removed = {name.casefold() for name in plan.change.removed}
    return [
        item.pk
        for item in owner.tagged_items.all()
        if item.tag.name.casefold() in removed
    ]


def _fingerprint(pk: int) -> str:
    return content_fingerprint(brief_to_dict(Brief.objects.with_outline().get(pk=pk)))
