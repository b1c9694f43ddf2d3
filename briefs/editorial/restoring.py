"""Restoring an old revision of a brief, or recovering a deleted one, by its edit form.

The admin shows the change form over the brief as the revision recorded it:
``Restoring.put_back`` writes that content in a transaction, which is rolled
back after the form is shown, or kept when the form is saved. A
``Restoring`` is made from the brief as it stands before anything is put
back, and carries what the form and its save need to know of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reversion.models import Version

from briefs.editorial.diffing import BriefDiff, diff_briefs
from briefs.editorial.history import (
    KEPT_FIELDS,
    KEPT_ON_RESTORE,
    recovered_fields,
    restore_brief,
    snapshot,
)
from briefs.ingest.exporting import brief_to_dict
from briefs.models import Brief, StatusChange


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
