"""The record of an import run: what the desk shows of the last imports.

An import from the command line or from the admin's import page leaves an
``ImportRecord``: when, by whom, how many files had each outcome, and each
failure and conflict with what the importer said of it, so an editor can
see later what went wrong without having watched the run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from django.db import transaction

from briefs.control_chars import visible
from briefs.ingest.importing import ImportResult, Outcome
from briefs.models import ImportProblem, ImportRecord

# The outcomes an editor has to act on, each a row of the record's problems.
PROBLEMS = (Outcome.CONFLICT, Outcome.FAILED)


def record_import(
    results: Sequence[ImportResult], *, user=None, via: str
) -> ImportRecord:
    """Record one import run that wrote to the database: its ``results`` in
    the order they came, run by ``user`` (None, or anyone not signed in,
    for nobody known) from the command line or the import page (``via``,
    an ``ImportRecord.Via``). A dry run writes nothing and is not recorded.

    A problem's path and detail are kept as the command line prints them
    (``visible``): a file name that is not UTF-8 cannot be stored as it is,
    and one with controls in it must not reorder the desk's lines.
    """
    if via not in ImportRecord.Via.values:
        raise ValueError(f"unknown import route {via!r}")
    counts = Counter(result.outcome for result in results)
    with transaction.atomic():
        record = ImportRecord.objects.create(
            user=user if getattr(user, "is_authenticated", False) else None,
            via=via,
            **{outcome.value: counts[outcome] for outcome in Outcome},
        )
        ImportProblem.objects.bulk_create(
            ImportProblem(
                record=record,
                path=visible(result.path),
                outcome=result.outcome.value,
                detail=visible(result.detail),
                slug=result.slug,
            )
            for result in results
            if result.outcome in PROBLEMS
        )
    return record
