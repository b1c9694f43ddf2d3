"""The page cache's hit rate while an editor saves, and that no reader ever
sees a page older than the last save (issue 15, goal 3).

10,000 published briefs (bulk inserts) behind gunicorn (one sync worker,
the page cache in Redis when one answers on 127.0.0.1, else in the worker's
memory). Reader threads request brief pages Zipf-like (rank k with weight
1/k^1.1, a few hot briefs and a long tail) while an editor process saves a
brief every 2 seconds through the ORM (signals and all, as the admin does):
every other save a random brief of the whole archive, and every other one
of the 20 most read, so that readers do come back to edited pages.

Reported: the hit rate (``X-Cache: hit``) over every request, and over
requests for a page already requested once (the misses left are then due to
edits: what invalidation costs); the aim is 95% for the latter. Checked:
every response shows the brief's edit number at least as high as the last
save that finished before the request was sent. Only 127.0.0.1 is contacted.

Usage: python benchmarks/bench_invalidation.py [SECONDS] [--python]
"""

from __future__ import annotations

import http.client
import itertools
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.serving import (  # noqa: E402
    HOST,
    PYTHON,
    REDIS_URL,
    ROOT,
    collect_static,
    gunicorn,
    production_env,
    redis_reachable,
    run_python,
)

BRIEFS = 10_000
READERS = 8
ZIPF = 1.1
SAVE_EVERY = 2.0
HOT = 20
AIM = 0.95
# Pages requested before measuring: the head of the distribution.
WARM = 500

_GENERATE = """
import datetime as dt
from django.core.management import call_command
from django.utils import timezone
from briefs.models import Brief, Section, Tag, TaggedBrief

call_command("migrate", verbosity=0, interactive=False)
tags = [Tag.objects.create(name=f"Topic {n:02d}") for n in range(50)]
now = timezone.now().replace(microsecond=0)
Brief.objects.bulk_create(
    [
        Brief(
            title=f"Brief {n:05d}",
            slug=f"brief-{n:05d}",
            dateline="GENEVA",
            status="published",
            published_at=now - dt.timedelta(minutes=n),
        )
        for n in range({briefs})
    ],
    batch_size=1000,
)
ids = dict(Brief.objects.values_list("slug", "pk"))
Section.objects.bulk_create(
    [
        Section(
            brief_id=pk,
            position=0,
            body="Ministers met on Monday to discuss trade.",
            body_html="<p>Ministers met on Monday to discuss trade.</p>",
        )
        for pk in ids.values()
    ],
    batch_size=1000,
)
TaggedBrief.objects.bulk_create(
    [
        TaggedBrief(content_object_id=pk, tag_id=tags[(pk * k) % 50].pk)
        for pk in ids.values()
        for k in (1, 7)
    ],
    batch_size=1000,
    ignore_conflicts=True,
)
print(Brief.objects.count())
"""

# The editor: one save every SAVE_EVERY seconds, each printed once it returns.
_EDITOR = """
import django, json, random, sys, time
django.setup()
from briefs.models import Brief

rng = random.Random(7)
hot, briefs, every, seconds = {hot}, {briefs}, {every}, {seconds}
end = time.monotonic() + seconds
n = 0
while time.monotonic() < end:
    n += 1
    rank = rng.randrange(hot) if n % 2 == 0 else rng.randrange(briefs)
    brief = Brief.objects.get(slug=f"brief-{{rank:05d}}")
    brief.title = f"Brief {{rank:05d}} (edit {{n}})"
    brief.save()
    print(json.dumps({{"slug": brief.slug, "edit": n, "done": time.time()}}), flush=True)
    time.sleep(every)
"""

_TITLE = re.compile(rb"<title>[^<]*?\(edit (\d+)\)")


def zipf_weights(n: int, s: float) -> list[float]:
    return list(itertools.accumulate(1 / (k**s) for k in range(1, n + 1)))


def main(seconds: float) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-invalidation-"))
    try:
        run(workdir, seconds)
    finally:
        if "--keep" not in sys.argv:
            shutil.rmtree(workdir, ignore_errors=True)


