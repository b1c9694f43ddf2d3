"""Editorial workflow: who may move a brief to which status, and the record of it.

Writers create and edit drafts and submit them for review. Editors (the
``briefs.publish_brief`` permission) also publish, unpublish and archive.
Every change of status is recorded with who and when.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, QuerySet

from briefs import caching
from briefs.models import Brief, StatusChange, now_to_the_second

Status = Brief.Status
PUBLISH_PERMISSION = "briefs.publish_brief"
# What a writer may set; everything else needs the publish permission.
WRITER_STATUSES = frozenset({Status.DRAFT, Status.REVIEW})


def can_publish(user) -> bool:
    return user.has_perm(PUBLISH_PERMISSION)


def allowed_statuses(user, current: str | None) -> list[str]:
    """The statuses ``user`` may choose for a brief now at ``current``."""
    if can_publish(user):
        return list(Status.values)
    if current is not None and current not in WRITER_STATUSES:
        # A writer cannot move a published or archived brief at all.
        return [current]
    return [status for status in Status.values if status in WRITER_STATUSES]


def may_edit(user, brief: Brief) -> bool:
    """Writers edit drafts and briefs in review; editors edit everything."""
    return can_publish(user) or brief.status in WRITER_STATUSES


def record_status_change(
    *, brief: Brief, from_status: str, to_status: str, user=None, note: str = ""
) -> StatusChange | None:
    """Record one change of status; nothing when the status did not change."""
    if from_status == to_status:
        return None
    return StatusChange.objects.create(
        brief=brief,
        from_status=from_status or "",
        to_status=to_status,
        user=user if getattr(user, "is_authenticated", False) else None,
        note=note,
    )


def change_status(
    *, briefs: QuerySet[Brief], to_status: str, user, note: str = ""
) -> int:
    """Move ``briefs`` to ``to_status`` in one transaction; returns how many changed.

    Publishing dates a brief that has no date yet. Every changed brief's
    version goes up, so an editor's form opened before this change cannot
    silently undo it, and each change is recorded.
    """
    now = now_to_the_second()
    with transaction.atomic():
        targets = list(
            Brief.objects.select_for_update()
            .filter(pk__in=briefs.values("pk"))
            .exclude(status=to_status)
            .order_by("pk")
            .values_list("pk", "status")
        )
        if not targets:
            return 0
        pks = [pk for pk, _ in targets]
        if to_status == Status.PUBLISHED:
            Brief.objects.filter(pk__in=pks, published_at__isnull=True).update(
                published_at=now
            )
        Brief.objects.filter(pk__in=pks).update(
            status=to_status, updated_at=now, version=F("version") + 1
        )
        StatusChange.objects.bulk_create(
            StatusChange(
                brief_id=pk,
                from_status=from_status,
                to_status=to_status,
                user=user if getattr(user, "is_authenticated", False) else None,
                note=note,
                changed_at=now,
            )
            for pk, from_status in targets
        )
        caching.content_changed()
    return len(targets)


def history(brief: Brief) -> Iterable[StatusChange]:
    return brief.status_changes.select_related("user")
