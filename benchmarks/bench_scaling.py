"""Do the public pages stay as fast with 10,000 briefs as with 10?

Times each page server-side (Django's test client, in process, DEBUG off,
no page cache: a dummy cache backend) with 10 briefs, then again after
growing the same database to 10,000, and prints each page's ratio. The aim is
within 2x.

The briefs are generated with bulk inserts: 3 key points and 3 sections of
about 120 words each per brief, 2 of 20 topic tags per brief and one per
section, then the search index is rebuilt with ``briefs.search.reindex_all``.
Each page is measured twice where the size of its answer matters:

- a common tag or word, carried by about 1 brief in 10 (so its answer grows
  with the archive), and
- a rare one, carried by the same 3 briefs at both sizes (so only the cost
  of finding them can grow).

Usage: python benchmarks/bench_scaling.py [SMALL] [LARGE]
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_a6517fdfc5b60d0c.txt"
AIM = 2.0
TOPICS = 20
COMMON_WORD, RARE_WORD = "tariffs", "quinoa"  # neither is in the seed
RARE_BRIEFS = 3
# Runs per page: at least MIN_RUNS, at most MAX_RUNS, and no more once a page
# has taken RUN_BUDGET seconds.
MIN_RUNS, MAX_RUNS, RUN_BUDGET = 3, 15, 15.0


def setup_django(workdir: Path) -> None:
    """Django as in production, on a throw-away database, with no page cache."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-scaling-" + os.urandom(16).hex(),
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        DJANGO_STATIC_ROOT=str(workdir / "static"),
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    # Uncached: every request builds its page. A dummy backend also switches
    # off any view decorator or middleware that reads the cache.
    override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    ).enable()
    # Keep the request log (it is part of each request's cost) off the screen.
    devnull = open(os.devnull, "w")  # noqa: SIM115 (open for the whole run)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(devnull)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


def words_of_seed() -> list[str]:
    text = SEED.read_text(encoding="utf-8").lower()
    words = sorted(set(re.findall(r"[a-z]{4,}", text)) - {COMMON_WORD, RARE_WORD})
    return words


def generate(start: int, stop: int, *, vocabulary: list[str], tags: list) -> None:
    """Briefs number ``start`` to ``stop - 1``, with their parts, in bulk inserts.

    Brief n is published n minutes ago. Every tenth brief mentions
    COMMON_WORD; the first RARE_BRIEFS mention RARE_WORD and carry the last
    tag in ``tags`` (the rare one).
    """
    from django.db import transaction
    from django.utils import timezone

    from briefs.models import Brief, KeyPoint, Section, TaggedBrief, TaggedSection

    rng = random.Random(start)
    topics, rare = tags[:-1], tags[-1]
    now = timezone.now().replace(microsecond=0)

    def sentence(n: int) -> str:
        words = rng.choices(vocabulary, k=n)
        return " ".join(words).capitalize() + "."

    def paragraph(extra: str = "") -> str:
        return " ".join(sentence(rng.randint(8, 16)) for _ in range(5)) + extra

    with transaction.atomic():
        briefs = Brief.objects.bulk_create(
            Brief(
                title=sentence(7)[:-1],
                slug=f"generated-{n}",
                dateline="GENEVA",
                status=Brief.Status.PUBLISHED,
                published_at=now - dt.timedelta(minutes=n),
            )
            for n in range(start, stop)
        )
        key_points, sections = [], []
        for n, brief in enumerate(briefs, start):
            extra = ""
            if n % 10 == 0:
                extra += f" Ministers discussed {COMMON_WORD}."
            if n < RARE_BRIEFS:
                extra += f" The delegation brought {RARE_WORD}."
            key_points += [
                KeyPoint(brief=brief, text=sentence(10), position=p) for p in range(3)
            ]
            sections += [
                Section(brief=brief, position=0, anchor="overview", body=paragraph()),
                Section(
                    brief=brief,
                    position=1,
                    heading="Background",
                    anchor="background",
                    body=paragraph(extra) + "\n\n" + paragraph(),
                ),
                Section(
                    brief=brief,
                    position=2,
                    heading="Next steps",
                    anchor="next-steps",
                    body=paragraph(),
                ),
            ]
        KeyPoint.objects.bulk_create(key_points, batch_size=1000)
        for section in sections:
            section.render()  # as a save does; bulk_create sends no pre_save
        sections = Section.objects.bulk_create(sections, batch_size=1000)
        tagged_briefs, tagged_sections = [], []
        for n, brief in enumerate(briefs, start):
            chosen = {topics[n % len(topics)], topics[(7 * n + 3) % len(topics)]}
            if n < RARE_BRIEFS:
                chosen.add(rare)
            tagged_briefs += [
                TaggedBrief(tag=tag, content_object=brief) for tag in chosen
            ]
        for i, section in enumerate(sections):
            n = start + i // 3
            tagged_sections.append(
                TaggedSection(
                    tag=topics[(n + 3 * section.position) % len(topics)],
                    content_object=section,
                )
            )
            if n < RARE_BRIEFS and section.position == 1:
                tagged_sections.append(TaggedSection(tag=rare, content_object=section))
        TaggedBrief.objects.bulk_create(tagged_briefs, batch_size=1000)
        TaggedSection.objects.bulk_create(tagged_sections, batch_size=1000)


