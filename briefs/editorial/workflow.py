"""Editorial workflow: who may move a brief to which status, and the record of it.

Writers create and edit drafts and submit them for review, on the briefs
they created or are assigned to. Editors (the ``briefs.publish_brief``
permission) edit every brief, and publish, unpublish and archive. One rule,
``refusal``, judges every write to a brief by anyone, on every path. Every
change of status is recorded with who, when and how.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from briefs.editorial import versions
from briefs.models import Brief, StatusChange, now_to_the_second
from briefs.tag_counts import lock_counts

Status = Brief.Status
PUBLISH_PERMISSION = "briefs.publish_brief"
# What a writer may set; everything else needs the publish permission.
WRITER_STATUSES = frozenset({Status.DRAFT, Status.REVIEW})


def can_publish(user) -> bool:
    return user.has_perm(PUBLISH_PERMISSION)


def owns(user, brief: Brief) -> bool:
    """Whether ``user`` created ``brief`` or is assigned to it."""
    return user.pk is not None and user.pk in (
        brief.created_by_id,
        brief.assigned_to_id,
    )


def can_preview(user) -> bool:
    """Staff who may view briefs see unpublished ones at their public address."""
    return user.is_active and user.is_staff and user.has_perm("briefs.view_brief")


def refusal(user, brief: Brief | None, *, to_status: str | None = None) -> str | None:
    """Why ``user`` may not make this write to a brief, or None when they may.

    The one rule for every write path (the edit form and its inlines,
    restoring a revision, recovering a deleted brief, bulk actions,
    re-tagging). ``brief`` is the brief as it is now, read from the database
    (None for a new brief); ``to_status`` is its status after the write
    (None when the write leaves the status alone). Editors may do anything.
    Writers edit only drafts and briefs in review that they created or are
    assigned to, and never move a brief out of those two statuses.
    """
    if not user.is_active:
        return "Your account is not active."
    needed = "briefs.add_brief" if brief is None else "briefs.change_brief"
    if not user.has_perm(needed):
        return "You do not have permission to change briefs."
    if can_publish(user):
        return None
    if brief is not None:
        if brief.status not in WRITER_STATUSES:
            return (
                f"“{brief.title}” is {brief.state_label}: only an editor can change "
                "it. Ask an editor to make the change or to unpublish it first."
            )
        if not owns(user, brief):
            return (
                f"“{brief.title}” belongs to another writer: ask an editor to "
                "assign it to you."
            )
    if to_status is not None and to_status not in WRITER_STATUSES:
        return "Only editors can publish, schedule, unpublish or archive briefs."
    return None


def may_change(user, brief: Brief | None, *, to_status: str | None = None) -> bool:
    return refusal(user, brief, to_status=to_status) is None


def judge(
    user, briefs: Iterable[Brief], *, to_status: str | None = None
) -> tuple[list[Brief], list[tuple[Brief, str]]]:
    """``briefs`` split by ``refusal``: those ``user`` may write, and those
    refused, each with the reason."""
    allowed, refused = [], []
    for brief in briefs:
        reason = refusal(user, brief, to_status=to_status)
        if reason is None:
            allowed.append(brief)
        else:
            refused.append((brief, reason))
    return allowed, refused


def allowed_statuses(user, current: str | None) -> list[str]:
    """The statuses ``user`` may choose for a brief now at ``current``."""
    if can_publish(user):
        return list(Status.values)
    if current is not None and current not in WRITER_STATUSES:
        # A writer cannot move a published or archived brief at all.
        return [current]
    return [status for status in Status.values if status in WRITER_STATUSES]


def record_status_change(
    *,
    brief: Brief,
    from_status: str,
    to_status: str,
    via: str,
    user=None,
    note: str = "",
) -> StatusChange | None:
    """Record one change of status; nothing when the status did not change."""
    if from_status == to_status:
        return None
    return StatusChange.objects.create(
        brief_id=brief.pk,
        from_status=from_status or "",
        to_status=to_status,
        via=via,
        user=user if getattr(user, "is_authenticated", False) else None,
        note=note,
    )


@dataclass(frozen=True)
class Move:
    """A change of status an editor asks for by name, on the briefs selected.

    ``permission`` is the model permission the admin checks before offering
    it ("change" or "publish"); ``refusal`` still judges each brief.
    ``only_from`` narrows the selection to briefs in those statuses, and
    ``done`` reports the result, with ``{count}`` and ``{briefs}``.
    """

    name: str
    to_status: str
    description: str
    permission: str
    done: str
    only_from: tuple[str, ...] = ()


MOVES = (
    Move(
        "submit_for_review",
        Status.REVIEW,
        "Submit selected drafts for review",
        "change",
        "Submitted {count} {briefs} for review.",
        only_from=(Status.DRAFT,),
    ),
    # A scheduled brief (published, dated later) is already published: left alone.
    Move(
        "publish",
        Status.PUBLISHED,
        "Publish selected briefs",
        "publish",
        "Published {count} {briefs}.",
    ),
    # published_at stays, so publishing again keeps the original date.
    Move(
        "unpublish",
        Status.DRAFT,
        "Unpublish selected briefs",
        "publish",
        "Unpublished {count} {briefs}; they are drafts now.",
        only_from=(Status.PUBLISHED,),
    ),
    Move(
        "archive",
        Status.ARCHIVED,
        "Archive selected briefs",
        "publish",
        "Archived {count} {briefs}.",
    ),
)


@dataclass(frozen=True)
class FormMove:
    """A button on the brief's edit form: a save that may also move the brief.

    ``to_status`` is the status the save asks for (None keeps the brief's).
    ``offered_on`` names the states (see ``form_state``) whose form offers
    it; ``writers_only`` moves are offered to those who cannot publish, as
    editors publish instead. The form offers a move only where ``refusal``
    allows it, and judges it again on save: a button proves nothing.
    """

    name: str
    to_status: str | None
    offered_on: frozenset[str]
    writers_only: bool = False


NOT_LIVE = frozenset({"new", Status.DRAFT, Status.REVIEW, Status.ARCHIVED, "scheduled"})
FORM_MOVES = (
    FormMove("save", None, NOT_LIVE | {"live"}),
    FormMove(
        "submit_for_review",
        Status.REVIEW,
        frozenset({"new", Status.DRAFT}),
        writers_only=True,
    ),
    # Publishing now dates the brief now unless it has an earlier date (a
    # brief published before keeps its first date); scheduling needs a
    # date to come.
    FormMove("publish", Status.PUBLISHED, NOT_LIVE),
    FormMove("schedule", Status.PUBLISHED, NOT_LIVE),
    # published_at stays, as for the bulk action.
    FormMove("unpublish", Status.DRAFT, frozenset({"live", "scheduled"})),
)
FORM_MOVES_BY_NAME = {move.name: move for move in FORM_MOVES}


def form_state(brief: Brief | None) -> str:
    """Where ``brief`` stands, as its form sees it: "new", "live", "scheduled",
    or its status (draft, review, archived)."""
    if brief is None:
        return "new"
    if brief.is_scheduled:
        return "scheduled"
    if brief.is_public:
        return "live"
    return brief.status


def form_moves(user, brief: Brief | None) -> list[FormMove]:
    """The moves the edit form offers ``user`` on ``brief`` (None: a new one), in order."""
    state = form_state(brief)
    return [
        move
        for move in FORM_MOVES
        if state in move.offered_on
        and not (move.writers_only and can_publish(user))
        and may_change(user, brief, to_status=move.to_status)
    ]


@dataclass(frozen=True)
class StatusChangeResult:
    changed: int
    # The briefs left alone, each with the reason.
    refused: tuple[tuple[Brief, str], ...] = ()


def change_status(
    *,
    briefs: QuerySet[Brief],
    to_status: str,
    user,
    note: str = "",
    via: str = StatusChange.Via.ACTION,
) -> StatusChangeResult:
    """Move ``briefs`` to ``to_status`` in one transaction, as far as ``user`` may.

    Each brief is judged by ``refusal`` as it is now; those ``user`` may not
    move are left alone and reported. Publishing dates a brief that has no
    date yet and gives it its next public version. Every changed brief's
    version goes up, so an editor's form opened before this change cannot
    silently undo it, and each change is recorded.
    """
    now = now_to_the_second()
    with transaction.atomic():
        lock_counts()
        candidates = list(
            Brief.objects.select_for_update()
            .filter(pk__in=briefs.values("pk"))
            .exclude(status=to_status)
            .order_by("pk")
        )
        targets, refused = judge(user, candidates, to_status=to_status)
        if not targets:
            return StatusChangeResult(0, tuple(refused))
        pks = [brief.pk for brief in targets]
        if to_status == Status.PUBLISHED:
            Brief.objects.filter(pk__in=pks, published_at__isnull=True).update(
                published_at=now
            )
        Brief.objects.filter(pk__in=pks).touch(status=to_status)
        if to_status != Status.PUBLISHED:
            # A brief taken off its schedule loses the time it was to go
            # live, so that publishing it later publishes it then; a brief
            # that was live keeps its first date.
            unscheduled = [brief.pk for brief in targets if brief.is_scheduled]
            Brief.objects.filter(pk__in=unscheduled).update(published_at=None)
        StatusChange.objects.bulk_create(
            # Each brief's status as read, before the update above.
            StatusChange(
                brief_id=brief.pk,
                from_status=brief.status,
                to_status=to_status,
                via=via,
                user=user if getattr(user, "is_authenticated", False) else None,
                note=note,
                changed_at=now,
            )
            for brief in targets
        )
        if to_status == Status.PUBLISHED:
            for brief in Brief.objects.filter(pk__in=pks):
                versions.record_publication(brief)
    return StatusChangeResult(len(targets), tuple(refused))
