"""A plain text's body as blocks: paragraphs (hard-wrapped lines joined), lists,
``#`` headings, and the lines that stand on their own."""

from __future__ import annotations

from briefs.ingest.parsing.blocks import _Block, _paragraph
from briefs.ingest.parsing.datelines import _is_dateline_line
from briefs.ingest.parsing.headings import (
    MAX_MARKDOWN_HEADING_LENGTH,
    _markdown_heading,
)
from briefs.ingest.parsing.kinds import HEADING, LIST
from briefs.ingest.parsing.line_kinds import (
    _BULLET,
    _CAPTION_COUNT,
    _CHROME_LINE,
    _is_byline,
    _is_caption,
    _is_date_line,
    _is_key_points_label,
    _is_metadata_line,
    _is_sign_off,
    _is_transcript_marker,
    _is_wire_header,
)
from briefs.ingest.parsing.parsed import _list_marker
from briefs.ingest.parsing.text import _skip_blank
from briefs.ingest.parsing.titles import (
    _FUNCTION_WORDS,
    _SENTENCE_PUNCTUATION,
    _title_shape,
)


def _text_blocks(body: list[str]) -> list[_Block]:
    """Blocks of a plain-text body: paragraphs, lists and ``#`` headings."""
    first = _skip_blank(body, 0)
    last = len(body)
    while last > first and not body[last - 1].strip():
        last -= 1
    content = body[first:last]
    if not content:
        return []
    # Whether the text has blank lines is judged after a key-points block at
    # its top: the blank line that ends that block says nothing of the rest.
    has_blank = any(
        not line.strip() for line in content[_leading_key_points(content) :]
    )
    width = _wrap_width(content)
    indented = sum(1 for line in content if line[:1].isspace() and line.strip())
    # Hard-wrapped text whose paragraphs start indented, as old wire copy.
    indent_starts = bool(width) and 0 < indented <= 0.6 * len(content)
    builder = _TextBuilder(has_blank, width, indent_starts)
    for line in content:
        builder.add(line)
    builder.flush()
    return builder.finish()


def _leading_key_points(lines: list[str]) -> int:
    """Where a key-points block (a label and its bullets) opening ``lines`` ends."""
    if not lines or not _is_key_points_label(lines[0]):
        return 0
    position = 1
    while position < len(lines):
        line = lines[position]
        if _BULLET.match(line) or (line.strip() and line[:1].isspace()):
            position += 1
        elif not line.strip():
            following = _skip_blank(lines, position)
            if following >= len(lines) or not _BULLET.match(lines[following]):
                return following
            position = following
        else:
            break
    return position


