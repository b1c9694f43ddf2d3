"""python manage.py load_vocabulary [PATH] [--dry-run]"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from briefs.management.arguments import add_dry_run, add_paths
from briefs.tagging.tagger import VocabularyError
from briefs.tagging.vocabulary import load_vocabulary


class Command(BaseCommand):
    help = (
        "Load a tag vocabulary (TOML) into the tags and their match phrases: add "
        "the tags and phrases that are missing, change and delete nothing. "
        "With no PATH, the starter vocabulary seeds/vocabulary.toml."
    )

    def add_arguments(self, parser):
        add_paths(parser, many=False)
        add_dry_run(parser, reports="be added")

    def handle(self, *args, path: Path | None, dry_run: bool, **options):
        path = path or Path(settings.NEWSROOM_VOCABULARY_FILE)
        try:
            loaded = load_vocabulary(path=path, dry_run=dry_run)
        except VocabularyError as error:
            raise CommandError(str(error)) from error
        prefix = "Dry run, nothing written: " if dry_run else ""
        verb = "would add" if dry_run else "added"
        self.stdout.write(
            f"{prefix}{path}: {len(loaded.terms)} terms; {verb} "
            f"{loaded.tags_created} tags and {loaded.phrases_added} match phrases, "
            f"with {loaded.vetoes_added} vetoes"
        )
