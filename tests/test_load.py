"""Readers and an editor at once, on gunicorn, loopback only: no errors, nothing lost.

The site runs as in production (DEBUG off, two workers, collected static
files, the page cache in Redis) against a fresh database, SQLite or
PostgreSQL, with the seeds imported. Redis is the one at
NEWSROOM_BENCH_REDIS_URL (default redis://127.0.0.1:6379/13); without it the
site runs as production does without Redis, with no page cache, and the test
says so (CI, with NEWSROOM_REQUIRE_BROWSER=1, requires it). Reader threads
GET every kind of public page while one editor, logged in through the
admin's login form, saves the seed brief's change form again and again,
each time with a new marker in a section, exactly as a browser posts the
form (the version it was opened at included). The load lasts until the
editor has saved MIN_SAVES times and MIN_SECONDS have passed, whichever is
later (LOAD_LIMIT_SECONDS at most). Then: no 5xx, every save redirected,
every marker is in the brief's history, the database holds the last one,
readers read at least MIN_READS pages and see the last save.

Not a timing test: the figures are printed (``make test-load`` shows them)
and only correctness is asserted.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest

from benchmarks.serving import (
    REDIS_URL,
    Server,
    fetch,
    gunicorn,
    production_env,
    redis_reachable,
    run_python,
)
from tests.live_site import Browser, form_fields, required

pytestmark = pytest.mark.load

READERS = 4
# The load lasts until both are reached: several saves, each among many reads
# (readers and the editor share two workers, so a busy machine slows both).
MIN_SECONDS = 2.0
MIN_SAVES = 4
MIN_READS = 50
# Upper bounds, whatever the machine's speed: the run stops at whichever comes first.
LOAD_LIMIT_SECONDS = 60.0
MAX_READS_PER_READER = 5_000
# Between one reader's requests: load enough to overlap every save with many
# reads, without spending the suite's CPU on throughput.
READ_PAUSE = 0.06
MAX_SAVES = 200
# After the last save, readers must see it within this many seconds.
VISIBLE_WITHIN = 10.0


# Databases ----------------------------------------------------------------


@pytest.fixture(scope="session")
def cache_env() -> dict[str, str]:
    """REDIS_URL for the site when Redis answers on loopback; else no page cache."""
    if redis_reachable():
        return {"REDIS_URL": REDIS_URL}
    if required():
        pytest.fail(f"Redis at {REDIS_URL} is unreachable")
    return {}


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded(request, seeded_databases, tmp_path):
    """(database URL, the seed brief's details) of a fresh seeded database."""
    yield from seeded_databases.copy(request.param, tmp_path)


@dataclass
class Run:
    """What readers and the editor saw."""

    reads: Counter = field(default_factory=Counter)  # status -> count
    bad_reads: list[tuple[str, int | str]] = field(default_factory=list)
    saves: list[tuple[str, int]] = field(default_factory=list)  # (marker, status)
    save_errors: list[str] = field(default_factory=list)
    editor_error: BaseException | None = None


def reader(port: int, paths: list[str], done: threading.Event, run: Run, lock) -> None:
    """GET ``paths`` in turn until the editor is ``done``."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    seen: Counter = Counter()
    bad: list = []
    for n in range(MAX_READS_PER_READER):
        if done.is_set():
            break
        path = paths[n % len(paths)]
        time.sleep(READ_PAUSE)
        try:
            # http.client reopens the connection gunicorn closes after each response.
            response = fetch(port, path, connection=conn)
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            seen[type(error).__name__] += 1
            bad.append((path, type(error).__name__))
            continue
        seen[response.status] += 1
        if response.status != 200:
            bad.append((path, response.status))
    conn.close()
    with lock:
        run.reads.update(seen)
        run.bad_reads += bad


def editor(port: int, seed: dict, done: threading.Event, run: Run, label: str) -> None:
    """Log in, then save the brief's change form with a new marker until the load
    has lasted MIN_SECONDS and MIN_SAVES saves (or its limit); then set ``done``."""
    started = time.monotonic()
    try:
        browser = Browser(port)
        browser.login(*seed["editor"])
        change = f"/admin/briefs/brief/{seed['brief_pk']}/change/"
        original = None
        for n in range(MAX_SAVES):
            elapsed = time.monotonic() - started
            if elapsed > LOAD_LIMIT_SECONDS or (
                elapsed >= MIN_SECONDS and len(run.saves) >= MIN_SAVES
            ):
                break
            page = browser.request("GET", change)
            assert page.status == 200, page.status
            fields = form_fields(page.text, containing="loaded_version")
            data = dict(fields)
            body_name = next(
                name for name, _ in fields if re.fullmatch(r"sections-0-body", name)
            )
            if original is None:
                original = data[body_name]
            marker = f"loadmarker{label}x{n}x{secrets.token_hex(3)}"
            submitted = [
                (
                    name,
                    f"{original}\n\nMarker {marker}." if name == body_name else value,
                )
                for name, value in fields
            ] + [("_save", "Save"), ("change_kind", "minor")]  # the brief is live
            response = browser.request("POST", change, submitted)
            run.saves.append((marker, response.status))
            if response.status != 302:
                errors = re.findall(
                    r'class="errorlist[^"]*">(.*?)</ul>', response.text, re.S
                )
                run.save_errors.append(f"{marker}: {response.status} {errors[:3]}")
    except BaseException as error:  # reported by the test, with the server log
        run.editor_error = error
    finally:
        done.set()


_STATE = """
import json
from reversion.models import Version
from briefs.models import Brief, Section
brief = Brief.objects.get(pk={pk})
markers = {markers!r}
print(json.dumps({{
    "body": brief.sections.order_by("position", "pk").first().body,
    "version": brief.version,
    "revisions": Version.objects.get_for_object(brief).count(),
    "missing": [
        m for m in markers
        if not Version.objects.get_for_model(Section)
        .filter(serialized_data__contains=m).exists()
    ],
}}))
"""


def database_state(env, brief_pk: int, markers: list[str]) -> dict:
    import json

    out = run_python(env, _STATE.format(pk=brief_pk, markers=markers))
    return json.loads(out.strip().splitlines()[-1])


def wait_until_visible(server: Server, paths: list[str], marker: str) -> float:
    """Seconds until ``marker`` is on every path, several times in a row (both workers)."""
    start = time.monotonic()
    streak = 0
    while time.monotonic() - start < VISIBLE_WITHIN:
        if all(marker in fetch(server.port, path).text for path in paths):
            streak += 1
            if streak >= 6:
                return round(time.monotonic() - start, 2)
        else:
            streak = 0
        time.sleep(0.05)
    return float("inf")


def test_readers_and_an_editor_at_once_lose_nothing(
    seeded, static_root, cache_env, tmp_path, request
):
    database_url, seed = seeded
    label = request.node.callspec.id
    env = production_env(
        tmp_path,
        database_url=database_url,
        DJANGO_STATIC_ROOT=str(static_root),
        **cache_env,
    )
    slug = seed["brief_slug"]
    brief_paths = [f"/briefs/{slug}/", f"/api/briefs/{slug}/"]
    paths = [
        "/",
        *brief_paths,
        "/tags/",
        f"/tags/{seed['tag_slug']}/",
        "/search/?" + urlencode({"q": seed["brief_title"].split()[-1]}),
        "/feeds/briefs.atom",
        "/feeds/briefs.rss",
        "/api/briefs/",
        "/sitemap.xml",
    ]
    run = Run()
    lock = threading.Lock()
    log = tmp_path / "gunicorn.log"
    with gunicorn(env, workers=2, log_path=log) as server:
        for path in paths:  # every page works before the load starts
            assert fetch(server.port, path).status == 200, path
        started = time.monotonic()
        done = threading.Event()
        threads = [
            threading.Thread(target=reader, args=(server.port, paths, done, run, lock))
            for _ in range(READERS)
        ]
        threads.append(
            threading.Thread(
                target=editor,
                args=(server.port, seed, done, run, label),
            )
        )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=LOAD_LIMIT_SECONDS + 60)
        elapsed = time.monotonic() - started
        assert not any(thread.is_alive() for thread in threads), "a client thread hung"
        last_marker = run.saves[-1][0] if run.saves else None
        visible_after = (
            wait_until_visible(server, brief_paths, last_marker)
            if last_marker
            else None
        )
    server_log = log.read_text(encoding="utf-8", errors="replace")
    after = database_state(env, seed["brief_pk"], [marker for marker, _ in run.saves])

    reads = sum(run.reads.values())
    print(
        f"\n[{label}, {'Redis page cache' if cache_env else 'no page cache'}] "
        f"{elapsed:.1f} s: {reads:,} reads ({reads / elapsed:.0f}/s) "
        f"by {READERS} readers, statuses {dict(run.reads)}; "
        f"{len(run.saves)} saves by the editor, statuses "
        f"{dict(Counter(status for _, status in run.saves))}; "
        f"revisions {seed['revisions']} -> {after['revisions']}; "
        f"last save visible to readers after {visible_after} s"
    )
    tail = "\n".join(server_log.splitlines()[-40:])
    assert run.editor_error is None, f"editor failed: {run.editor_error!r}\n{tail}"
    assert not run.bad_reads, (
        f"{len(run.bad_reads)} failed reads: {run.bad_reads[:10]}\n{tail}"
    )
    assert not [line for line in server_log.splitlines() if '"status": 5' in line], tail
    assert len(run.saves) >= MIN_SAVES, f"the editor saved {len(run.saves)} times"
    assert reads >= MIN_READS, f"readers read only {reads} pages"
    assert not run.save_errors, run.save_errors[:5]
    # Nothing lost: each save is one revision holding its marker, and the last one stands.
    assert after["missing"] == []
    assert after["revisions"] == seed["revisions"] + len(run.saves)
    assert after["version"] == seed["version"] + len(run.saves)
    assert last_marker in after["body"]
    assert visible_after <= VISIBLE_WITHIN, f"readers never saw {last_marker}"
