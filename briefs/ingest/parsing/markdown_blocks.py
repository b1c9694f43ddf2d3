"""A Markdown body as blocks (CommonMark's, as far as briefs need): paragraphs,
headings, lists, quotations, tables, code, and template tags dropped with the
words of their captions set apart."""

from __future__ import annotations

import re
from collections.abc import Callable

from briefs.ingest.parsing.blocks import _Block
from briefs.ingest.parsing.headings import (
    MAX_MARKDOWN_HEADING_LENGTH,
    _markdown_heading,
)
from briefs.ingest.parsing.inline import (
    _inline,
    _link_words,
    _plain,
    _repair_bold,
    _whole_emphasis,
)
from briefs.ingest.parsing.kinds import CODE, HEADING, LIST, PARAGRAPH, QUOTE, TABLE
from briefs.ingest.parsing.line_kinds import _BOILERPLATE_START

# Patterns here match in linear time: see the note in line_kinds.py.
MAX_TEMPLATE_LINES = 20  # a template tag spans at most this many lines
_MARKDOWN_ITEM = re.compile(
    r"(?P<indent>[ \t]*)(?P<marker>[-+*]|\d{1,9}[.)])(?:[ \t]+|$)"
)
_TEMPLATE_TAGS = (
    ("{{<", ">}}"),
    ("{{%", "%}}"),
    ("{%", "%}"),
    ("{{", "}}"),
    ("<!--", "-->"),
)
_QUOTED_ATTRIBUTES = frozenset({"text", "quote"})
# A line that opens with an HTML tag starts a block of raw HTML (an embedded
# post, a figure, an iframe): not rendered, and never a heading.
_HTML_START = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)")


def _markdown_blocks(body: list[str], warnings: list[str]) -> list[_Block]:
    """Blocks of a Markdown body (CommonMark's, as far as briefs need)."""
    return _MarkdownBuilder(body, warnings).blocks()


class _NextLine:
    """The next line at or after a point that passes a test, for points that
    only move forward: each line is tested once, however many ask."""

    def __init__(self, lines: list[str], test: Callable[[str], bool]) -> None:
        self.lines, self.test = lines, test
        self.tested = 0  # lines before this one that are not ``found`` fail
        self.found: int | None = None

    def after(self, start: int, limit: int) -> int | None:
        """The first passing line in ``start`` … ``limit - 1``, or None."""
        if self.found is None or self.found < start:
            self.found = None
            index = max(start, self.tested)
            while index < min(limit, len(self.lines)):
                if self.test(self.lines[index]):
                    self.found = index
                    break
                index += 1
            self.tested = index
        return self.found if self.found is not None and self.found < limit else None


