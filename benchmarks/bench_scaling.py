"""Do the public pages, the API and the admin's brief list stay as fast with
100,000 briefs as with 10, on SQLite and on PostgreSQL?

Times each page server-side (Django's test client, in process, DEBUG off,
no page cache: a dummy cache backend) on an archive of 10 briefs, of 1,000
and of 100,000, each in a database of its own, and prints each page's
ratio. The aim is within 2x of 10 briefs. With 10 briefs a listing shows
fewer entries than a full page (10 of the feed's 30), so the ratio to 1,000
briefs, where every listing is full, is printed too: it is the cost of the
archive alone. The sizes take turns page by page and the fastest run is
kept, so that other work on a shared machine, which can only add time,
weighs on every size alike. Both databases are measured in one run, each in
a process of its own: SQLite in a temporary folder, PostgreSQL in databases
created on ``BENCH_POSTGRES_URL`` (default postgres://postgres@127.0.0.1:5432/)
and dropped at the end. Without a PostgreSQL server, only SQLite is measured.

The archive is written with bulk inserts (multi-row ``INSERT`` statements of
prepared rows, each model's own defaults filled in), not one ``save()`` per
row: 3 key points and 3 sections of about 120 words each per brief, 2 of 20
topic tags per brief and one per section, created by one of 20 writers, and
one search entry per section, the same text ``briefs.search`` writes
(checked against ``reindex_brief`` for a sample brief). Section bodies are
drawn from a pool of generated paragraphs, each rendered once. Each page is
measured twice where the size of its answer matters:

- a common tag or word, carried by about 1 brief in 10 (so its answer grows
  with the archive), and
- a rare one, carried by the same 3 briefs at every size (so only the cost
  of finding them can grow).

A sitemap page lists up to ``SiteSitemap.limit`` addresses, so it grows with
the archive whatever the code does: its time per address is printed beside
it. Memory: the process's resident size (RSS) after one round of every page
on the largest archive, and again after ``MEMORY_ROUNDS`` more rounds.

Usage: python benchmarks/bench_scaling.py [SIZE ...] [--only sqlite|postgresql]
[--pages WORD ...]
(sizes default to 10 1000 100000; the first is the reference, the last the
archive; ``--pages search sitemap`` measures only the pages whose label has
one of the words, for a quicker run)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import random
import re
import shutil
import subprocess
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
WRITERS = 20
# Authors credited on the briefs: brief n credits author n % AUTHORS, and
# every fifth brief a second one too.
AUTHORS = 40
PARAGRAPHS = 3_000  # the pool section bodies are drawn from
# Each page is requested RUNS times at each size in each of ROUNDS turns.
ROUNDS, RUNS = 3, 3
MEMORY_ROUNDS = 20
# Values per INSERT (below SQLite's limit of 32,766), and briefs generated
# (in memory) per batch.
PARAMETERS = 30_000
BATCH = 10_000
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/"
)
RESULT = "RESULT "

PAGES = {
    "home": "/",
    "brief page": "/briefs/generated-0/",
    "tag page, common tag": "/tags/topic-00/",
    "tag page, rare tag": "/tags/rare-topic/",
    "tag index": "/tags/",
    "feed (Atom)": "/feeds/briefs.atom",
    "feed (RSS)": "/feeds/briefs.rss",
    "tag feed, common tag": "/feeds/tags/topic-00.atom",
    "tag feed, rare tag": "/feeds/tags/rare-topic.atom",
    "sitemap index": "/sitemap.xml",
    "sitemap page of briefs": "/sitemap-briefs.xml",
    "sitemap of tags": "/sitemap-tags.xml",
    "sitemap of authors": "/sitemap-authors.xml",
    "sitemap of listings": "/sitemap-pages.xml",
    "search, common word": f"/search/?q={COMMON_WORD}",
    "search, rare word": f"/search/?q={RARE_WORD}",
    "author index": "/authors/",
    "author page": "/authors/author-00/",
    "author feed": "/feeds/authors/author-00.atom",
    "API list": "/api/briefs/",
    "API list, rare tag": "/api/briefs/?tag=rare-topic",
    "admin brief list": "/admin/briefs/brief/",
}


# --- One database, in its own process ----------------------------------------------


def setup_django(workdir: Path, database_url: str) -> None:
    """Django as in production, on a throw-away database, with no page cache."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-scaling-" + os.urandom(16).hex(),
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
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
    call_command("collectstatic", interactive=False, verbosity=0)


