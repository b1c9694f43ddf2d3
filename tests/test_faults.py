"""Faults injected under load: no stale page, no 500, no torn read, no save lost.

The site runs as in production (gunicorn, two workers, DEBUG off) against a
fresh database with the seeds imported and a ``redis-server`` of its own on a
free loopback port. Four readers read the seed brief's page and its API
answer, with the home page and the tag index, while an editor saves the
brief's change form again and again, each save putting one new marker in the
first key point and in the first section. One fault is injected in the
middle, once the editor has saved, and the load goes on until the editor
has saved again after it (and, for Redis, until readers are served from the
cache again: the restored or thawed cache is really read):

- Redis saved to its snapshot, more saves, then killed and restarted from
  that snapshot (its pages and counters from before those saves);
- Redis frozen (SIGSTOP) for a few seconds, then let go;
- every connection of the site to PostgreSQL terminated, again and again;
- PostgreSQL refusing the site's connections for a few seconds.

Then: no reader got a 5xx other than a 503 with Retry-After while the
database was away, and no read failed or hung; no reader saw the brief older
than the last save that had been answered before the read began, except a
copy the site marked as stale while the database was away; every page and
answer showed one save (its key point and its section carry the same
marker); every save the site confirmed is in the database and in the
brief's history, and the database holds the last one; the server logged no
traceback. The database faults run on PostgreSQL only (SQLite has no
connection to lose); the Redis ones on both.

Not a timing test: each scenario lasts a few seconds of real load, and only
correctness is asserted.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from benchmarks.serving import (
    Server,
    fetch,
    gunicorn,
    production_env,
    run_python,
)
from tests.live_site import (
    POSTGRES_ADMIN_URL,
    Browser,
    form_fields,
    required,
)
from tests.services import RedisServer

pytestmark = pytest.mark.load

READERS = 4
# Between one reader's requests: enough reads to catch a stale page, without
# spending the suite's CPU on throughput.
READ_PAUSE = 0.06
# A request that takes longer than this has hung: the test fails.
HUNG_AFTER = 8.0
# A scenario waits for saves and cache hits, not for fixed times: the editor
# has saved before each fault begins and after it ends, whatever the
# machine's speed. Waiting longer than this for one is a failure.
WAIT_LIMIT = 30.0
# After a Redis error the site leaves Redis alone this long (2 s in
# production): short, so that each scenario sees the site go back to its
# cache, restored from a snapshot or thawed, within a second of the fault.
CACHE_RETRY_SECONDS = "0.5"
# The header a page served from the cache while the database is away carries.
STALE_HEADER = "X-Cache"
MARKER = re.compile(r"faultmark(\d+)x")


# Services ----------------------------------------------------------------


@pytest.fixture
def redis_server(tmp_path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        if required():
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    with contextlib.suppress(Exception):
        server.thaw()
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded(request, seeded_databases, tmp_path):
    """(database URL, the seed brief's details) of a fresh seeded database."""
    yield from seeded_databases.copy(request.param, tmp_path)


@pytest.fixture
def seeded_postgres(seeded_databases, tmp_path):
    yield from seeded_databases.copy("postgresql", tmp_path)


def postgres_admin(statement: str, *params) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(statement, params)


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[-1]


# Load --------------------------------------------------------------------


@dataclass
class Read:
    path: str
    started: float
    status: int | str
    markers: frozenset[int] = frozenset()
    stale: bool = False
    retry_after: str | None = None
    hit: bool = False  # served from the page cache


@dataclass
class Save:
    number: int
    answered: float
    outcome: str  # "saved", "interrupted", "unavailable" or "refused"


@dataclass
class Observed:
    reads: list[Read] = field(default_factory=list)
    saves: list[Save] = field(default_factory=list)
    editor_error: BaseException | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    # When each read served from the page cache began, as it happens (the
    # readers add their reads to ``reads`` only at the end).
    hits: list[float] = field(default_factory=list)

    def _wait(self, done: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT_LIMIT
        while not done():
            if self.editor_error is not None:
                return  # check() reports it, with the server's log
            assert time.monotonic() < deadline, f"no {what} in {WAIT_LIMIT} s"
            time.sleep(0.05)

    def wait_for_save(self) -> None:
        """Until the editor's next save is answered as saved."""
        saved = self._saved()
        self._wait(lambda: self._saved() > saved, "save")

    def wait_for_hit(self) -> None:
        """Until a read that begins from now on is served from the page cache."""
        since, known = time.monotonic(), len(self.hits)
        self._wait(lambda: any(t >= since for t in self.hits[known:]), "cache hit")

    def _saved(self) -> int:
        return sum(1 for save in self.saves if save.outcome == "saved")


def reader(port: int, paths: list[str], stop: threading.Event, seen: Observed) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HUNG_AFTER)
    reads: list[Read] = []
    n = 0
    while not stop.is_set():
        path = paths[n % len(paths)]
        n += 1
        time.sleep(READ_PAUSE)
        started = time.monotonic()
        try:
            response = fetch(port, path, connection=conn)
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            reads.append(Read(path, started, type(error).__name__))
            continue
        read = Read(
            path,
            started,
            response.status,
            frozenset(int(m) for m in MARKER.findall(response.text)),
            stale=response.headers.get(STALE_HEADER, "").lower() == "stale",
            hit=response.headers.get(STALE_HEADER, "").lower() == "hit",
            retry_after=response.headers.get("Retry-After"),
        )
        reads.append(read)
        if read.hit:
            seen.hits.append(started)
    conn.close()
    with seen.lock:
        seen.reads += reads


def editor(port: int, seed: dict, stop: threading.Event, seen: Observed) -> None:
    """Save the brief again and again, each save with the next marker in its
    first key point and first section, until ``stop``."""
    try:
        browser = Browser(port)
        while not stop.is_set():
            # A login posted while the database is away is a 503: log in again.
            with contextlib.suppress(AssertionError):
                browser.login(*seed["editor"])
                break
        change = f"/admin/briefs/brief/{seed['brief_pk']}/change/"
        number = 0
        while not stop.is_set():
            page = browser.request("GET", change)
            if page.status == 503:
                seen.saves.append(Save(number, time.monotonic(), "unavailable"))
                time.sleep(0.2)
                continue
            assert page.status == 200, page.status
            number += 1
            fields = form_fields(page.text, containing="loaded_version")
            marker = f"faultmark{number}x"
            submitted = []
            for name, value in fields:
                if re.fullmatch(r"key_?points-0-text", name):
                    value = MARKER.sub("", value).strip() + f" {marker}"
                elif re.fullmatch(r"sections-0-body", name):
                    value = MARKER.sub("", value).rstrip() + f"\n\nMarker {marker}."
                submitted.append((name, value))
            submitted += [("_save", "Save"), ("change_kind", "minor")]
            response = browser.request("POST", change, submitted)
            if response.status == 302:
                outcome = "saved"
            elif response.status == 200 and "was lost while saving" in response.text:
                outcome = "interrupted"
            elif response.status == 503:
                outcome = "unavailable"
            else:
                outcome = f"refused {response.status}"
            seen.saves.append(Save(number, time.monotonic(), outcome))
    except BaseException as error:  # reported by the test, with the server log
        seen.editor_error = error


def under_load(
    server: Server, seed: dict, fault: Callable[[Observed], None]
) -> tuple[Observed, str]:
    """Readers and the editor while ``fault(seen)`` runs (``seen`` fills as
    they go); returns what they saw and the server's log."""
    slug = seed["brief_slug"]
    paths = [f"/briefs/{slug}/", f"/api/briefs/{slug}/", "/", "/tags/"]
    seen = Observed()
    stop = threading.Event()
    threads = [
        threading.Thread(target=reader, args=(server.port, paths, stop, seen))
        for _ in range(READERS)
    ] + [threading.Thread(target=editor, args=(server.port, seed, stop, seen))]
    for thread in threads:
        thread.start()
    try:
        fault(seen)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=HUNG_AFTER * 4)
    assert not any(thread.is_alive() for thread in threads), "a client thread hung"
    return seen, server.log()