class _MarkdownBuilder:
    """One pass over a Markdown body's lines; looking ahead for the line
    that ends a template tag or a fence tests each line once."""

    def __init__(self, lines: list[str], warnings: list[str]) -> None:
        self.lines = lines
        self.warnings = warnings
        self.out: list[_Block] = []
        self.paragraph: list[str] = []
        self.dropped_tags = 0
        self.quote_next = False
        self.closers = {
            closer: _NextLine(lines, lambda line, c=closer: line.rstrip().endswith(c))
            for _, closer in _TEMPLATE_TAGS
        }
        self.fences = {
            fence: _NextLine(lines, lambda line, f=fence: line.lstrip().startswith(f))
            for fence in ("```", "~~~")
        }

    def blocks(self) -> list[_Block]:
        lines, index = self.lines, 0
        while index < len(lines):
            index = self._step(index)
        self._end_paragraph()
        if self.dropped_tags:
            self.warnings.append(
                f"{self.dropped_tags} template tag(s) left out (Hugo, Liquid or "
                "Kramdown markup, not article text); their captions are set apart"
            )
        return self.out

    def _step(self, index: int) -> int:
        raw = self.lines[index]
        line = raw.strip()
        indent = len(raw) - len(raw.lstrip(" \t"))
        if not line:
            self._end_paragraph()
            return index + 1
        if line[0].isalpha():
            # No block starts with a letter: this line is text.
            if self.paragraph and _BOILERPLATE_START.match(line):
                self._end_paragraph()
            self.paragraph.append(line)
            return index + 1
        if indent <= 3:
            for opener, closer in _TEMPLATE_TAGS:
                if line.startswith(opener):
                    end = self._template(index, line, opener, closer)
                    if end is not None:
                        return end
            if line.startswith("{:") and line.endswith("}"):
                # A Kramdown attribute line styles the next block.
                self._end_paragraph()
                self.dropped_tags += 1
                self.quote_next = "quote" in line
                return index + 1
            for fence in ("```", "~~~"):
                if line.startswith(fence):
                    close = self.fences[fence].after(index + 1, len(self.lines))
                    if close is not None:
                        self._end_paragraph()
                        code = "\n".join(self.lines[index : close + 1])
                        inner = [row.strip() for row in self.lines[index + 1 : close]]
                        self._add(
                            _Block(CODE, code, " ".join(inner), lines=tuple(inner))
                        )
                        return close + 1
            heading = _markdown_heading(line, max_marks=6)
            if heading is not None:
                self._end_paragraph()
                marks = len(line) - len(line.lstrip("#"))
                self._add_heading(heading, marks)
                return index + 1
            if self.paragraph and _is_setext_line(line):
                self._setext(line)
                return index + 1
            if _is_thematic_break(line):
                self._end_paragraph()
                return index + 1
            if line.startswith(">"):
                self._end_paragraph()
                return self._quote(index)
            if line.startswith("|"):
                self._end_paragraph()
                return self._table(index)
        item = _MARKDOWN_ITEM.match(raw)
        if item and self._starts_list(item, line):
            self._end_paragraph()
            return self._list(index)
        if self.paragraph and _BOILERPLATE_START.match(line):
            self._end_paragraph()
        self.paragraph.append(line)
        return index + 1

    def _add(self, block: _Block) -> None:
        if self.quote_next and block.kind == PARAGRAPH:
            block = _quote_block([block.text])
        self.quote_next = False
        self.out.append(block)

    def _starts_list(self, item: re.Match, line: str) -> bool:
        if len(item.group("indent").expandtabs(4)) > 3:
            return False
        marker = item.group("marker")
        if len(line) == len(marker):
            return False  # a list starts with an item that has text
        # Only a numbered list from 1 may interrupt a paragraph.
        return not self.paragraph or not marker[0].isdigit() or marker[:-1] == "1"

    def _end_paragraph(self) -> None:
        lines, self.paragraph = self.paragraph, []
        if lines:
            self._add(_markdown_paragraph(lines))

    def _add_heading(self, text: str, level: int) -> None:
        inline = _inline(text)
        plain = _plain(inline)
        if not plain:
            return
        self._add(_Block(HEADING, inline, plain, level=level, lines=(plain,)))

    def _setext(self, underline: str) -> None:
        lines, self.paragraph = self.paragraph, []
        text = " ".join(lines)
        if len(_plain(_inline(text))) <= MAX_MARKDOWN_HEADING_LENGTH:
            self._add_heading(text, 1 if underline[0] == "=" else 2)
        else:
            self._add(_markdown_paragraph(lines))

    def _template(self, index: int, line: str, opener: str, closer: str) -> int | None:
        """Drop the template tag starting at ``index``; None if it is not one."""
        end = self.closers[closer].after(index, index + MAX_TEMPLATE_LINES)
        if end is None:
            return None
        if opener == "{{" and end == index and not line.startswith("{{ "):
            return None
        self._end_paragraph()
        tag = "\n".join(row.strip() for row in self.lines[index : end + 1])
        self.dropped_tags += 1
        for name, value in _tag_attributes(tag):
            if name in _QUOTED_ATTRIBUTES:
                self._add(_quote_block([_escape_text(value)]))
            else:
                self.out.append(
                    _Block(PARAGRAPH, value, value, lines=(value,), apart=True)
                )
        return end + 1

    def _quote(self, index: int) -> int:
        lines, parts, current = self.lines, [], []
        while index < len(lines):
            line = lines[index].strip()
            if line.startswith(">"):
                content = line[1:].strip()
                if content:
                    current.append(content)
                elif current:
                    parts.append(current)
                    current = []
            elif line and current and not _starts_block(line):
                current.append(line)  # a lazy continuation line
            else:
                break
            index += 1
        if current:
            parts.append(current)
        if parts:
            self._add(_quote_block([" ".join(part) for part in parts]))
        return index

    def _table(self, index: int) -> int:
        lines, rows = self.lines, []
        while index < len(lines) and lines[index].strip():
            rows.append(_inline(lines[index].strip()))
            index += 1
        plain_rows = tuple(_plain(row) for row in rows)
        block = _Block(TABLE, "\n".join(rows), " ".join(plain_rows), lines=plain_rows)
        self._add(block)
        return index

    def _list(self, index: int) -> int:
        """One list from ``index``: items with or without blank lines between
        them, nested items and continuation lines, up to the first line that
        is none of these."""
        lines = self.lines
        first = _MARKDOWN_ITEM.match(lines[index])
        base = len(first.group("indent").expandtabs(4))
        content = first.end() - len(first.group("indent")) + base
        marker = first.group("marker")
        ordered = marker[0].isdigit()
        start = int(marker[:-1]) if ordered else 1
        out: list[str] = []  # the list's lines as stored
        items: list[list[str]] = []  # each top-level item's text lines
        blank = False
        while index < len(lines):
            raw = lines[index]
            line = raw.strip()
            if not line:
                blank = True
                index += 1
                continue
            indent = len(raw.expandtabs(4)) - len(raw.expandtabs(4).lstrip())
            item = _MARKDOWN_ITEM.match(raw)
            if (
                item
                and item.group("marker")[0].isdigit() == ordered
                and indent < content
            ):
                text = line[len(item.group("marker")) :].strip()
                out.append(f"{item.group('marker')} {_inline(text)}".rstrip())
                items.append([text])
                marker_width = len(item.group("marker")) + 1
                content = indent + marker_width
            elif item and indent >= content and items:
                nested = line[len(item.group("marker")) :].strip()
                out.append(
                    " " * (indent - base) + f"{item.group('marker')} {_inline(nested)}"
                )
                items[-1].append(nested)
            elif items and (
                indent >= content or (not blank and not _starts_block(line))
            ):
                if _BOILERPLATE_START.match(line):
                    break
                out[-1] = f"{out[-1]} {_inline(line)}"
                items[-1].append(line)
            else:
                break
            blank = False
            index += 1
        top = tuple(_repair_bold(_inline(" ".join(parts))) for parts in items)
        plain_items = tuple(_plain(item) for item in top)
        text = "\n".join(_repair_bold(row) for row in out)
        words = sum(len(item.split()) for item in plain_items)
        linked = sum(_link_words(item) for item in top)
        self._add(
            _Block(
                LIST,
                text,
                " ".join(plain_items),
                lines=plain_items,
                items=top,
                plain_items=plain_items,
                ordered=ordered,
                start=start,
                link_share=linked / words if words else 0.0,
            )
        )
        return index