def time_page(client, path: str) -> tuple[float, int, int]:
    """Median server-side seconds for GET ``path``, the runs made, and its bytes."""
    response = client.get(path)  # warm
    assert response.status_code == 200, (path, response.status_code)
    times: list[float] = []
    spent = 0.0
    while len(times) < MAX_RUNS and (len(times) < MIN_RUNS or spent < RUN_BUDGET):
        start = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200, (path, response.status_code)
        times.append(elapsed)
        spent += elapsed
    return statistics.median(times), len(times), len(response.content)


def measure(pages: dict[str, str]) -> dict[str, tuple[float, int, int]]:
    from django.test import Client

    client = Client()
    return {label: time_page(client, path) for label, path in pages.items()}


def main(small: int, large: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-scaling-"))
    try:
        run(workdir, small, large)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(workdir: Path, small: int, large: int) -> None:
    setup_django(workdir)
    from django.db import connection

    from briefs.models import Brief, Tag
    from briefs.search import reindex_all

    vocabulary = words_of_seed()
    tags = [
        Tag.objects.create(name=f"Topic {i:02d}", slug=f"topic-{i:02d}")
        for i in range(TOPICS)
    ]
    tags.append(Tag.objects.create(name="Rare topic", slug="rare-topic"))
    pages = {
        "home": "/",
        "brief page": "/briefs/generated-0/",
        "tag page, common tag": "/tags/topic-00/",
        "tag page, rare tag": "/tags/rare-topic/",
        "tag index": "/tags/",
        "search, common word": f"/search/?q={COMMON_WORD}",
        "search, rare word": f"/search/?q={RARE_WORD}",
    }

    results = {}
    done = 0
    for size in (small, large):
        start = time.perf_counter()
        generate(done, size, vocabulary=vocabulary, tags=tags)
        made = time.perf_counter() - start
        start = time.perf_counter()
        _, entries = reindex_all()
        indexed = time.perf_counter() - start
        done = size
        print(
            f"{Brief.objects.count():,} briefs: generated in {made:.1f} s, "
            f"search index ({entries:,} entries) rebuilt in {indexed:.1f} s"
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        results[size] = measure(pages)

    print()
    print(
        f"server-side time per request, median, uncached; SQLite, DEBUG off; "
        f"aim: {large:,} briefs within {AIM:g}x of {small:,}"
    )
    header = (
        f"{'page':<24}{f'{small:,} briefs':>13}{f'{large:,} briefs':>15}"
        f"{'ratio':>8}{'bytes':>18}  aim"
    )
    print(header)
    print("-" * len(header))
    for label in pages:
        (t_small, _, b_small), (t_large, _, b_large) = (
            results[small][label],
            results[large][label],
        )
        ratio = t_large / t_small
        print(
            f"{label:<24}{t_small * 1000:>10.1f} ms{t_large * 1000:>12.1f} ms"
            f"{ratio:>7.1f}x{f'{b_small:,} → {b_large:,}':>18}  "
            f"{'met' if ratio <= AIM else 'NOT met'}"
        )


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*(args + [10, 10_000][len(args) :]))
