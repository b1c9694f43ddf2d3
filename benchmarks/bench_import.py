"""Import 1,000 documents of the seed's size, then re-import them unchanged.

As in production: DEBUG off (with it on, Django logs every query, and on
SQLite runs one more query per query to quote its parameters for the log).

Usage: python benchmarks/bench_import.py [COUNT]
"""

import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_a6517fdfc5b60d0c.txt"


def main(count: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    try:
        run(workdir, count)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(workdir: Path, count: int) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="bench-import-" + os.urandom(16).hex(),
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from briefs.models import Brief, Section

    call_command("migrate", verbosity=0)
    seed = SEED.read_text(encoding="utf-8")
    docs = workdir / "docs"
    docs.mkdir()
    for n in range(count):
        # Every document differs (its own first paragraph), at the seed's size.
        (docs / f"{n:05d}.txt").write_text(
            seed.replace("officials said Monday.", f"officials said in report {n}."),
            encoding="utf-8",
        )
    size = sum(p.stat().st_size for p in docs.iterdir())

    def timed(label: str) -> float:
        start, cpu = time.perf_counter(), time.process_time()
        call_command("import_seeds", str(docs), stdout=io.StringIO())
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        # The process's own CPU time too: on a shared machine the elapsed
        # time includes waiting for a core.
        print(
            f"{label}: {elapsed:.2f} s ({count / elapsed:.0f} documents/s), "
            f"{cpu:.2f} s of CPU"
        )
        return elapsed

    print(f"{count} documents, {size / 1024:.0f} KiB in all, SQLite, DEBUG off")
    first = timed("first import")
    again = timed("re-import, unchanged")
    print(f"re-import costs {again / first:.1%} of the first run")
    print(f"briefs: {Brief.objects.count()}, sections: {Section.objects.count()}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
