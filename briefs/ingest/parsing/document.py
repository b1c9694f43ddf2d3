"""``parse``: a document's text to a ``ParsedDocument``, step by step (the rules
are in the package's docstring)."""

from __future__ import annotations

from briefs.control_chars import CONTROL
from briefs.ingest.bylines import readable_name
from briefs.ingest.frontmatter import Fields, join_names, split_front_matter
from briefs.ingest.parsing.blocks import _Block, _paragraph
from briefs.ingest.parsing.header import _parse_header
from briefs.ingest.parsing.kinds import HEADING, LIST, PARAGRAPH
from briefs.ingest.parsing.line_kinds import _is_key_points_label
from briefs.ingest.parsing.markdown_blocks import _markdown_blocks, _markdown_paragraph
from briefs.ingest.parsing.parsed import ParsedDocument, ParseError
from briefs.ingest.parsing.story import _Story
from briefs.ingest.parsing.text import _skip_blank
from briefs.ingest.parsing.text_blocks import _text_blocks
from briefs.ingest.parsing.titles import MAX_TITLE_LENGTH, _title_from, _truncate

MAX_KEY_POINT_LENGTH = 500


def parse(
    text: str, *, markdown: bool = False, fields: Fields | None = None
) -> ParsedDocument:
    """Parse a document's text. Raises ParseError when it holds no body text.

    ``markdown`` says the text is Markdown (a ``.md`` file, or what the
    readers of web pages and Word files make); front matter saying
    ``format: markdown`` says so too. ``fields`` are what a reader found
    beside the text (a web page's title, say); without them, the text's own
    front matter, if any, gives them. Fields win over what the text gives.
    """
    if "\x00" in text:
        raise ParseError("binary file (it contains NUL bytes), not a text document")
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if fields is None:
        fields, text = split_front_matter(text)
    fields = fields or Fields()
    markdown = markdown or fields.markdown
    # Stray control characters are invisible noise from copy and paste.
    text = CONTROL.sub(" ", text)
    lines = [line.rstrip() for line in text.split("\n")]
    if not any(line.strip() for line in lines):
        if fields.title or fields.summary:
            raise ParseError(
                "no body text: the front matter is not followed by any text"
            )
        raise ParseError("empty document: there is no text in it")

    warnings: list[str] = list(fields.warnings)
    position = _skip_blank(lines, 0)
    header, position = _parse_header(lines, position, warnings)
    body = lines[position:]
    blocks = _markdown_blocks(body, warnings) if markdown else _text_blocks(body)
    # A header's values that the fields override are kept apart, not lost.
    set_apart = [
        f"{name.title()}: {value}"
        for name, value in header.items()
        if name != "tags" and getattr(fields, name) and value
    ]
    # Raw HTML with no text (an iframe, an image without alt text) is not
    # shown, but it is the source's: set apart, not silently dropped.
    set_apart += [
        block.text
        for block in blocks
        if block.apart or (block.html and not block.plain)
    ]
    blocks = [block for block in blocks if not block.apart and block.plain]
    if not blocks:
        raise ParseError(
            "no body text: the document holds only a header, markup or template tags"
        )
    dateline = fields.dateline
    blocks = _fill_dateline_placeholder(blocks, dateline, markdown, warnings)
    key_points, blocks, on_top = _take_key_points(blocks)
    blocks, labels = _without_stray_labels(blocks)
    set_apart += labels
    if not blocks:
        raise ParseError("the key points are not followed by any body text")

    authors, byline = _readable_authors(fields.authors, fields.byline)
    story = _Story(
        blocks,
        title=fields.title or header.get("title", ""),
        byline=byline or header.get("byline", ""),
        summary=fields.summary,
        markdown=markdown,
    )
    story.read_front()
    story.read_end()
    sections = story.sections()
    title = story.title
    found = story.split_dateline(sections)
    if found:
        if not dateline or found.casefold() == dateline.casefold():
            dateline = dateline or found
        else:
            story.restore_dateline(sections)
    dateline = dateline or story.dateline_line

    if not title:
        if key_points and on_top:
            title = key_points[0]
        else:
            title = _title_from(story.lead_text(sections))
    elif len(title) > MAX_TITLE_LENGTH:
        warnings.append(f"title cut to {MAX_TITLE_LENGTH} characters; it was {title!r}")
    for point in key_points:
        if len(point) > MAX_KEY_POINT_LENGTH:
            warnings.append(
                f"key point cut to {MAX_KEY_POINT_LENGTH} characters; it was {point!r}"
            )
    tags = tuple(dict.fromkeys([*fields.tags, *header.get("tags", ())]))
    return ParsedDocument(
        title=_truncate(title, MAX_TITLE_LENGTH),
        dateline=dateline,
        key_points=tuple(
            _truncate(point, MAX_KEY_POINT_LENGTH) for point in key_points
        ),
        sections=tuple(sections),
        source=fields.source or header.get("source", ""),
        byline=story.byline,
        authors=authors,
        url=fields.url or header.get("url", ""),
        published=fields.published or header.get("published") or story.published,
        tags=tags,
        summary=story.summary,
        markdown=markdown,
        set_apart=(*set_apart, *story.set_apart),
        warnings=tuple(warnings),
    )


def _fill_dateline_placeholder(
    blocks: list[_Block], dateline: str, markdown: bool, warnings: list[str]
) -> list[_Block]:
    """``$DATELINE$`` opening the body marks where the fields' dateline goes:
    the mark is not text, so it leaves the paragraph."""
    first = blocks[0]
    if first.kind != PARAGRAPH or not first.text.startswith("$DATELINE$"):
        return blocks
    if not dateline:
        warnings.append("$DATELINE$ left out: the front matter gives no dateline")
    rest = first.text.removeprefix("$DATELINE$").lstrip()
    if not rest:
        return blocks[1:]
    block = _markdown_paragraph([rest]) if markdown else _paragraph(rest, (rest,))
    return [block, *blocks[1:]]


def _take_key_points(
    blocks: list[_Block],
) -> tuple[tuple[str, ...], list[_Block], bool]:
    """The first labelled list's items, the blocks without it, and whether
    it opened the document. Later labelled lists stay lists."""
    for index, block in enumerate(blocks[:-1]):
        if (
            block.kind in (PARAGRAPH, HEADING)
            and blocks[index + 1].kind == LIST
            and _is_key_points_label(block.plain)
        ):
            points = blocks[index + 1].plain_items
            return points, blocks[:index] + blocks[index + 2 :], index == 0
    return (), blocks, False


def _without_stray_labels(blocks: list[_Block]) -> tuple[list[_Block], list[str]]:
    """The blocks without the key-points labels that label no list ("Key
    Highlights" over sections), and those labels' texts, to set apart: a
    label is never body text, as the label of the key points leaves with
    them. A document that is only such a label keeps it."""
    kept, labels = [], []
    for index, block in enumerate(blocks):
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        if (
            block.kind in (PARAGRAPH, HEADING)
            and (after is None or after.kind != LIST)
            and _is_key_points_label(block.plain)
        ):
            labels.append(block.text)
        else:
            kept.append(block)
    return (kept, labels) if kept else (blocks, [])


def _readable_authors(
    authors: tuple[str, ...], byline: str
) -> tuple[tuple[str, ...], str]:
    """Front matter's listed authors with site handles read as names
    ("amanda-costa" is "Amanda Costa"), and the byline made from that list
    made from the names too."""
    readable = tuple(readable_name(name) for name in authors)
    if authors and byline == join_names(list(authors)):
        byline = join_names(list(readable))
    return readable, byline
