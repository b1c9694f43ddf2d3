"""Requests per second and latency of the public pages under gunicorn, one worker.

The site runs as in production (DEBUG off, whitenoise's hashed, compressed
static files, the JSON request log) against a throw-away SQLite database with
the seeds imported. Each cached page (a brief, the home page, a tag page and
the Atom feed) is compared with a static file of exactly its bytes, served by
the same worker: the fastest thing the stack can answer. Each is measured at
16 concurrent connections (requests per second, p50 and p99 latency) three
ways: with no page cache (production's default without Redis), with the page
cache in the worker's memory (fine for one worker), and with it in Redis when
one answers on 127.0.0.1 (NEWSROOM_BENCH_REDIS_URL, default
redis://127.0.0.1:6379/13, whose page-cache keys are deleted first).

Load comes from wrk when it is installed (`apt-get install wrk`), otherwise
from a Python load generator (threads, keep-alive connections), which shares
the CPUs with the server and so understates both rates. Only 127.0.0.1 is
contacted; every run is bounded in time.

Usage: python benchmarks/bench_serving.py [SECONDS_PER_RUN] [--python]
[--rounds=N] [--only=none,memory,redis]

``--rounds`` alternates each page with its static copy N times (default 2)
and keeps the best of each, which is what a quiet machine gives when others
share it; ``--only`` measures those configurations alone.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlencode

import redis

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
# A cached page must reach this share of the rate of its static copy.
AIM = 0.90
# Alternating page and static runs, so drift on a shared machine hits both.
ROUNDS = 2
# What --only chooses from: no page cache, in the worker's memory, in Redis.
CONFIGURATIONS = frozenset({"none", "memory", "redis"})
# Recycling the one worker mid-run (max_requests) would empty its in-memory
# cache and pause serving; production runs several workers, staggered.
SERVER_ENV = {"GUNICORN_MAX_REQUESTS": "0"}


def main(
    seconds: float,
    use_wrk: bool,
    rounds: int = ROUNDS,
    only: frozenset[str] = CONFIGURATIONS,
) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-serving-"))
    try:
        run(workdir, seconds, use_wrk, rounds, only)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def forget_redis_pages(url: str = REDIS_URL) -> None:
    """Delete the page cache's keys in the benchmark's Redis database: a
    fresh database here has the same ids as the last run's."""
    client = redis.Redis.from_url(url, socket_timeout=2)
    for key in client.scan_iter("newsroom:nr:*", count=1000):
        client.delete(key)


def run(
    workdir: Path, seconds: float, use_wrk: bool, rounds: int, only: frozenset[str]
) -> None:
    env = production_env(workdir)
    seed = prepare_database(env)
    collect_static(env)
    log = workdir / "gunicorn.log"
    pages = {
        "brief page": f"/briefs/{seed['brief_slug']}/",
        "home": "/",
        "tag page": f"/tags/{seed['tag_slug']}/",
        "Atom feed": "/feeds/briefs.atom",
    }

    # First start: learn each page's exact bytes, then collect a copy of
    # them as a static file, hashed and compressed like every other.
    extra = workdir / "extra"
    (extra / "bench").mkdir(parents=True)
    bodies, statics = {}, {}
    with gunicorn(env, workers=1, log_path=log, **SERVER_ENV) as server:
        for label, path in pages.items():
            page = fetch(server.port, path)
            assert page.status == 200, (path, page.status)
            bodies[label] = page.body
            name = f"bench/{label.replace(' ', '-')}.{'xml' if 'feed' in label else 'html'}"
            (extra / name).write_bytes(page.body)
            statics[label] = name
    manifest = collect_static(env, extra_dirs=[extra])
    statics = {label: f"/static/{manifest[name]}" for label, name in statics.items()}
    search = "/search/?" + urlencode({"q": seed["brief_title"].split()[-1]})

    caches = {}
    if "none" in only:
        caches["no page cache"] = {"NEWSROOM_PAGE_CACHE_SECONDS": "0"}
    if "memory" in only:
        caches["page cache in memory"] = {"NEWSROOM_PAGE_CACHE_SECONDS": "3600"}
    if "redis" in only and redis_reachable():
        forget_redis_pages()
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
    ratios: dict[tuple[str, str], float] = {}
    for cache, cache_env in caches.items():
        with gunicorn(
            {**env, **cache_env}, workers=1, log_path=log, **SERVER_ENV
        ) as server:
            for label in pages:
                static = fetch(server.port, statics[label])
                assert static.status == 200 and static.body == bodies[label], label
            for path in [*statics.values(), *pages.values(), search]:
                for _ in range(5):  # warm: imports, connections, the page cache
                    assert fetch(server.port, path).status == 200, path
            hit = fetch(server.port, pages["brief page"]).headers.get("X-Cache")
            for label, path in pages.items():
                static_runs, page_runs = [], []
                for _ in range(rounds):
                    static_runs.append(measure(server.port, statics[label]))
                    page_runs.append(measure(server.port, path))
                best_static = max(static_runs, key=lambda r: r.rps)
                best_page = max(page_runs, key=lambda r: r.rps)
                table.append((cache, f"{label}, static copy", best_static))
                table.append((cache, label, best_page))
                ratios[cache, label] = best_page.rps / best_static.rps
            if cache == "no page cache":
                table.append((cache, "search", measure(server.port, search)))
        print(f"{cache}: brief page X-Cache {hit or '(none)'}")

    tool = "wrk" if use_wrk and WRK else "Python threads"
    print(
        f"\ngunicorn, 1 sync worker, DEBUG off, SQLite, seeds imported; load: {tool}, "
        f"{CONNECTIONS} connections, {seconds:g} s per run (best of {rounds} for "
        "each page and its static copy, alternating)"
    )
    sizes = ", ".join(f"{label} {len(body):,}" for label, body in bodies.items())
    print(f"bytes: {sizes}\n")
    header = (
        f"{'configuration':<22}{'page':<26}{'requests/s':>11}{'p50 ms':>9}"
        f"{'p99 ms':>9}{'requests':>10}"
    )
    print(header)
    print("-" * len(header))
    for cache, label, result in table:
        print(
            f"{cache:<22}{label:<26}{result.rps:>11,.0f}{result.p50 * 1000:>9.1f}"
            f"{result.p99 * 1000:>9.1f}{result.requests:>10,}"
        )
    print()
    for (cache, label), ratio in ratios.items():
        aim = ""
        if cache != "no page cache":
            aim = f"; aim >= {AIM:.0%}: {'met' if ratio >= AIM else 'NOT met'}"
        print(f"{cache}: {label} at {ratio:.0%} of its static copy's rate{aim}")


def option(name: str, default: str) -> str:
    for arg in sys.argv[1:]:
        if arg.startswith(f"--{name}="):
            return arg.split("=", 1)[1]
    return default


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    only = frozenset(option("only", ",".join(sorted(CONFIGURATIONS))).split(","))
    if not only <= CONFIGURATIONS:
        raise SystemExit(f"--only takes {', '.join(sorted(CONFIGURATIONS))}")
    main(
        float(args[0]) if args else 3.0,
        use_wrk="--python" not in sys.argv,
        rounds=int(option("rounds", str(ROUNDS))),
        only=only,
    )