class _TextBuilder:
    """Gathers a plain text's lines into blocks, one pass."""

    def __init__(self, has_blank: bool, width: int, indent_starts: bool) -> None:
        self.has_blank, self.width, self.indent_starts = has_blank, width, indent_starts
        self.blocks: list[_Block] = []
        self.paragraph: list[tuple[str, str]] = []  # (line as written, stripped)
        # The open list, flat: no list per item, as a list of half a million
        # one-line bullets would otherwise make a million for the garbage
        # collector to walk again and again. Item n is the lines from
        # item_starts[n] to the next start; its text is item_texts[n] (the
        # bullet's text, without its marker) and its further lines.
        self.item_texts: list[str] = []
        self.item_lines: list[str] = []  # stripped, as written
        self.item_starts: list[int] = []
        self.markers: list[str] = []
        self.blank = False
        self.marker_use: dict[str, int] = {}

    def add(self, raw: str) -> None:
        line = raw.strip()
        if not line:
            if self.has_blank:
                self._end_paragraph()
            self.blank = True
            return
        bullet = _BULLET.match(raw)
        if bullet:
            self._end_paragraph()
            marker = raw.split(None, 1)[0]
            kind = "number" if marker[0].isdigit() else marker
            self.marker_use[kind] = self.marker_use.get(kind, 0) + 1
            self.item_texts.append(bullet.group("text").strip())
            self.item_starts.append(len(self.item_lines))
            self.item_lines.append(line)
            self.markers.append(marker)
        elif self.markers and not self.blank and self._continues_item(raw, line):
            self.item_lines.append(line)
        else:
            self._end_list()
            self._add_text(raw, line)
        self.blank = False

    def _continues_item(self, raw: str, line: str) -> bool:
        if raw[:1].isspace():
            return True  # an indented line continues a wrapped bullet
        if not self.width:
            return False
        wrapped = len(self.item_lines) - 1 > self.item_starts[-1]
        previous = self.item_lines[-1] if wrapped else self.item_texts[-1]
        return self._continues(previous, raw, line)

    def _continues(self, previous: str, raw: str, line: str) -> bool:
        """Whether ``line`` goes on with the sentence of ``previous`` in
        hard-wrapped text: it starts with a small letter, ``previous`` ends
        with a word that needs more, or its first word would not have fitted
        at the end of ``previous``. Where paragraphs start indented, only an
        unindented line goes on."""
        if self.indent_starts:
            return not raw[:1].isspace()
        if line[:1].islower():
            return True
        last = previous.rsplit(None, 1)[-1].lower()
        if last[-1:] in ",-–—" or last.strip("'’\"”") in _FUNCTION_WORDS:
            return True
        return len(previous) + 1 + len(line.split(None, 1)[0]) > self.width

    def _add_text(self, raw: str, line: str) -> None:
        if self.has_blank or self.width:
            self.paragraph.append((raw, line))
        else:
            self.blocks.append(_line_block(line))

    def _end_paragraph(self) -> None:
        """The gathered lines as blocks: one paragraph of hard-wrapped lines,
        split where a line stands on its own (a caption, date, byline, wire
        header line; in hard-wrapped text any line broken before the margin)."""
        if not self.paragraph:
            return  # between bullets, or a blank line after one: nothing gathered
        lines, self.paragraph = self.paragraph, []
        if len(lines) == 1:
            self._add_run([lines[0][1]])
            return
        units = [_is_line_unit(line) for _, line in lines]
        run: list[str] = []
        for index, (raw, line) in enumerate(lines):
            if run and self._breaks(
                run[-1], raw, line, units[index - 1] or units[index]
            ):
                self._add_run(run)
                run = []
            run.append(line)
        if run:
            self._add_run(run)

    def _breaks(self, previous: str, raw: str, line: str, unit: bool) -> bool:
        # A wire slug line starts with its small priority and category
        # letters ("r a PM-Drugs 09-11 0412"): a line of its own, not more
        # of the sentence before it.
        if (line[:1].islower() or previous[-1:] in ",-–—") and not _is_wire_header(
            line
        ):
            return False  # the sentence goes on
        if unit:
            return True
        if self.width:
            return not self._continues(previous, raw, line)
        # Short lines, each a label ("RADIO INTERVIEW" over "ABC RN BREAKFAST").
        return _title_shape(previous) and line[:1].isupper() and len(previous) <= 60

    def _add_run(self, lines: list[str]) -> None:
        heading = _markdown_heading(lines[0])
        if len(lines) == 1:
            self.blocks.append(_line_block(lines[0]))
        elif heading is not None and len(heading) <= MAX_MARKDOWN_HEADING_LENGTH:
            self.blocks.append(_line_block(lines[0]))
            self.blocks.append(_paragraph(" ".join(lines[1:]), lines[1:]))
        else:
            self.blocks.append(_paragraph(" ".join(lines), lines))

    def _end_list(self) -> None:
        if not self.markers:
            return
        lines = self.item_lines
        ends = [*self.item_starts[1:], len(lines)]
        items, raws = [], []
        for text, begin, end in zip(
            self.item_texts, self.item_starts, ends, strict=True
        ):
            if end - begin == 1:
                items.append(text)
                raws.append(lines[begin])
            else:
                items.append(" ".join([text, *lines[begin + 1 : end]]))
                raws.append(" ".join(lines[begin:end]))
        first = self.markers[0]
        ordered = first[0].isdigit()
        start = int(first[:-1]) if ordered else 1
        self.blocks.append(
            _Block(
                LIST,
                "\n".join(
                    f"{_list_marker(ordered, start, n)} {item}"
                    for n, item in enumerate(items)
                ),
                " ".join(items),
                lines=tuple(lines),
                items=tuple(items),
                plain_items=tuple(items),
                ordered=ordered,
                start=start,
                raw="\n".join(raws),
            )
        )
        self.item_texts, self.item_lines, self.item_starts = [], [], []
        self.markers = []

    def flush(self) -> None:
        self._end_paragraph()
        self._end_list()

    def finish(self) -> list[_Block]:
        """The blocks, a lone bullet that is not a list made text again.

        One bullet is a list after a line ending in a colon or a key-points
        label, or where the document uses its marker for other items; else
        it is a line that happens to start with a dash ("- not a bullet").
        """
        blocks = self.blocks
        for index, block in enumerate(blocks):
            if block.kind != LIST or len(block.items) > 1:
                continue
            before = blocks[index - 1].plain if index else ""
            marker = block.raw.split(None, 1)[0]
            kind = "number" if marker[0].isdigit() else marker
            if (
                before.endswith(":")
                or _is_key_points_label(before)
                or self.marker_use.get(kind, 0) > 1
            ):
                continue
            blocks[index] = _paragraph(block.raw, block.lines)
        return blocks


def _is_line_unit(line: str) -> bool:
    """A line that stands on its own even inside a block of lines: a
    caption, date, byline, wire header, dateline, metadata or transcript
    line, a sign-off or a key-points label."""
    if len(line) > 200:
        return False
    return (
        _is_wire_header(line)
        or _CAPTION_COUNT.fullmatch(line) is not None
        or _is_caption(line)
        or _is_date_line(line)
        or _is_byline(line)
        or _is_metadata_line(line)
        or _is_transcript_marker(line)
        or _is_sign_off(line)
        or _is_key_points_label(line)
        or _is_dateline_line(line)
        or _CHROME_LINE.match(line) is not None
    )


def _line_block(line: str) -> _Block:
    """A line of plain text on its own: a ``#`` heading, or a paragraph."""
    heading = _markdown_heading(line)
    if heading is not None and len(heading) <= MAX_MARKDOWN_HEADING_LENGTH:
        marks = len(line) - len(line.lstrip("#"))
        return _Block(
            HEADING, heading, heading, level=marks, lines=(heading,), raw=line
        )
    return _paragraph(line, (line,))


def _wrap_width(lines: list[str]) -> int:
    """The column a hard-wrapped text was wrapped at, or 0 when it is not.

    Hard-wrapped: most lines are about as long as the longest, and lines that
    end mid-sentence are followed by ones that start with a small letter.
    """
    lengths = sorted(len(line) for line in lines if line.strip())
    if len(lengths) < 3:
        return 0
    width = lengths[(len(lengths) - 1) * 95 // 100]
    if not 40 <= width <= 100:
        return 0
    pairs = evidence = 0
    for previous, line in zip(lines, lines[1:], strict=False):
        previous, line = previous.strip(), line.strip()
        if not previous or not line:
            continue
        pairs += 1
        if previous[-1] not in _SENTENCE_PUNCTUATION and line[0].islower():
            evidence += 1
    return width if evidence >= 2 and evidence * 5 >= pairs else 0