def words_of_seed() -> list[str]:
    text = SEED.read_text(encoding="utf-8").lower()
    return sorted(set(re.findall(r"[a-z]{4,}", text)) - {COMMON_WORD, RARE_WORD})


class Text:
    """Generated sentences and paragraphs, each paragraph rendered once."""

    def __init__(self, vocabulary: list[str]):
        from briefs.markdown import render_markdown
        from briefs.search import html_text

        self.rng = random.Random(0)
        self.vocabulary = vocabulary
        self.paragraphs = [
            " ".join(self.sentence(self.rng.randint(8, 16)) for _ in range(5))
            for _ in range(PARAGRAPHS)
        ]
        self._render = render_markdown
        self._plain = html_text
        self._rendered: dict[str, tuple[str, str]] = {}

    def sentence(self, words: int) -> str:
        return " ".join(self.rng.choices(self.vocabulary, k=words)).capitalize() + "."

    def paragraph(self, extra: str = "") -> str:
        return self.rng.choice(self.paragraphs) + extra

    def rendered(self, paragraph: str) -> tuple[str, str]:
        """The paragraph's HTML and the plain text search keeps of it."""
        if paragraph not in self._rendered:
            html = self._render(paragraph)
            self._rendered[paragraph] = (html, self._plain(html))
        return self._rendered[paragraph]

    def body(self, *paragraphs: str) -> tuple[str, str, str]:
        """Markdown, HTML and plain text of a body of ``paragraphs``: a body
        renders as its paragraphs do one by one (checked in ``check_sample``)."""
        rendered = [self.rendered(p) for p in paragraphs]
        return (
            "\n\n".join(paragraphs),
            "".join(html for html, _ in rendered),
            " ".join(plain for _, plain in rendered),
        )


class Rows:
    """Rows of one model for ``executemany``: every concrete column, with the
    model's own defaults for those not given, prepared for the database."""

    def __init__(self, model, now: dt.datetime, *, ids: bool):
        from django.db import connection, models

        self.model = model
        self.defaults = {}
        for field in model._meta.concrete_fields:
            if field.primary_key and not ids:
                continue  # the database numbers the rows
            value = field.get_default()
            if isinstance(field, models.DateTimeField) and (
                field.auto_now or field.auto_now_add
            ):
                value = now
            value = field.get_db_prep_save(value, connection)
            # A choice (a str subclass) as the plain string sqlite3 binds.
            self.defaults[field.attname] = (
                str(value) if isinstance(value, str) else value
            )
        self.columns = list(self.defaults)
        self.rows: list[tuple] = []

    def add(self, **values) -> None:
        row = {**self.defaults, **values}
        self.rows.append(tuple(row[column] for column in self.columns))

    def insert(self) -> None:
        """Insert the rows, many to a statement, as ``bulk_create`` does: the
        tag count triggers (one a statement on PostgreSQL) then run once
        for many rows, not once for each."""
        from django.db import connection

        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        row = "(" + ", ".join(["%s"] * len(self.columns)) + ")"
        per_statement = PARAMETERS // len(self.columns)
        with connection.cursor() as cursor:
            for start in range(0, len(self.rows), per_statement):
                rows = self.rows[start : start + per_statement]
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(rows))}",
                    [value for values in rows for value in values],
                )
        self.rows = []


def author_ids() -> list[int]:
    """AUTHORS authors for the briefs' bylines, author-00 the first."""
    from briefs.models import Author

    return [
        Author.objects.create(name=f"Author {i:02d}", slug=f"author-{i:02d}").pk
        for i in range(AUTHORS)
    ]


