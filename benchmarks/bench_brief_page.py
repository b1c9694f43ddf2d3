"""How long does a brief page take to build when nothing is cached?

Server-side time per request for the seed brief's page: Django's test client
in process, DEBUG off, no page cache (a dummy cache backend, as in
``bench_scaling``), on a throw-away SQLite database with the seeds imported,
then again with 200 briefs in it. Every brief's article is stored
(``render_articles``, as a save stores its own); the page with its article
not stored, as after a large write until ``render_articles`` runs, is timed
too. The other 199 are copies of the seed brief
written with bulk inserts, with its key points, sections and tags, so every
one shares all of its topics: related briefs then rank a full window of
candidates, the most work that part of the page can be given.

Both the wall-clock median and the process's CPU-time median are printed:
on a machine shared with other work the second is the steadier figure.

The reference is the Wagtail peer of issue 15: the same seed brief as a page
of a minimal Wagtail 8 site (``benchmarks/wagtail_peer``, in a virtualenv of
its own, ``.wagtail-peer``, which ``make bench`` makes), timed the same way
in a process of its own, and given as many briefs (copies of the seed
brief, sibling pages) before each measurement. The two sites take turns,
ROUNDS rounds each, so both are measured over the same minutes; each figure
is the median over all its rounds. Without the peer's virtualenv, its
figure from the issue (8.8 ms a request) stands in, marked "recorded". The
aim is 1.5 times its rate.

Usage: python benchmarks/bench_brief_page.py [REQUESTS] [--profile]

``--profile`` also prints the 30 costliest functions (cumulative time) over
the requests with 200 briefs, under cProfile (``PROFILE_SORT``,
``PROFILE_LINES`` and ``PROFILE_CALLEES`` change what it prints).
"""

from __future__ import annotations

import cProfile
import datetime as dt
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_scaling import setup_django  # noqa: E402
from benchmarks.timing import time_page  # noqa: E402

# The Wagtail peer's time in the issue, when the peer is not installed.
RECORDED_WAGTAIL_MS = 8.8
AIM = 1.5
BRIEFS = 200
REQUESTS = 500
ROUNDS = 5
PEER = ROOT / "benchmarks" / "wagtail_peer" / "serve.py"
PEER_PYTHON = ROOT / ".wagtail-peer" / "bin" / "python"


def copy_brief(brief, copies: int) -> None:
    """``copies`` published copies of ``brief``, each an hour older than the
    last, with its key points, sections and tags, in bulk inserts."""
    from django.db import transaction

    from briefs.models import Brief, KeyPoint, Section, TaggedBrief, TaggedSection

    sections = list(brief.sections.prefetch_related("tags"))
    with transaction.atomic():
        made = Brief.objects.bulk_create(
            Brief(
                title=f"{brief.title} ({n})",
                slug=f"{brief.slug}-copy-{n}",
                dateline=brief.dateline,
                byline=brief.byline,
                source_name=brief.source_name,
                status=Brief.Status.PUBLISHED,
                published_at=brief.published_at - dt.timedelta(hours=n),
            )
            for n in range(1, copies + 1)
        )
        KeyPoint.objects.bulk_create(
            KeyPoint(brief=copy, text=point.text, position=point.position)
            for copy in made
            for point in brief.key_points.all()
        )
        TaggedBrief.objects.bulk_create(
            TaggedBrief(content_object=copy, tag=tag)
            for copy in made
            for tag in brief.tags.all()
        )
        copied_sections = Section.objects.bulk_create(
            Section(
                brief=copy,
                position=section.position,
                heading=section.heading,
                anchor=section.anchor,
                body=section.body,
                body_html=section.body_html,
            )
            for copy in made
            for section in sections
        )
        TaggedSection.objects.bulk_create(
            TaggedSection(content_object=copied, tag=tag)
            for copied, section in zip(
                copied_sections, sections * len(made), strict=True
            )
            for tag in section.tags.all()
        )


