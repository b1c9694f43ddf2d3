"""python manage.py retag [--dry-run]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from briefs.management.arguments import add_dry_run
from briefs.models import Brief
from briefs.tagging.retagging import retag_briefs
from briefs.tagging.tagger import VocabularyError


class Command(BaseCommand):
    help = (
        "Re-tag every brief and section from its text with the current vocabulary. "
        "Tags editors removed stay removed and tags they added stay; each changed "
        "brief gets a revision."
    )

    def add_arguments(self, parser):
        add_dry_run(parser, reports="change")

    def handle(self, *args, dry_run: bool, **options):
        try:
            report = retag_briefs(briefs=Brief.objects.all(), dry_run=dry_run)
        except VocabularyError as error:
            raise CommandError(str(error)) from error
        for change in report.changes:
            self.stdout.write(change.describe())
        self.stdout.write(report.summary())