def _markdown_paragraph(lines: list[str]) -> _Block:
    text = _repair_bold(_inline(" ".join(lines)))
    plain = _plain(text)
    emphasis = _whole_emphasis(text)
    words = len(plain.split())
    return _Block(
        PARAGRAPH,
        text,
        plain,
        lines=tuple(lines),
        emphasis=emphasis,
        link_share=_link_words(text) / words if words else 0.0,
        html=_HTML_START.match(lines[0]) is not None,
    )


def _quote_block(paragraphs: list[str]) -> _Block:
    inline = [_repair_bold(_inline(p)) for p in paragraphs]
    plain = " ".join(_plain(p) for p in inline)
    return _Block(QUOTE, "\n>\n".join(f"> {p}" for p in inline), plain, lines=(plain,))


def _starts_block(line: str) -> bool:
    """Whether a line opens a block of its own rather than continuing text."""
    return (
        line.startswith(("#", ">", "|", "```", "~~~", "{%", "{{"))
        or _is_thematic_break(line)
        or bool(_MARKDOWN_ITEM.match(line))
    )


def _is_setext_line(line: str) -> bool:
    return bool(line) and (
        set(line) == {"="} or (set(line) == {"-"} and len(line) >= 2)
    )


def _is_thematic_break(line: str) -> bool:
    compact = line.replace(" ", "").replace("\t", "")
    return len(compact) >= 3 and len(set(compact)) == 1 and compact[0] in "-*_"


def _tag_attributes(tag: str) -> list[tuple[str, str]]:
    """(name, value) for each quoted value with words in a template tag.

    A value without a space (a path, a class, a flag) is not text. Written
    by hand: a pattern for ``name = "value"`` retried its name at every
    letter of a long word.
    """
    found = []
    position = 0
    while True:
        opening = tag.find('"', position)
        if opening < 0:
            return found
        closing = tag.find('"', opening + 1)
        if closing < 0:
            return found
        value = " ".join(tag[opening + 1 : closing].split())
        before = tag[max(0, opening - 40) : opening].rstrip()
        name = ""
        if before.endswith("="):
            words = before[:-1].rstrip().split()
            name = words[-1].lower() if words else ""
        if " " in value and any(c.isalpha() for c in value) and "://" not in value:
            found.append((name, value))
        position = closing + 1


def _escape_text(text: str) -> str:
    """Plain text made Markdown that renders as the text: every ASCII
    punctuation character backslash-escaped, as CommonMark allows."""
    return "".join(
        f"\\{c}" if c.isascii() and not c.isalnum() and not c.isspace() else c
        for c in text
    )
