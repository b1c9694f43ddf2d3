"""python manage.py import_seeds [PATH ...] [--draft] [--dry-run] [--force] [--follow-symlinks]

PATHs are .txt, .md, .html, .htm and .docx files, or folders of them."""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from briefs.control_chars import visible
from briefs.ingest.importing import (
    ImportFailure,
    ImportOptions,
    ImportResult,
    Outcome,
    import_paths,
    source_path_for,
)
from briefs.ingest.records import record_import
from briefs.management.arguments import add_dry_run, add_paths
from briefs.models import ImportRecord
from briefs.tagging.tagger import VocabularyError

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
        "(its .txt, .md, .html, .htm and .docx files, in name order); with no "
        "PATH, the seeds/ folder. With --dry-run, each file's title, dateline, "
        "key points, sections and proposed tags are shown. "
        "Symbolic links are not followed."
    )

    def add_arguments(self, parser):
        add_paths(parser, many=True)
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Import new briefs as drafts, not published.",
        )
        add_dry_run(parser, reports="happen")
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
        # The bar goes to a terminal only, so captured output and pipes hold
        # the per-file lines alone; it is cleared before each line is printed.
        stream = options.get("stderr") or sys.stderr
        # mininterval=0: redrawn for every file. Files are reported a batch
        # at a time, once their batch is committed (see import_paths), so
        # the redraws cost nothing beside the import itself.
        with tqdm(
            file=stream,
            disable=not stream.isatty(),
            unit="file",
            leave=False,
            mininterval=0,
        ) as bar:

            def progress(result: ImportResult, total: int) -> None:
                bar.total = total
                bar.clear()
                self.report(result, dry_run=dry_run)
                bar.update()

            try:
                run = import_paths(
                    paths=paths or [Path(settings.NEWSROOM_SEEDS_DIR)],
                    options=ImportOptions(
                        publish=not draft, force=force, dry_run=dry_run
                    ),
                    follow_symlinks=follow_symlinks,
                    progress=progress,
                )
            except (VocabularyError, ImportFailure) as error:
                raise CommandError(str(error)) from error

        if not dry_run:
            record_import(run.results, via=ImportRecord.Via.COMMAND)
        counts = run.counts
        total = len(run.results)
        summary = ", ".join(
            f"{counts[outcome]} {SUMMARY_LABELS[outcome]}" for outcome in Outcome
        )
        if run.starter:
            # Said last, by the summary: the per-file lines come first.
            verb = "Would load" if dry_run else "Loaded"
            self.stdout.write(
                f"{verb} the starter vocabulary "
                f"{visible(source_path_for(Path(run.starter.path)))}: "
                f"{run.starter.tags_created} tags, "
                f"{run.starter.phrases_added} match phrases, "
                f"{run.starter.vetoes_added} vetoes"
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
        if result.plan is not None:
            self.describe(result.plan)
        for warning in result.warnings:
            self.stdout.write(
                self.style.WARNING(
                    f"  warning: {visible(result.path)}: {visible(warning)}"
                )
            )

    def describe(self, plan: dict) -> None:
        """What a dry run would make of a file, for an editor checking a batch."""
        headings = [section["heading"] for section in plan["sections"]]
        lines = {
            "title": plan["title"],
            "dateline": plan["dateline"] or "(none)",
            "authors": ", ".join(plan["authors"]) or "(none)",
            "key points": str(len(plan["key_points"])),
            "sections": f"{len(headings)}: "
            + " | ".join(heading or "(opening)" for heading in headings),
            "brief tags": ", ".join(plan["tags"]) or "(none)",
        }
        for label, value in lines.items():
            self.stdout.write(f"  {label}: {visible(value)}")
        for name in plan["proposed_tags"]:
            reason = plan["tag_reasons"].get(name, "")
            self.stdout.write(f"    {visible(name)}: {visible(reason)}")
        if plan["set_apart"]:
            self.stdout.write(
                f"  set apart, not imported: {len(plan['set_apart'])} passages"
            )
            for text in plan["set_apart"]:
                shown = text if len(text) <= 100 else f"{text[:99]}…"
                self.stdout.write(f"    {visible(shown)}")