def run(workdir: Path, seconds: float) -> None:
    store = "memory"
    extra = {"NEWSROOM_PAGE_CACHE_SECONDS": "3600"}
    if redis_reachable():
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
        for key in client.scan_iter("newsroom:nr:*", count=1000):
            client.delete(key)
        extra["REDIS_URL"] = REDIS_URL
        store = "Redis"
    env = production_env(workdir, **extra)
    started = time.monotonic()
    count = int(run_python(env, _GENERATE.replace("{briefs}", str(BRIEFS))).split()[-1])
    generated = time.monotonic() - started
    collect_static(env)
    cumulative = zipf_weights(BRIEFS, ZIPF)
    log = workdir / "gunicorn.log"

    with gunicorn(env, workers=1, log_path=log, GUNICORN_MAX_REQUESTS="0") as server:
        connection = http.client.HTTPConnection(HOST, server.port, timeout=10)
        for rank in range(WARM):
            connection.request("GET", f"/briefs/brief-{rank:05d}/")
            response = connection.getresponse()
            response.read()
            assert response.status == 200, (rank, response.status)
        connection.close()

        editor = subprocess.Popen(
            [
                PYTHON,
                "-c",
                _EDITOR.format(
                    hot=HOT, briefs=BRIEFS, every=SAVE_EVERY, seconds=seconds
                ),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        saves: dict[str, list[tuple[float, int]]] = {}
        lock = threading.Lock()

        def follow_editor() -> None:
            for line in editor.stdout:
                save = json.loads(line)
                with lock:
                    saves.setdefault(save["slug"], []).append(
                        (save["done"], save["edit"])
                    )

        seen: list[tuple[str, float, int, bool, int]] = []
        requested = {f"brief-{rank:05d}" for rank in range(WARM)}
        end = time.monotonic() + seconds

        def reader(number: int) -> None:
            rng = random.Random(number)
            conn = http.client.HTTPConnection(HOST, server.port, timeout=10)
            mine = []
            while time.monotonic() < end:
                [rank] = rng.choices(range(BRIEFS), cum_weights=cumulative)
                slug = f"brief-{rank:05d}"
                sent = time.time()
                conn.request("GET", f"/briefs/{slug}/")
                response = conn.getresponse()
                body = response.read()
                match = _TITLE.search(body)
                with lock:
                    again = slug in requested
                    requested.add(slug)
                edit = int(match.group(1)) if match else 0
                hit = response.getheader("X-Cache") == "hit"
                mine.append((slug, sent, edit, hit, response.status, again))
            conn.close()
            with lock:
                seen.extend(mine)

        threads = [threading.Thread(target=follow_editor)]
        threads += [threading.Thread(target=reader, args=(n,)) for n in range(READERS)]
        for thread in threads:
            thread.start()
        for thread in threads[1:]:
            thread.join()
        editor.wait(timeout=seconds + 30)
        threads[0].join(timeout=10)

    stale = []
    for slug, sent, edit, _hit, status, _again in seen:
        assert status == 200, (slug, status)
        done_before = [n for done, n in saves.get(slug, []) if done < sent]
        if done_before and edit < max(done_before):
            stale.append((slug, edit, max(done_before)))
    total = len(seen)
    hits = sum(1 for row in seen if row[3])
    repeat = [row for row in seen if row[5]]
    repeat_hits = sum(1 for row in repeat if row[3])
    edits = sum(len(v) for v in saves.values())
    print(
        f"{count:,} briefs generated by bulk inserts in {generated:.1f} s; page cache "
        f"in {store}; gunicorn, 1 sync worker; {READERS} reader threads, Zipf s={ZIPF}, "
        f"{WARM} most read warmed first; {edits} saves in {seconds:g} s "
        f"(one every {SAVE_EVERY:g} s, every other one among the {HOT} most read)"
    )
    print(f"requests: {total:,} ({total / seconds:,.0f}/s)")
    print(f"hit rate, every request: {hits / total:.1%}")
    rate = repeat_hits / len(repeat) if repeat else 0.0
    print(
        f"hit rate, pages requested before: {rate:.1%} of {len(repeat):,}; "
        f"aim >= {AIM:.0%}: {'met' if rate >= AIM else 'NOT met'}"
    )
    edited = sum(1 for row in seen if row[2])
    print(f"responses showing an edit: {edited:,}")
    print(f"responses older than the last save before them: {len(stale)}")
    if stale:
        raise SystemExit(f"stale pages served: {stale[:10]}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(float(args[0]) if args else 60.0)
