"""python manage.py import_seeds [PATH ...] [--draft] [--dry-run] [--force] [--follow-symlinks]"""

from __future__ import annotations

import os
import stat
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from briefs.control_chars import visible
from briefs.ingest.importing import (
    ImportResult,
    Outcome,
    TagCache,
    import_file,
    source_path_for,
)
from briefs.tagging.tagger import VocabularyError
from briefs.tagging.vocabulary import build_tagger, load_starter_vocabulary

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
        "(its *.txt files, in name order); with no PATH, the seeds/ folder. "
        "Symbolic links are not followed."
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
        parser.add_argument(
            "--follow-symlinks",
            action="store_true",
            help="Import what a symbolic link given as a PATH points to. "
            "Links inside a folder are never followed.",
        )

    def handle(
        self,
        *args,
        paths: list[Path],
        draft: bool,
        dry_run: bool,
        force: bool,
        follow_symlinks: bool,
        **options,
    ):
        # A fresh database gets the starter vocabulary with its first import.
        try:
            starter = load_starter_vocabulary(dry_run=dry_run)
        except VocabularyError as error:
            raise CommandError(str(error)) from error
        tagger = build_tagger(unsaved=starter)
        tags = TagCache(tagger.kinds)
        files = expand(
            paths or [Path(settings.NEWSROOM_SEEDS_DIR)],
            follow_symlinks=follow_symlinks,
        )
        progress = Progress(self.stdout, total=len(files))
        counts: Counter[Outcome] = Counter()
        for path, follow in files:
            result = import_file(
                path=path,
                publish=not draft,
                force=force,
                dry_run=dry_run,
                follow_symlinks=follow,
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
                f"{visible(source_path_for(Path(starter.path)))}: {starter.tags_created} tags, "
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
        line = f"{verb}: {visible(result.path)}"
        if result.slug:
            line += f" -> {result.slug}"
        if result.detail:
            line += f" ({visible(result.detail)})"
        style = {
            Outcome.FAILED: self.style.ERROR,
            Outcome.CONFLICT: self.style.WARNING,
            Outcome.CREATED: self.style.SUCCESS,
            Outcome.UPDATED: self.style.SUCCESS,
        }.get(result.outcome, str)
        self.stdout.write(style(line))
        for warning in result.warnings:
            self.stdout.write(
                self.style.WARNING(
                    f"  warning: {visible(result.path)}: {visible(warning)}"
                )
            )


def expand(paths: list[Path], *, follow_symlinks: bool) -> list[tuple[Path, bool]]:
    """Each file to import, and whether a symbolic link there may be followed.

    A PATH is a file, or a folder whose *.txt entries are taken in name
    order (not its subfolders). A link among a folder's entries is listed, so
    that it is reported, but never followed; a link given as a PATH is
    followed only with ``follow_symlinks``.
    """
    files = []
    for path in paths:
        if _is_folder(path, follow_symlinks=follow_symlinks):
            files.extend((entry, False) for entry in _folder_entries(path))
        else:
            files.append((path, follow_symlinks))
    return files


def _is_folder(path: Path, *, follow_symlinks: bool) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path, follow_symlinks=follow_symlinks).st_mode)
    except OSError:  # missing, or a loop of links: reported when it is read
        return False


def _folder_entries(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return sorted(
                Path(entry.path)
                for entry in entries
                if entry.name.endswith(".txt")
                and not entry.is_dir(follow_symlinks=False)
            )
    except OSError as error:
        raise CommandError(
            f"cannot read the folder {visible(str(folder))} ({error.strerror})"
        ) from None


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