def writer_ids() -> list[int]:
    """WRITERS staff accounts, as a newsroom has, for the briefs' creators."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return [
        User.objects.create_user(f"writer-{n}", is_staff=True).pk
        for n in range(WRITERS)
    ]


def generate(
    start: int,
    stop: int,
    *,
    text: Text,
    tags: list,
    writers: list[int],
    authors: list[int],
) -> None:
    """Briefs number ``start`` to ``stop - 1``, with their parts, credits
    and search entries, in bulk inserts; brief n has id n + 1 and is
    published n minutes ago. Every tenth brief mentions COMMON_WORD; the
    first RARE_BRIEFS mention RARE_WORD and carry the last tag in ``tags``
    (the rare one)."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from briefs.models import (
        Brief,
        BriefAuthor,
        KeyPoint,
        SearchEntry,
        Section,
        TaggedBrief,
        TaggedSection,
    )
    from briefs.search import KEY_POINT_SEPARATOR, clean_text

    now = timezone.now().replace(microsecond=0)
    topics, rare = tags[:-1], tags[-1]
    published = connection.ops.adapt_datetimefield_value
    # Briefs, key points and sections get their ids here, to link their parts.
    rows = {model: Rows(model, now, ids=True) for model in (Brief, KeyPoint, Section)}
    rows |= {
        model: Rows(model, now, ids=False)
        for model in (TaggedBrief, TaggedSection, SearchEntry, BriefAuthor)
    }
    section_id = start * 3
    for n in range(start, stop):
        brief_id = n + 1
        title = text.sentence(7)[:-1]
        rows[Brief].add(
            id=brief_id,
            title=title,
            slug=f"generated-{n}",
            dateline="GENEVA",
            created_by_id=writers[n % len(writers)],
            status=str(Brief.Status.PUBLISHED),
            published_at=published(now - dt.timedelta(minutes=n)),
        )
        credited = [authors[n % len(authors)]]
        if n % 5 == 0:
            credited.append(authors[(n // 5 + 1) % len(authors)])
        for position, author_id in enumerate(dict.fromkeys(credited)):
            rows[BriefAuthor].add(
                brief_id=brief_id, author_id=author_id, position=position
            )
        points = [text.sentence(10) for _ in range(3)]
        for position, point in enumerate(points):
            rows[KeyPoint].add(
                id=brief_id * 3 + position,
                brief_id=brief_id,
                text=point,
                position=position,
            )
        extra = ""
        if n % 10 == 0:
            extra += f" Ministers discussed {COMMON_WORD}."
        if n < RARE_BRIEFS:
            extra += f" The delegation brought {RARE_WORD}."
        chosen = {topics[n % len(topics)], topics[(7 * n + 3) % len(topics)]}
        if n < RARE_BRIEFS:
            chosen.add(rare)
        for tag in chosen:
            rows[TaggedBrief].add(tag_id=tag.pk, content_object_id=brief_id)
        parts = [
            ("", "overview", (text.paragraph(),)),
            ("Background", "background", (text.paragraph(extra), text.paragraph())),
            ("Next steps", "next-steps", (text.paragraph(),)),
        ]
        for position, (heading, anchor, paragraphs) in enumerate(parts):
            section_id += 1
            body, html, plain = text.body(*paragraphs)
            rows[Section].add(
                id=section_id,
                brief_id=brief_id,
                position=position,
                heading=heading,
                anchor=anchor,
                body=body,
                body_html=html,
            )
            rows[TaggedSection].add(
                tag_id=topics[(n + 3 * position) % len(topics)].pk,
                content_object_id=section_id,
            )
            if n < RARE_BRIEFS and position == 1:
                rows[TaggedSection].add(tag_id=rare.pk, content_object_id=section_id)
            rows[SearchEntry].add(
                brief_id=brief_id,
                section_id=section_id,
                position=position,
                title=clean_text(title),
                key_points=KEY_POINT_SEPARATOR.join(clean_text(p) for p in points),
                heading=clean_text(heading),
                body=plain,
            )
    with transaction.atomic():
        for model_rows in rows.values():
            model_rows.insert()
        # Ids were given, so the sequences (PostgreSQL) must move past them.
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(rows)):
                cursor.execute(sql)


def check_sample() -> None:
    """The generated text is what the site itself writes: a section's HTML
    is its body rendered, and a brief's search entries are what
    ``reindex_brief`` writes for it."""
    from briefs.markdown import render_markdown
    from briefs.models import SearchEntry, Section
    from briefs.search import reindex_brief

    for section in Section.objects.filter(brief_id__in=[1, 2]):
        assert section.body_html == render_markdown(section.body), section.pk

    def entries() -> list[tuple]:
        return list(
            SearchEntry.objects.filter(brief_id=1)
            .order_by("section_id")
            .values_list(
                "section_id", "position", "title", "key_points", "heading", "body"
            )
        )

    generated = entries()
    reindex_brief(1)
    assert entries() == generated, "generated search entries differ from the site's"


def time_request(client, path: str) -> tuple[float, int]:
    """Server-side seconds for one GET of ``path``, and its bytes."""
    start = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (path, response.status_code)
    return elapsed, len(response.content)


def rss_kib() -> int:
    """This process's resident set size now, in KiB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def staff_client():
    """A client signed in as an editor who may see every brief in the admin."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench-editor", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    return client


def use_database(name: str) -> None:
    """Point Django's connection at database ``name`` (a file on SQLite)."""
    from django.db import connections

    connection = connections["default"]
    connection.close()
    connection.settings_dict["NAME"] = name


def measure(databases: dict[int, str]) -> dict[int, dict[str, tuple[float, int]]]:
    """Each page's fastest time and its bytes at each size.

    The sizes take turns, page by page (ROUNDS turns of RUNS requests
    each, after a request to warm up): work from elsewhere on a shared
    machine then slows every size alike, and the fastest run, which that
    work can only slow, is kept.
    """
    from django.test import Client

    clients = {}
    for size, name in databases.items():
        use_database(name)
        clients[size] = {"readers": Client(), "staff": staff_client()}
    results: dict[int, dict[str, tuple[float, int]]] = {size: {} for size in databases}
    for label, path in PAGES.items():
        for _ in range(ROUNDS):
            for size, name in databases.items():
                use_database(name)
                client = clients[size][
                    "staff" if label.startswith("admin") else "readers"
                ]
                time_request(client, path)  # warm
                best = min(time_request(client, path) for _ in range(RUNS))
                if label in results[size]:
                    best = min(best, results[size][label])
                results[size][label] = best
    return results


def memory() -> dict[str, int]:
    """RSS after one round of every page, then after MEMORY_ROUNDS more."""
    from django.test import Client

    readers, staff = Client(), staff_client()

    def serve_all() -> int:
        for label, path in PAGES.items():
            client = staff if label.startswith("admin") else readers
            assert client.get(path).status_code == 200, path
        return len(PAGES)

    served = serve_all()
    before = rss_kib()
    for _ in range(MEMORY_ROUNDS):
        served += serve_all()
    return {"before_kib": before, "after_kib": rss_kib(), "requests": served}


def keep_pages(words: list[str]) -> None:
    """Measure only the pages whose label has one of ``words`` (all without)."""
    for label in list(PAGES):
        if words and not any(word in label for word in words):
            del PAGES[label]


def child(database: str, database_url: str, sizes: list[int]) -> None:
    """Build one database of each size, measure them in turns, and print the
    results as one JSON line. ``database_url`` (PostgreSQL) names the first
    size's database; the others' names add ``_<size>``."""
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-scaling-"))
    try:
        if database == "sqlite":
            database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        setup_django(workdir, database_url)
        from django.core.management import call_command
        from django.db import connection

        from briefs.models import Brief, Tag
        from briefs.reading import articles
        from briefs.sitemaps import SiteSitemap

        first = connection.settings_dict["NAME"]
        databases = {
            size: first if size == sizes[0] else f"{first}_{size}" for size in sizes
        }
        text = Text(words_of_seed())
        timings = {}
        for size, name in databases.items():
            use_database(name)
            call_command("migrate", verbosity=0)
            writers = writer_ids()
            authors = author_ids()
            tags = [
                Tag.objects.create(name=f"Topic {i:02d}", slug=f"topic-{i:02d}")
                for i in range(TOPICS)
            ]
            tags.append(Tag.objects.create(name="Rare topic", slug="rare-topic"))
            start = time.perf_counter()
            # In batches, so the rows waiting to be inserted stay few.
            for first_brief in range(0, size, BATCH):
                generate(
                    first_brief,
                    min(first_brief + BATCH, size),
                    text=text,
                    tags=tags,
                    writers=writers,
                    authors=authors,
                )
            timings[size] = time.perf_counter() - start
            # The brief page's article stored, as a save or render_articles
            # stores every brief's (which would take minutes here).
            articles.render_stored(Brief.objects.get(slug="generated-0").pk)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE" if database == "sqlite" else "VACUUM ANALYZE")
            if size == sizes[0]:
                check_sample()
            print(
                f"  {database}: {Brief.objects.count():,} briefs generated "
                f"in {timings[size]:.1f} s",
                file=sys.stderr,
                flush=True,
            )
        results = measure(databases)
        use_database(databases[sizes[-1]])
        result = {
            "results": results,
            "generated": timings,
            "memory": memory(),
            "sitemap_limit": SiteSitemap.limit,
        }
        print(RESULT + json.dumps(result), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# --- Both databases, and the table -------------------------------------------------


def postgres_admin():
    """A connection to the server's maintenance database, or None without one."""
    import psycopg

    try:
        return psycopg.connect(POSTGRES_URL.rstrip("/") + "/postgres", autocommit=True)
    except psycopg.OperationalError:
        return None


def run_child(
    database: str, database_url: str, sizes: list[int], pages: list[str]
) -> dict:
    command = [sys.executable, __file__, "--child", database, *map(str, sizes)]
    if pages:
        command += ["--pages", *pages]
    output = subprocess.run(
        command,
        env={**os.environ, "BENCH_DATABASE_URL": database_url},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith(RESULT))
    return json.loads(line.removeprefix(RESULT))


def report(database: str, measured: dict, sizes: list[int]) -> None:
    results = {int(size): pages for size, pages in measured["results"].items()}
    small, full, large = sizes[0], sizes[-2], sizes[-1]
    generated = measured["generated"][str(large)]
    print()
    print(
        f"{database}: server-side time per request, fastest run, uncached, DEBUG off; "
        f"{large:,} briefs generated in {generated:.0f} s; "
        f"aim: {large:,} within {AIM:g}x of {small:,}"
    )
    header = (
        f"{'page':<24}"
        + "".join(f"{f'{size:,}':>11}" for size in sizes)
        + f"{f'÷{small:,}':>8}{f'÷{full:,}':>8}{'bytes':>20}  aim"
    )
    print(header)
    print("-" * len(header))
    for label in PAGES:
        times = [results[size][label][0] for size in sizes]
        b_small, b_large = results[small][label][1], results[large][label][1]
        ratio = times[-1] / times[0]
        verdict = "met" if ratio <= AIM else "NOT met"
        if label.startswith("sitemap page"):
            urls = [min(size, measured["sitemap_limit"]) for size in (small, large)]
            verdict = (
                f"{times[0] / urls[0] * 1e6:.0f} → {times[-1] / urls[1] * 1e6:.0f} µs "
                "an address"
            )
        print(
            f"{label:<24}"
            + "".join(f"{t * 1000:>8.1f} ms" for t in times)
            + f"{ratio:>7.1f}x{times[-1] / times[-2]:>7.1f}x"
            + f"{f'{b_small:,} → {b_large:,}':>20}  {verdict}"
        )
    mem = measured["memory"]
    print(
        f"memory (RSS) at {large:,} briefs: {mem['before_kib'] / 1024:.1f} MiB after one "
        f"round of every page, {mem['after_kib'] / 1024:.1f} MiB after "
        f"{mem['requests']:,} requests "
        f"({(mem['after_kib'] - mem['before_kib']) / 1024:+.1f} MiB)"
    )


def main(sizes: list[int], only: str | None, pages: list[str]) -> None:
    databases = [only] if only else ["sqlite", "postgresql"]
    for database in databases:
        started = time.perf_counter()
        if database == "sqlite":
            measured = run_child("sqlite", "", sizes, pages)
        else:
            admin = postgres_admin()
            if admin is None:
                print(f"\npostgresql: no server at {POSTGRES_URL}; skipped")
                continue
            name = f"newsroom_bench_scaling_{os.getpid()}"
            names = [name] + [f"{name}_{size}" for size in sizes[1:]]
            try:
                for each in names:
                    admin.execute(f"CREATE DATABASE {each}")
                url = POSTGRES_URL.rstrip("/") + "/" + name
                measured = run_child("postgresql", url, sizes, pages)
            finally:
                for each in names:
                    admin.execute(f"DROP DATABASE IF EXISTS {each} WITH (FORCE)")
                admin.close()
        report(database, measured, sizes)
        print(
            f"({database} took {time.perf_counter() - started:.0f} s in all)",
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10, 1_000, 100_000])
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument(
        "--pages",
        nargs="+",
        default=[],
        metavar="WORD",
        help="only the pages whose label has one of these words",
    )
    parser.add_argument(
        "--child", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if len(args.sizes) < 2 or args.sizes != sorted(set(args.sizes)):
        parser.error("give two or more sizes, smallest first")
    keep_pages(args.pages)
    if not PAGES:
        parser.error(f"no page's label has any of {args.pages}")
    if args.child:
        child(args.child, os.environ.get("BENCH_DATABASE_URL", ""), args.sizes)
    else:
        main(args.sizes, args.only, args.pages)
