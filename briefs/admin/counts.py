"""The stored counts' lock, taken first by every admin write that may move one."""

from __future__ import annotations

from django.db import router, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from briefs.tag_counts import lock_counts


class LocksCountsFirst:
    """A ModelAdmin mixin for the models whose writes move stored counts
    (briefs, tags, authors). A POST to the add, change or delete view, and a
    bulk delete, take the counts' lock at the start of their transaction,
    before the form locks the brief or the save locks the tag or author row
    (``briefs.tag_counts.lock_counts`` says why)."""

    def _changeform_view(self, request: HttpRequest, *args, **kwargs):
        if request.method == "POST":
            lock_counts(router.db_for_write(self.model))
        return super()._changeform_view(request, *args, **kwargs)

    def _delete_view(self, request: HttpRequest, *args, **kwargs):
        if request.method == "POST":
            lock_counts(router.db_for_write(self.model))
        return super()._delete_view(request, *args, **kwargs)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        using = router.db_for_write(self.model)
        with transaction.atomic(using=using):
            lock_counts(using)
            super().delete_queryset(request, queryset)
