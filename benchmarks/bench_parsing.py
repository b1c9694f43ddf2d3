"""Worst-case documents at the 2 MB import limit, next to ordinary ones.

Each shape is one that made the parser's regular expressions backtrack or
the importer slow down with the square of the input: runs of spaces and
tabs, of #, * and -, bullets, heading-like lines, nested markup, one line of
the whole size, 10,000 identical headings. For each it prints:

- parse: decoding and parsing the bytes (briefs.ingest.parsing), best of three;
- import: one real import (briefs.ingest.importing.import_document) into a
  throw-away SQLite database, with its revision, tags and search entries.
  A document too large for one brief is refused; the time is the refusal's.

and each figure against an ordinary document of the same size (prose in
paragraphs and headings, as the seed). Before this benchmark existed the
first three shapes did not finish in an hour; now every figure should be
within a small factor of the ordinary document's.

Usage: python benchmarks/bench_parsing.py
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_a6517fdfc5b60d0c.txt"
SIZE = 2 * 1024 * 1024  # settings.NEWSROOM_IMPORT_MAX_BYTES
PARSE_RUNS = 3


def fill(unit: str, size: int = SIZE) -> str:
    """``unit`` repeated to about ``size`` bytes of UTF-8."""
    return unit * (size // len(unit.encode()))


def ordinary() -> str:
    """The seed (key points, dateline, headed sections) with its body repeated."""
    seed = SEED.read_text(encoding="utf-8")
    body = seed.split("\n", 4)[4]
    return seed + ("\n" + body) * (SIZE // len(body.encode()) - 1)


def shapes() -> dict[str, str]:
    spaces, tabs, half = " " * SIZE, "\t" * SIZE, " " * (SIZE // 2)
    return {
        "ordinary: the seed's prose, repeated": ordinary(),
        "ordinary: short sentences, one a line": fill("Officials met in Geneva.\n"),
        "markdown heading, a run of spaces": f"# a{spaces}b\nBody text.",
        "markdown heading, a run of tabs": f"# a{tabs}b\nBody text.",
        "markdown heading closed after a run": f"# a{spaces}#\nBody text.",
        "key points label, a run of spaces": f"Key points{spaces}x\nBody text.",
        "label and heading, runs of spaces": f"Key points{half}x\n# a{half}b\nBody.",
        "blank lines between two bullets": f"Key points\n- a{fill(chr(10))}- b\nBody.",
        "a bullet wrapped over every line": f"Key points\n- a\n{fill(' x' + chr(10))}\nB.",
        "a bullet on every line": f"Key points\n{fill('- x' + chr(10))}Body text.",
        "a line of #": fill("#"),
        "a line of * ": fill("* "),
        "a line of -": fill("-"),
        "a line of bullets": fill("• "),
        "a heading-like line on every line": fill("Heading\n"),
        "a section on every two lines": fill("Heading\nText.\n"),
        "10,000 identical headings": "Title: Same\n\n" + "Heading\nText.\n" * 10_000,
        "nested markup characters": fill("*_[`<&\\#>("),
        "one line of words": fill("word "),
        "one line without a space": fill("x"),
        "a place of many words, no dateline": fill("AB ") + "1",
        "a dateline comma, then a run": f"GENEVA,{spaces}x",
    }


def setup_django(workdir: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(action, *args, **kwargs) -> tuple[float, object]:
    start = time.perf_counter()
    result = action(*args, **kwargs)
    return time.perf_counter() - start, result


def run(workdir: Path) -> None:
    setup_django(workdir)
    from briefs.ingest.importing import Tagging, import_document
    from briefs.ingest.parsing import ParseError, decode, parse
    from briefs.tagging.vocabulary import build_tagger, load_starter_vocabulary

    load_starter_vocabulary()
    tagging = Tagging.using(build_tagger())

    def parse_bytes(data: bytes) -> None:
        with contextlib.suppress(ParseError):
            parse(decode(data)[0])

    print(
        f"{'shape':40} {'size':>8} {'parse':>8} {'x':>5} {'import':>8} {'x':>5}  result"
    )
    base_parse = base_import = None
    for number, (name, text) in enumerate(shapes().items()):
        data = text.encode()
        parse_time = min(timed(parse_bytes, data)[0] for _ in range(PARSE_RUNS))
        import_time, result = timed(
            import_document,
            source_path=f"bench/{number:02d}.txt",
            data=data,
            tagging=tagging,
        )
        if base_parse is None:
            base_parse, base_import = parse_time, import_time
        outcome = result.outcome.value
        if result.detail:
            outcome += f" ({result.detail.split(':')[0]})"
        print(
            f"{name:40} {len(data) / 2**20:6.2f}MB {parse_time:7.3f}s "
            f"{parse_time / base_parse:5.1f} {import_time:7.2f}s "
            f"{import_time / base_import:5.1f}  {outcome}",
            flush=True,
        )


def web_pages() -> None:
    """Reading a web page (trafilatura, then locating its article) at one and
    at nine thousand paragraphs: the time should grow about tenfold, not a
    hundredfold (a search of the extracted text for each block once made it
    quadratic)."""
    from briefs.ingest.documents import read_document

    print(f"\n{'web page':40} {'size':>8} {'read':>8} {'x':>5}")
    base = None
    for count in (900, 9_000):
        paragraphs = "".join(
            f"<p>Sentence {n} of the story, with a few more words.</p>"
            for n in range(count)
        )
        data = f"<html><body><article>{paragraphs}</article></body></html>".encode()
        seconds = min(
            timed(read_document, "page.html", data)[0] for _ in range(PARSE_RUNS)
        )
        base = base or seconds
        print(
            f"{f'{count:,} paragraphs':40} {len(data) / 2**20:6.2f}MB "
            f"{seconds:7.3f}s {seconds / base:5.1f}",
            flush=True,
        )


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    try:
        run(workdir)
        web_pages()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
