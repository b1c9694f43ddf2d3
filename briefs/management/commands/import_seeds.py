"""python manage.py import_seeds [PATH ...] [--draft] [--dry-run] [--force]"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from briefs.importing import (
    ImportFailure,
    ImportResult,
    Outcome,
    TagCache,
    default_tagger,
    import_document,
    read_source,
    source_path_for,
)
from briefs.tagging import VocabularyError

SUMMARY_LABELS = {
    Outcome.CREATED: "created",
    Outcome.UPDATED: "updated",
    Outcome.UNCHANGED: "unchanged",
    Outcome.CONFLICT: "conflicts",
    Outcome.FAILED: "failed",
}


class Command(BaseCommand):
    help = (
        "Import source documents as briefs. Each PATH is a file or a folder "
        "(its *.txt files, in name order); with no PATH, the seeds/ folder."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", type=Path, metavar="PATH")
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Import new briefs as drafts, not published.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would happen; write nothing.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Update briefs even where an editor has changed them since their import.",
        )

    def handle(
        self,
        *args,
        paths: list[Path],
        draft: bool,
        dry_run: bool,
        force: bool,
        **options,
    ):
        try:
            tagger = default_tagger()
        except VocabularyError as error:
            raise CommandError(str(error)) from error
        tags = TagCache(tagger.kinds)
        max_bytes = settings.NEWSROOM_IMPORT_MAX_BYTES
        counts: Counter[Outcome] = Counter()

        for path in expand(paths or [Path(settings.NEWSROOM_SEEDS_DIR)]):
            try:
                data = read_source(path, max_bytes=max_bytes)
            except ImportFailure as error:
                result = ImportResult(
                    source_path_for(path), Outcome.FAILED, detail=str(error)
                )
            else:
                result = import_document(
                    source_path=source_path_for(path),
                    data=data,
                    publish=not draft,
                    force=force,
                    dry_run=dry_run,
                    tagger=tagger,
                    tags=tags,
                )
            counts[result.outcome] += 1
            self.report(result, dry_run=dry_run)

        total = sum(counts.values())
        summary = ", ".join(
            f"{counts[outcome]} {SUMMARY_LABELS[outcome]}" for outcome in Outcome
        )
        prefix = "Dry run, nothing written: " if dry_run else ""
        self.stdout.write(f"{prefix}{total} file{'s' if total != 1 else ''}: {summary}")
        if counts[Outcome.FAILED]:
            raise CommandError(
                f"{counts[Outcome.FAILED]} of {total} files failed to import"
            )

    def report(self, result: ImportResult, *, dry_run: bool) -> None:
        verb = (
            f"would be {result.outcome.value}"
            if dry_run and result.outcome in (Outcome.CREATED, Outcome.UPDATED)
            else result.outcome.value
        )
        line = f"{verb}: {result.path}"
        if result.slug:
            line += f" -> {result.slug}"
        if result.detail:
            line += f" ({result.detail})"
        style = {
            Outcome.FAILED: self.style.ERROR,
            Outcome.CONFLICT: self.style.WARNING,
            Outcome.CREATED: self.style.SUCCESS,
            Outcome.UPDATED: self.style.SUCCESS,
        }.get(result.outcome, str)
        self.stdout.write(style(line))
        for warning in result.warnings:
            self.stdout.write(
                self.style.WARNING(f"  warning: {result.path}: {warning}")
            )


def expand(paths: list[Path]) -> list[Path]:
    """Files as given, and each folder's *.txt files in name order."""
    files = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.glob("*.txt") if p.is_file()))
        else:
            files.append(path)
    return files
