"""python manage.py import_seeds [PATH ...] [--draft] [--dry-run] [--force]"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from briefs.importing import (
    ImportResult,
    Outcome,
    TagCache,
    import_file,
    source_path_for,
)
from briefs.tagging import VocabularyError
from briefs.vocabulary import build_tagger, load_starter_vocabulary

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
        # A fresh database gets the starter vocabulary with its first import.
        try:
            starter = load_starter_vocabulary(dry_run=dry_run)
        except VocabularyError as error:
            raise CommandError(str(error)) from error
        tagger = build_tagger(unsaved=starter)
        tags = TagCache(tagger.kinds)
        files = expand(paths or [Path(settings.NEWSROOM_SEEDS_DIR)])
        progress = Progress(self.stdout, total=len(files))
        counts: Counter[Outcome] = Counter()
        for path in files:
            result = import_file(
                path=path,
                publish=not draft,
                force=force,
                dry_run=dry_run,
                tagger=tagger,
                tags=tags,
            )
            counts[result.outcome] += 1
            progress.clear()
            self.report(result, dry_run=dry_run)
            progress.advance()
        progress.clear()

        total = sum(counts.values())
        summary = ", ".join(
            f"{counts[outcome]} {SUMMARY_LABELS[outcome]}" for outcome in Outcome
        )
        if starter:
            # Said last, by the summary: the per-file lines come first.
            verb = "Would load" if dry_run else "Loaded"
            self.stdout.write(
                f"{verb} the starter vocabulary "
                f"{source_path_for(Path(starter.path))}: {starter.tags_created} tags, "
                f"{starter.phrases_added} match phrases"
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


class Progress:
    """A progress bar on a terminal, redrawn under the per-file lines; nothing otherwise."""

    WIDTH = 30

    def __init__(self, stream, *, total: int):
        self.stream = stream
        self.total = total
        self.done = 0
        self.enabled = total > 1 and stream.isatty()

    def advance(self) -> None:
        self.done += 1
        if self.enabled:
            filled = self.WIDTH * self.done // self.total
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self.stream.write(f"[{bar}] {self.done}/{self.total} files", ending="")
            self.stream.flush()

    def clear(self) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K", ending="")
