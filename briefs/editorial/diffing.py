"""Word-level differences between two versions of a brief, section by section.

Plain Python: two briefs in the export format in, a list of changes out. The
templates render the segments with autoescaping, so hostile text stays text.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Literal

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]")


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
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
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
    old_text, new_text = _as_text(old), _as_text(new)
    return Change(label, diff_text(old_text, new_text), old_text != new_text)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value)


def diff_briefs(old: dict[str, Any], new: dict[str, Any]) -> BriefDiff:
    """Compare two briefs in the export format. Sections pair up by anchor."""
    fields = tuple(
        _change(label, old.get(key), new.get(key))
        for key, label in (
            ("title", "Title"),
            ("slug", "Address"),
            ("status", "Status"),
            ("published_at", "Published"),
            ("dateline", "Dateline"),
            ("summary", "Summary"),
            ("source_name", "Source"),
            ("byline", "Byline"),
            ("source_url", "Source URL"),
            ("key_points", "Key points"),
            ("tags", "Tags"),
        )
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
            _change("Tags", (before or empty)["tags"], (after or empty)["tags"]),
        )
        if before is None:
            status = "added"
        elif after is None:
            status = "removed"
        else:
            status = "changed" if any(c.changed for c in changes) else "same"
        sections.append(SectionChanges(anchor, title, status, changes))
    return BriefDiff(fields=fields, sections=tuple(sections))
