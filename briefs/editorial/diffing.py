"""Word-level differences between two versions of a brief, section by section.

Plain Python: two briefs in the export format in, a list of changes out.
Texts change word by word, tags name by name, and a status or a time is
replaced whole and said in words ("Draft → Published", a local time to the
second). The templates render the segments with autoescaping, so hostile
text stays text.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils import timezone
from django.utils.formats import date_format

from briefs.models import Status

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")
# How a diff shows a time: to the second, as two saves a minute apart differ.
TIME_IN_WORDS = "j F Y, H:i:s"
# How a diff shows a value that was or is now empty.
NOT_SET = "not set"


@dataclass(frozen=True)
class Segment:
    kind: Literal["same", "added", "removed"]
    text: str


@dataclass(frozen=True)
class Change:
    """One part of a brief (a field, or one section's heading, body or tags)."""

    label: str
    segments: tuple[Segment, ...]
    changed: bool


@dataclass(frozen=True)
class SectionChanges:
    anchor: str
    title: str
    status: Literal["same", "changed", "added", "removed"]
    changes: tuple[Change, ...] = field(default=())


@dataclass(frozen=True)
class BriefDiff:
    fields: tuple[Change, ...]
    sections: tuple[SectionChanges, ...]

    @property
    def fields_changed(self) -> bool:
        return any(c.changed for c in self.fields)

    @property
    def changed(self) -> bool:
        return self.fields_changed or any(s.status != "same" for s in self.sections)


def diff_text(old: str, new: str) -> tuple[Segment, ...]:
    """Words and spaces of ``old`` and ``new`` as kept, removed and added runs."""
    return _diff_tokens(_TOKEN.findall(old), _TOKEN.findall(new))


def diff_items(old: list[str], new: list[str]) -> tuple[Segment, ...]:
    """Two lists of names, one a line, each name kept, removed or added whole:
    a tag renamed from "Economic cooperation" to "Economic policy" is one
    tag gone and another come, not a changed word."""
    return _diff_tokens([f"{item}\n" for item in old], [f"{item}\n" for item in new])


def _diff_tokens(a: list[str], b: list[str]) -> tuple[Segment, ...]:
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("removed", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("added", "".join(b[j1:j2])))
    return tuple(segments)


def _change(label: str, old: Any, new: Any) -> Change:
    """A text changed word by word."""
    old_text, new_text = _as_text(old), _as_text(new)
    return Change(label, diff_text(old_text, new_text), old_text != new_text)


def _names_change(label: str, old: list[str] | None, new: list[str] | None) -> Change:
    """A list of names (tags) changed name by name."""
    old, new = old or [], new or []
    return Change(label, diff_items(old, new), old != new)


def _authors_change(label: str, old: list | None, new: list | None) -> Change:
    """The credited authors, by name, in order."""
    names = [[author["name"] for author in authors or []] for authors in (old, new)]
    return Change(label, diff_items(*names), names[0] != names[1])


def _status_change(label: str, old: str | None, new: str | None) -> Change:
    return _replaced(label, status_in_words(old), status_in_words(new))


def _time_change(label: str, old: Any, new: Any) -> Change:
    return _replaced(label, time_in_words(old), time_in_words(new))


def _replaced(label: str, old: str, new: str) -> Change:
    """A value replaced as a whole, said as "Draft → Published"."""
    if old == new:
        return Change(label, (Segment("same", new),), False)
    segments = (
        Segment("removed", old or NOT_SET),
        Segment("same", " → "),
        Segment("added", new or NOT_SET),
    )
    return Change(label, segments, True)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)


def status_in_words(value: str | None) -> str:
    """A status as editors read it: "In review", not "review"."""
    return Status(value).label if value in Status.values else value or ""


def time_in_words(value: str | dt.datetime | None) -> str:
    """A time in the export format (ISO 8601) in local time, to the second."""
    if not value:
        return ""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, TIME_IN_WORDS)


# A brief's fields in the order a diff lists them, each with how it is compared.
FIELDS = (
    ("title", "Title", _change),
    ("slug", "Address", _change),
    ("status", "Status", _status_change),
    ("published_at", "Publication time", _time_change),
    ("dateline", "Dateline", _change),
    ("summary", "Summary", _change),
    ("source_name", "Source", _change),
    ("byline", "Byline", _change),
    ("authors", "Authors", _authors_change),
    ("source_url", "Source URL", _change),
    ("key_points", "Key points", _change),
    ("tags", "Tags", _names_change),
)


def diff_briefs(old: dict[str, Any], new: dict[str, Any]) -> BriefDiff:
    """Compare two briefs in the export format. Sections pair up by anchor."""
    fields = tuple(
        compare(label, old.get(key), new.get(key)) for key, label, compare in FIELDS
    )
    old_sections = {s["anchor"]: s for s in old.get("sections", [])}
    new_sections = {s["anchor"]: s for s in new.get("sections", [])}
    order = [s["anchor"] for s in new.get("sections", [])]
    order += [anchor for anchor in old_sections if anchor not in new_sections]
    sections = []
    for anchor in order:
        before, after = old_sections.get(anchor), new_sections.get(anchor)
        title = (after or before)["heading"] or "Opening"
        empty = {"heading": "", "body": "", "tags": []}
        changes = (
            _change(
                "Heading", (before or empty)["heading"], (after or empty)["heading"]
            ),
            _change("Text", (before or empty)["body"], (after or empty)["body"]),
            _names_change("Tags", (before or empty)["tags"], (after or empty)["tags"]),
        )
        if before is None:
            status = "added"
        elif after is None:
            status = "removed"
        else:
            status = "changed" if any(c.changed for c in changes) else "same"
        sections.append(SectionChanges(anchor, title, status, changes))
    return BriefDiff(fields=fields, sections=tuple(sections))