class Peer:
    """The Wagtail peer, serving the seed brief in a process of its own."""

    def __init__(self, content: dict, workdir: Path) -> None:
        path = workdir / "peer-content.json"
        path.write_text(json.dumps(content), encoding="utf-8")
        self.process = subprocess.Popen(
            [str(PEER_PYTHON), str(PEER), str(path)],
            cwd=PEER.parent,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self._reply() != "ready":
            self.close()
            raise RuntimeError("the Wagtail peer did not start; see its errors above")

    def time(self, requests: int) -> dict:
        return json.loads(self._ask(f"time {requests}"))

    def pages(self, briefs: int) -> None:
        """As many briefs in the peer's site as ``briefs``."""
        if self._ask(f"pages {briefs}") != "ok":
            raise RuntimeError("the Wagtail peer could not add its pages")

    def _ask(self, line: str) -> str:
        self.process.stdin.write(f"{line}\n")
        self.process.stdin.flush()
        return self._reply()

    def _reply(self) -> str:
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the Wagtail peer stopped; see its errors above")
        return line.strip()

    def close(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


def seed_content(brief) -> dict:
    """What the peer shows of ``brief``: its fields, key points, sections
    (heading, anchor, HTML, tags) and tags."""
    return {
        "title": brief.title,
        "slug": brief.slug,
        "dateline": brief.dateline,
        "summary": brief.description,
        "source_name": brief.source_name,
        "key_points": [point.text for point in brief.key_points.all()],
        "sections": [
            {
                "heading": section.heading,
                "anchor": section.anchor,
                "body_html": section.body_html,
                "tags": [tag.name for tag in section.tags.order_by("pk")],
            }
            for section in brief.sections.all()
        ],
        "tags": [tag.name for tag in brief.tags.order_by("pk")],
    }


def print_profile(client, path: str, requests: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats(
        os.environ.get("PROFILE_SORT", "cumulative")
    )
    stats.print_stats(int(os.environ.get("PROFILE_LINES", "30")))
    if os.environ.get("PROFILE_CALLEES"):
        stats.print_callees(os.environ["PROFILE_CALLEES"])


def main(requests: int, profile: bool) -> None:
    with tempfile.TemporaryDirectory(
        prefix="newsroom-bench-brief-page-", ignore_cleanup_errors=True
    ) as workdir:
        run(Path(workdir), requests, profile)


def run(workdir: Path, requests: int, profile: bool) -> None:
    setup_django(workdir, f"sqlite:///{workdir / 'bench.sqlite3'}")
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from briefs.models import Brief, StoredArticle

    call_command("migrate", verbosity=0)
    call_command("import_seeds", stdout=io.StringIO())
    seed = Brief.objects.published().order_by("pk").first()
    path = seed.get_absolute_url()
    client = Client()
    peer = Peer(seed_content(seed), workdir) if PEER_PYTHON.exists() else None
    per_round = max(1, requests // ROUNDS)
    results = {}
    try:
        for label, total in (("seeds only", Brief.objects.count()), ("", BRIEFS)):
            copy_brief(seed, total - Brief.objects.count())
            # As after any import: every brief's article stored.
            call_command("render_articles", stdout=io.StringIO())
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            if peer:
                peer.pages(Brief.objects.count())
            label = label or f"{Brief.objects.count():,} briefs"
            ours, theirs = ([], [], 0), []
            for _ in range(ROUNDS):
                wall, cpu, size = time_page(client, path, per_round)
                ours = (ours[0] + wall, ours[1] + cpu, size)
                if peer:
                    theirs.append(peer.time(per_round))  # the round's medians
            # The article not stored, as after a write of more briefs than
            # are rendered at its commit, until render_articles runs.
            StoredArticle.objects.update(html=None)
            unstored = time_page(client, path, per_round * ROUNDS)[0]
            call_command("render_articles", stdout=io.StringIO())
            results[label] = (ours, theirs, unstored)
    finally:
        if peer:
            peer.close()

    print(
        f"the seed brief's page, uncached: server-side time per request, median "
        f"of {per_round * ROUNDS} in {ROUNDS} rounds; SQLite, DEBUG off"
    )
    for label, (ours, theirs, unstored) in results.items():
        ms = statistics.median(ours[0]) * 1000
        if theirs:
            # The rounds are the same size: the median of their medians.
            peer_ms = statistics.median(timed["wall"] for timed in theirs) * 1000
            peer_cpu = statistics.median(timed["cpu"] for timed in theirs) * 1000
            reference = (
                f"Wagtail peer {peer_ms:.2f} ms "
                f"({peer_cpu:.2f} ms CPU, {theirs[-1]['bytes']:,} bytes)"
            )
        else:
            peer_ms = RECORDED_WAGTAIL_MS
            reference = (
                f"Wagtail peer {peer_ms:.2f} ms (recorded; make bench installs it)"
            )
        print(
            f"{label:<12}{ms:>7.2f} ms ({statistics.median(ours[1]) * 1000:.2f} ms CPU, "
            f"{ours[2]:,} bytes)  {reference}  {peer_ms / ms:.2f}x its rate, "
            f"aim {AIM:g}x {'met' if peer_ms / ms >= AIM else 'NOT met'}"
        )
        unstored_ms = statistics.median(unstored) * 1000
        print(
            f"{'':<12}article not stored: {unstored_ms:.2f} ms, "
            f"{peer_ms / unstored_ms:.2f}x the peer's rate"
        )
    if profile:
        print_profile(client, path, requests)


if __name__ == "__main__":
    args = [arg for arg in sys.argv[1:] if arg != "--profile"]
    main(int(args[0]) if args else REQUESTS, "--profile" in sys.argv)