_STATE = r"""
import json
from reversion.models import Version
from briefs.models import Brief, KeyPoint
brief = Brief.objects.get(pk={pk})
print(json.dumps({{
    "key_point": brief.key_points.order_by("position", "pk").first().text,
    "body": brief.sections.order_by("position", "pk").first().body,
    "version": brief.version,
    "revisions": Version.objects.get_for_object(brief).count(),
    "in_history": sorted({{
        int(m)
        for data in Version.objects.get_for_model(KeyPoint)
        .filter(serialized_data__contains="faultmark")
        .values_list("serialized_data", flat=True)
        for m in __import__("re").findall(r"faultmark(\d+)x", data)
    }}),
}}))
"""


def database_state(env: dict[str, str], brief_pk: int) -> dict:
    out = run_python(env, _STATE.format(pk=brief_pk))
    return json.loads(out.strip().splitlines()[-1])


def check(
    seen: Observed, log: str, before: dict, after: dict, *, database_away: bool
) -> None:
    # The server's errors (each with its traceback) first: the tail alone
    # may have scrolled past the one that answered a 500.
    errors = [line for line in log.splitlines() if '"level": "ERROR"' in line]
    tail = "\n".join([*errors[-5:], "…", *log.splitlines()[-60:]])
    assert seen.editor_error is None, f"editor failed: {seen.editor_error!r}\n{tail}"
    saved = [save for save in seen.saves if save.outcome == "saved"]
    refused = [save for save in seen.saves if save.outcome.startswith("refused")]
    assert not refused, refused[:5]
    assert saved, f"the editor never saved: {seen.saves[:10]}"
    # No 500, no failed or hung read; a 503 only with Retry-After, and only
    # while the database was away.
    failed = [
        read
        for read in seen.reads
        if read.status != 200
        and not (database_away and read.status == 503 and read.retry_after)
    ]
    assert not failed, f"{len(failed)} failed reads: {failed[:10]}\n{tail}"
    assert "Traceback" not in log, tail
    # No stale read: a read that began after a save was answered shows that
    # save or a later one (the brief page and the API answer, not the
    # listings, which do not show the markers), unless marked stale.
    for read in seen.reads:
        if (
            read.status != 200
            or read.stale
            or not read.path.startswith(("/briefs/", "/api/"))
        ):
            continue
        confirmed = [s.number for s in saved if s.answered < read.started]
        if confirmed:
            assert read.markers and min(read.markers) >= max(confirmed), (
                f"{read.path} read at {read.started:.2f} showed save "
                f"{sorted(read.markers)}, but save {max(confirmed)} was answered before"
            )
        # One save per page: its key point and its section carry one marker.
        assert len(read.markers) <= 1, (
            f"torn read of {read.path}: {sorted(read.markers)}"
        )
    # Nothing lost: every confirmed save is in the history, the last one stands.
    assert {s.number for s in saved} <= set(after["in_history"])
    assert after["version"] == before["version"] + len(saved)
    assert after["revisions"] == before["revisions"] + len(saved)
    last = saved[-1].number
    assert f"faultmark{last}x" in after["key_point"]
    assert f"faultmark{last}x" in after["body"]


