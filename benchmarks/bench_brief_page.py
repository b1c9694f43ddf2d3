"""How long does a brief page take to build when nothing is cached?

Server-side time per request for the seed brief's page: Django's test client
in process, DEBUG off, no page cache (a dummy cache backend, as in
``bench_scaling``), on a throw-away SQLite database with the seeds imported,
then again with 200 briefs in it. The other 199 are copies of the seed brief
written with bulk inserts, with its key points, sections and tags, so every
one shares all of its topics: related briefs then rank a full window of
candidates, the most work that part of the page can be given.

Both the wall-clock median and the process's CPU-time median are printed:
on a machine shared with other work the second is the steadier figure.

The reference is the Wagtail peer of issue 15: a minimal Wagtail site holding
the same seed content took 8.8 ms a request in process on this machine. The
aim is 1.5 times its rate, about 5.9 ms.

Usage: python benchmarks/bench_brief_page.py [REQUESTS] [--profile]

``--profile`` also prints the 30 costliest functions (cumulative time) over
the requests with 200 briefs, under cProfile.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench_scaling import setup_django  # noqa: E402

WAGTAIL_MS = 8.8
AIM_MS = WAGTAIL_MS / 1.5
BRIEFS = 200
REQUESTS = 500


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


def time_page(client, path: str, requests: int) -> tuple[float, float, int]:
    """Median server-side seconds for GET ``path`` over ``requests``: wall-clock
    and this process's CPU time; and the page's bytes."""
    response = client.get(path)  # warm: templates compiled, connection open
    assert response.status_code == 200, (path, response.status_code)
    wall, cpu = [], []
    for _ in range(requests):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(wall), statistics.median(cpu), len(response.content)


def print_profile(client, path: str, requests: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative"))
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

    from briefs.models import Brief

    call_command("migrate", verbosity=0)
    call_command("import_seeds", stdout=io.StringIO())
    seed = Brief.objects.published().order_by("pk").first()
    path = seed.get_absolute_url()
    client = Client()
    results = {}
    for label, total in (("seeds only", Brief.objects.count()), ("", BRIEFS)):
        copy_brief(seed, total - Brief.objects.count())
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        label = label or f"{Brief.objects.count():,} briefs"
        results[label] = time_page(client, path, requests)

    print(
        f"the seed brief's page, uncached: server-side time per request, median "
        f"of {requests}; SQLite, DEBUG off; on a machine shared with other work"
    )
    print(f"reference: the Wagtail peer, {WAGTAIL_MS} ms; aim {AIM_MS:.1f} ms (1.5x)")
    for label, (wall, cpu, size) in results.items():
        ms = wall * 1000
        print(
            f"{label:<12}{ms:>7.2f} ms ({cpu * 1000:.2f} ms CPU)  "
            f"{WAGTAIL_MS / ms:.2f}x Wagtail's rate  {size:,} bytes  "
            f"aim {'met' if ms <= AIM_MS else 'NOT met'}"
        )
    if profile:
        print_profile(client, path, requests)


if __name__ == "__main__":
    args = [arg for arg in sys.argv[1:] if arg != "--profile"]
    main(int(args[0]) if args else REQUESTS, "--profile" in sys.argv)
