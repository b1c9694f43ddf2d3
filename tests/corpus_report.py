"""How the importer reads the real documents in tests/fixtures/corpus, judged
against an editor's answer key written without looking at the importer
(tests/fixtures/corpus/expected.json).

For each file: whether the title is one the editor accepts, whether the
dateline and the number of key points are right, and which headings were
found, missed and spurious (a heading the key lists as optional counts
neither way). Then, over the corpus: titles right, heading precision and
recall, and spurious headings per ten documents. A file the key allows to
be refused (no body at all) may be refused.

Usage: python tests/corpus_report.py [CORPUS_DIR]
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fixtures" / "corpus"
SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx")

if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from briefs.ingest.documents import read_document  # noqa: E402
from briefs.ingest.parsing import ParsedDocument, ParseError  # noqa: E402


def normal(text: str) -> str:
    """Text compared as the key says: runs of white space (and U+00A0) as one space."""
    return " ".join(text.replace("\xa0", " ").split())


@dataclass
class FileResult:
    name: str
    title: str = ""
    title_right: bool = False
    dateline_right: bool = False
    key_points_right: bool = False
    right: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)
    refused: str = ""  # the ParseError, when the file was refused


def expected_entries(corpus: Path = CORPUS) -> dict[str, dict]:
    """The key's entries for the files the importer reads, by file name."""
    key = json.loads((corpus / "expected.json").read_text(encoding="utf-8"))
    return {
        name: entry
        for name, entry in key.items()
        if Path(name).suffix in SUFFIXES and (corpus / name).exists()
    }


def read(path: Path) -> ParsedDocument:
    return read_document(path.name, path.read_bytes())


def headings(doc: ParsedDocument) -> list[str]:
    return [normal(s.heading) for s in doc.sections if s.heading]


def check(path: Path, entry: dict) -> FileResult:
    """One file read and compared with its entry in the key."""
    result = FileResult(path.name)
    try:
        doc = read(path)
    except ParseError as error:
        result.refused = str(error)
        return result
    titles = {normal(t) for t in [entry["title"], *entry.get("title_also", [])]}
    result.title = doc.title
    result.title_right = normal(doc.title) in titles
    result.dateline_right = normal(doc.dateline) == normal(entry["dateline"])
    result.key_points_right = len(doc.key_points) == entry["key_points"]
    wanted = [normal(h) for h in entry["headings"]]
    optional = {normal(h) for h in entry.get("headings_optional", [])}
    found = headings(doc)
    result.right = [h for h in found if h in wanted]
    result.missed = [h for h in wanted if h not in found]
    result.spurious = [h for h in found if h not in wanted and h not in optional]
    return result


def report(corpus: Path = CORPUS) -> list[FileResult]:
    return [
        check(corpus / name, entry)
        for name, entry in sorted(expected_entries(corpus).items())
    ]


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else CORPUS
    results = report(corpus)
    entries = expected_entries(corpus)
    for result in results:
        if result.refused:
            allowed = not entries[result.name]["first_words"]
            print(
                f"{result.name}: refused{' (the key allows it)' if allowed else ''}: {result.refused}"
            )
            continue
        marks = " ".join(
            f"{label} {'right' if ok else 'WRONG'}"
            for label, ok in (
                ("title", result.title_right),
                ("dateline", result.dateline_right),
                ("key points", result.key_points_right),
            )
        )
        print(f"{result.name}: {marks}; headings {len(result.right)} right")
        if not result.title_right:
            print(f"    title: {result.title!r}")
        for heading in result.missed:
            print(f"    missed heading: {heading!r}")
        for heading in result.spurious:
            print(f"    spurious heading: {heading!r}")
    read_ = [r for r in results if not r.refused]
    right = sum(len(r.right) for r in read_)
    missed = sum(len(r.missed) for r in read_)
    spurious = sum(len(r.spurious) for r in read_)
    print()
    print(f"documents: {len(results)} ({len(results) - len(read_)} refused)")
    for label, attribute in (
        ("titles", "title_right"),
        ("datelines", "dateline_right"),
        ("key points", "key_points_right"),
    ):
        print(
            f"{label} right: {sum(getattr(r, attribute) for r in read_)}/{len(read_)}"
        )
    precision = right / (right + spurious) if right + spurious else 1.0
    recall = right / (right + missed) if right + missed else 1.0
    print(
        f"headings: precision {precision:.3f} ({right}/{right + spurious}), "
        f"recall {recall:.3f} ({right}/{right + missed})"
    )
    print(
        f"spurious headings per ten documents: {10 * spurious / max(len(read_), 1):.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
