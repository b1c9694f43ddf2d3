"""The readers' record of change: public versions, updates and corrections.

A brief gets its next public version each time it is published and each
time it changes publicly. An editor changing a live brief says what kind of
change it is:

- *minor* (a typo, formatting): no public note, no new version; the current
  version's text is brought up to date, so "version N" always reads as the
  page does;
- *update* (new information) or *correction* (an error fixed): a dated public
  note (``Correction``) and the next version, with the brief's ``revised_at``
  moved on.

Each version keeps the brief as it then was, in the export format, so drafts
saved between two public versions are never shown to readers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models import F

from briefs.ingest.exporting import brief_to_dict
from briefs.models import Brief, Correction, PublicVersion, now_to_the_second

MINOR = "minor"
# What an editor answers when changing a live brief: (value, name, what it means).
CHANGE_KINDS = [
    (MINOR, "Minor edit", "a typo or formatting; no public note"),
    (Correction.Kind.UPDATE, "Update", "new information; a dated public note"),
    (
        Correction.Kind.CORRECTION,
        "Correction",
        "an error fixed; a dated public note, shown under the headline",
    ),
]


# The export's record-of-change keys describe the brief, not one version of it.
RECORD_KEYS = ("version", "corrections")


def _snapshot(brief: Brief, *, outlined: bool = False) -> dict:
    """The brief's content as a public version keeps it.

    With ``outlined``, ``brief`` already carries ``with_outline()``'s
    prefetches, as the database has them now (an import's brief, made from
    the rows just written), and is read as it is; otherwise it is fetched
    again with them (a brief an editor has just saved may carry prefetches
    from before the save).
    """
    if not outlined:
        brief = Brief.objects.with_outline().get(pk=brief.pk)
    data = brief_to_dict(brief)
    return {key: value for key, value in data.items() if key not in RECORD_KEYS}


def _latest_number(brief: Brief) -> int:
    """The number of the brief's latest public version; 0 when it has none."""
    latest = (
        PublicVersion.objects.filter(brief_id=brief.pk)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return latest or 0


def _save(
    brief: Brief,
    *,
    kind: str,
    published_at: dt.datetime,
    correction: Correction | None = None,
    number: int | None = None,
    outlined: bool = False,
) -> PublicVersion:
    """Record the brief's next public version (``number``, when the caller
    has looked it up already) and point the brief at it."""
    if number is None:
        number = _latest_number(brief) + 1
    version = PublicVersion.objects.create(
        brief_id=brief.pk,
        number=number,
        kind=kind,
        correction=correction,
        published_at=published_at,
        snapshot=_snapshot(brief, outlined=outlined),
    )
    fields = {"public_version": version.number}
    if correction is not None:
        fields["revised_at"] = correction.created_at
    # An update, not save(): the brief's edit version (the form guard) and
    # updated_at are the editor's save's business, already done.
    Brief.objects.filter(pk=brief.pk).update(**fields)
    for name, value in fields.items():
        setattr(brief, name, value)
    return version


def record_publication(brief: Brief, *, outlined: bool = False) -> PublicVersion:
    """The brief has just been published (or published again): its next version.

    The version is dated when readers first see it: the publication time for
    a first publication or a scheduled one, otherwise now. ``outlined``: see
    ``_snapshot``.
    """
    now = now_to_the_second()
    published_at = brief.published_at or now
    latest = _latest_number(brief)
    if latest:
        published_at = max(published_at, now)
    return _save(
        brief,
        kind=PublicVersion.Kind.PUBLISHED,
        published_at=published_at,
        number=latest + 1,
        outlined=outlined,
    )


def record_first_publications(briefs: Sequence[Brief]) -> list[PublicVersion]:
    """Version 1 of each of ``briefs``, new briefs just published, in one
    insert: ``record_publication``'s for a brief that has no version yet.

    Each brief carries its number already (``public_version`` 1, saved with
    it) and ``with_outline()``'s prefetches, as the database has them now;
    the version is dated at its publication time.
    """
    return PublicVersion.objects.bulk_create(
        PublicVersion(
            brief_id=brief.pk,
            number=1,
            kind=PublicVersion.Kind.PUBLISHED,
            published_at=brief.published_at,
            snapshot=_snapshot(brief, outlined=True),
        )
        for brief in briefs
    )


def record_public_change(
    brief: Brief, *, kind: str, note: str, user=None, outlined: bool = False
) -> PublicVersion:
    """A live brief has changed publicly: its note, and its next version.

    ``outlined``: see ``_snapshot`` (the new note need not be among the
    brief's prefetched corrections: a snapshot leaves the record of change out).
    """
    correction = Correction.objects.create(
        brief_id=brief.pk,
        kind=kind,
        note=note.strip(),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    return _save(
        brief,
        kind=kind,
        published_at=correction.created_at,
        correction=correction,
        outlined=outlined,
    )


def amend_current_version(brief: Brief, *, outlined: bool = False) -> None:
    """A minor edit, or an edit before a scheduled version goes out: refresh
    its text. ``outlined``: see ``_snapshot``."""
    PublicVersion.objects.filter(
        brief_id=brief.pk, number=F("brief__public_version")
    ).update(snapshot=_snapshot(brief, outlined=outlined))


def after_save(
    brief: Brief,
    *,
    was_status: str | None,
    was_live: bool,
    change_kind: str = MINOR,
    note: str = "",
    user=None,
    outlined: bool = False,
) -> PublicVersion | None:
    """Keep the record after any write to a brief's content or status.

    ``was_status`` and ``was_live`` describe the brief before the write
    (``None`` and ``False`` for a new one); ``change_kind`` and ``note`` are
    the editor's answer for a change to a live brief. ``outlined``: see
    ``_snapshot``.
    """
    if brief.status != Brief.Status.PUBLISHED:
        return None
    if was_status != Brief.Status.PUBLISHED:
        return record_publication(brief, outlined=outlined)
    if was_live and change_kind != MINOR:
        return record_public_change(
            brief, kind=change_kind, note=note, user=user, outlined=outlined
        )
    amend_current_version(brief, outlined=outlined)
    return None
