"""Requests per second and latency of the public pages under gunicorn, one worker.

The site runs as in production (DEBUG off, whitenoise's hashed, compressed
static files, the JSON request log) against a throw-away SQLite database with
the seeds imported. The brief page is compared with a static file of exactly
its size, served by the same worker: the fastest thing the stack can answer.
Each page is measured at 16 concurrent connections (requests per second, p50
and p99 latency) three ways: with no page cache (production's default without
Redis), with the page cache in the worker's memory (fine for one worker), and
with it in Redis when one answers on 127.0.0.1 (NEWSROOM_BENCH_REDIS_URL,
default redis://127.0.0.1:6379/13).

Load comes from wrk when it is installed (`apt-get install wrk`), otherwise
from a Python load generator (threads, keep-alive connections). Only
127.0.0.1 is contacted; every run is bounded in time.

Usage: python benchmarks/bench_serving.py [SECONDS_PER_RUN] [--python]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.serving import (  # noqa: E402
    REDIS_URL,
    WRK,
    LoadResult,
    collect_static,
    fetch,
    gunicorn,
    load,
    prepare_database,
    production_env,
    redis_reachable,
)

CONNECTIONS = 16
# A cached brief page must reach this share of the static file's rate.
AIM = 0.80
# Alternating brief and static runs, so drift on a shared machine hits both.
ROUNDS = 2
STATIC_NAME = "bench/brief-sized.html"
# Recycling the one worker mid-run (max_requests) would empty its in-memory
# cache and pause serving; production runs several workers, staggered.
SERVER_ENV = {"GUNICORN_MAX_REQUESTS": "0"}


def main(seconds: float, use_wrk: bool) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-serving-"))
    try:
        run(workdir, seconds, use_wrk)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(workdir: Path, seconds: float, use_wrk: bool) -> None:
    env = production_env(workdir)
    seed = prepare_database(env)
    collect_static(env)
    brief_path = f"/briefs/{seed['brief_slug']}/"
    log = workdir / "gunicorn.log"

    # First start: learn the brief page's exact bytes, then collect a copy
    # of them as a static file, hashed and compressed like every other.
    with gunicorn(env, workers=1, log_path=log, **SERVER_ENV) as server:
        page = fetch(server.port, brief_path)
        assert page.status == 200, page.status
    extra = workdir / "extra"
    (extra / "bench").mkdir(parents=True)
    (extra / STATIC_NAME).write_bytes(page.body)
    manifest = collect_static(env, extra_dirs=[extra])
    static_path = f"/static/{manifest[STATIC_NAME]}"

    pages = {
        "brief page": brief_path,
        "home": "/",
        "tag page": f"/tags/{seed['tag_slug']}/",
        "search": "/search/?" + urlencode({"q": seed["brief_title"].split()[-1]}),
    }
    caches = {
        "no page cache": {"NEWSROOM_PAGE_CACHE_SECONDS": "0"},
        "page cache in memory": {"NEWSROOM_PAGE_CACHE_SECONDS": "3600"},
    }
    if redis_reachable():
        caches["page cache in Redis"] = {"REDIS_URL": REDIS_URL}

    def measure(port: int, path: str) -> LoadResult:
        result = load(
            port, path, connections=CONNECTIONS, duration=seconds, use_wrk=use_wrk
        )
        bad = sum(
            n for status, n in result.statuses.items() if status not in (200, "2xx/3xx")
        )
        if bad or result.failures:
            raise SystemExit(
                f"{path}: {bad} bad responses, failures {dict(result.failures)}"
            )
        return result

    table: list[tuple[str, str, LoadResult]] = []
    ratios: dict[str, tuple[float, list[LoadResult], list[LoadResult]]] = {}
    for cache, cache_env in caches.items():
        with gunicorn(
            {**env, **cache_env}, workers=1, log_path=log, **SERVER_ENV
        ) as server:
            static = fetch(server.port, static_path)
            assert static.status == 200 and static.body == page.body, static.status
            for path in [static_path, *pages.values()]:
                for _ in range(5):  # warm: imports, connections, the page cache
                    assert fetch(server.port, path).status == 200, path
            cache_control = fetch(server.port, brief_path).headers.get(
                "Cache-Control", "(none)"
            )
            static_runs, brief_runs = [], []
            for _ in range(ROUNDS):
                static_runs.append(measure(server.port, static_path))
                brief_runs.append(measure(server.port, brief_path))
            best_static = max(static_runs, key=lambda r: r.rps)
            best_brief = max(brief_runs, key=lambda r: r.rps)
            table.append((cache, "static file, same size", best_static))
            table.append((cache, "brief page", best_brief))
            for label, path in pages.items():
                if path != brief_path:
                    table.append((cache, label, measure(server.port, path)))
        ratios[cache] = (best_brief.rps / best_static.rps, static_runs, brief_runs)
        print(f"{cache}: brief page Cache-Control {cache_control}")

    tool = "wrk" if use_wrk and WRK else "Python threads"
    print(
        f"\ngunicorn, 1 sync worker, DEBUG off, SQLite, seeds imported; load: {tool}, "
        f"{CONNECTIONS} connections, {seconds:g} s per run (best of {ROUNDS} for "
        "brief and static)"
    )
    print(f"brief page {len(page.body):,} bytes; static copy {static_path}\n")
    header = (
        f"{'configuration':<22}{'page':<24}{'requests/s':>11}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'requests':>10}"
    )
    print(header)
    print("-" * len(header))
    for cache, label, result in table:
        print(
            f"{cache:<22}{label:<24}{result.rps:>11,.0f}{result.p50 * 1000:>9.1f}"
            f"{result.p99 * 1000:>9.1f}{result.requests:>10,}"
        )
    print()
    for cache, (ratio, static_runs, brief_runs) in ratios.items():
        rounds = (
            "static "
            + "/".join(f"{r.rps:,.0f}" for r in static_runs)
            + ", brief "
            + "/".join(f"{r.rps:,.0f}" for r in brief_runs)
        )
        aim = ""
        if cache != "no page cache":
            aim = f"; aim >= {AIM:.0%}: {'met' if ratio >= AIM else 'NOT met'}"
        print(f"{cache}: brief page at {ratio:.0%} of the static rate ({rounds}){aim}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(float(args[0]) if args else 3.0, use_wrk="--python" not in sys.argv)