# Scenarios ---------------------------------------------------------------


def run_with_fault(
    seeded: tuple[str, dict],
    redis: RedisServer,
    static_root: Path,
    folder: Path,
    fault: Callable[[Server, Observed], None],
    *,
    database_away: bool = False,
) -> Observed:
    """The seeded site on gunicorn (two workers, ``redis`` for its cache)
    under load while ``fault(server)`` runs; checks what readers and the
    editor saw and what the database holds, and returns what they saw."""
    database_url, seed = seeded
    env = production_env(
        folder,
        database_url=database_url,
        DJANGO_STATIC_ROOT=str(static_root),
        REDIS_URL=redis.url,
        NEWSROOM_CACHE_RETRY_SECONDS=CACHE_RETRY_SECONDS,
    )
    with gunicorn(env, workers=2, log_path=folder / "gunicorn.log") as server:
        seen, log = under_load(server, seed, lambda seen: fault(server, seen))
    after = database_state(env, seed["brief_pk"])
    check(seen, log, seed, after, database_away=database_away)
    return seen


def test_redis_restored_from_an_old_snapshot_serves_no_stale_page(
    seeded, redis_server, static_root, tmp_path
):
    def fault(server: Server, seen: Observed) -> None:
        seen.wait_for_save()
        assert redis_server.client().save()
        seen.wait_for_save()  # a save the snapshot knows nothing of
        redis_server.stop()
        time.sleep(0.3)
        redis_server.start()  # from the snapshot
        # The site back on the restored cache, with a save after it.
        seen.wait_for_hit()
        seen.wait_for_save()
        seen.wait_for_hit()

    run_with_fault(seeded, redis_server, static_root, tmp_path, fault)


def test_a_frozen_redis_freezes_nothing(seeded, redis_server, static_root, tmp_path):
    health: list[tuple[int, dict]] = []

    def fault(server: Server, seen: Observed) -> None:
        seen.wait_for_save()
        redis_server.freeze()
        try:
            time.sleep(0.8)
            response = fetch(server.port, "/healthz", timeout=HUNG_AFTER)
            health.append((response.status, json.loads(response.text)))
            time.sleep(1.2)
        finally:
            redis_server.thaw()
        # The site back on its cache, with a save after it.
        seen.wait_for_hit()
        seen.wait_for_save()
        seen.wait_for_hit()

    run_with_fault(seeded, redis_server, static_root, tmp_path, fault)
    # The health check answered while Redis was frozen: the site is degraded, not down.
    assert health and health[0][0] == 200, health
    assert health[0][1]["database"] == "ok" and health[0][1]["cache"] != "ok", health


def test_terminated_database_connections_lose_no_read_and_no_save(
    seeded_postgres, redis_server, static_root, tmp_path
):
    name = database_name(seeded_postgres[0])

    def fault(server: Server, seen: Observed) -> None:
        seen.wait_for_save()
        for _ in range(5):
            time.sleep(0.8)
            postgres_admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                name,
            )
        seen.wait_for_save()

    run_with_fault(seeded_postgres, redis_server, static_root, tmp_path, fault)


def test_a_database_refusing_connections_gives_503s_and_cached_pages(
    seeded_postgres, redis_server, static_root, tmp_path
):
    name = database_name(seeded_postgres[0])

    def fault(server: Server, seen: Observed) -> None:
        seen.wait_for_save()
        postgres_admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        try:
            postgres_admin(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s",
                name,
            )
            time.sleep(2.0)
        finally:
            postgres_admin(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        seen.wait_for_save()

    seen = run_with_fault(
        seeded_postgres, redis_server, static_root, tmp_path, fault, database_away=True
    )
    away = [read for read in seen.reads if read.status == 503 or read.stale]
    assert away, "the database was away, yet every read was a fresh page"
