"""Markdown for section bodies: CommonMark in, safe HTML out.

Bodies are CommonMark. Raw HTML is never passed through (it is shown as
text), images are off (a brief loads no third-party resource), and link
targets such as ``javascript:`` are refused by markdown-it's link validator.
Plain text from source documents is escaped on the way in, so that *, _, #,
< and & reach readers exactly as written.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from django.utils.html import strip_tags
from markdown_it import MarkdownIt

# Characters that can start inline markup anywhere in a line.
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<])")
# An ampersand that would otherwise be read as an entity or character reference.
_ENTITY_AMPERSAND = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# Line starts that open a block: headings, quotes, list items, thematic breaks, fences.
_BLOCK_START = re.compile(r"^(?:#|>|[-+=~](?=\s|$|[-+=~])|\d{1,9}(?=[.)]))")


def escape_inline(text: str) -> str:
    """Plain ``text`` made literal inside a Markdown line (not at its start)."""
    return _ENTITY_AMPERSAND.sub(r"\\&", _INLINE_SPECIAL.sub(r"\\\1", text))


def escape_line_start(line: str) -> str:
    """A Markdown line whose start would open a block (``#``, ``>``, ``-``, ``1.``) made literal."""
    match = _BLOCK_START.match(line)
    if not match:
        return line
    if line[0].isdigit():
        return f"{line[: match.end()]}\\{line[match.end() :]}"
    return f"\\{line}"


def escape_markdown(text: str) -> str:
    """Escape plain ``text`` (one paragraph, one line) so CommonMark renders it as is."""
    return escape_line_start(escape_inline(text))


def paragraphs_to_markdown(paragraphs: list[str] | tuple[str, ...]) -> str:
    """A Markdown body whose paragraphs render exactly as the given plain texts.

    A paragraph that is a list (the parser's ParsedList, which has
    ``to_markdown``) keeps its markers and has each item's text escaped.
    """
    return "\n\n".join(
        p.to_markdown(escape_markdown)
        if hasattr(p, "to_markdown")
        else escape_markdown(p)
        for p in paragraphs
    )


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.disable("image")
    return md


# What can make CommonMark read a body as anything but paragraphs of text:
# inline markup, entities and raw HTML anywhere; control characters (tabs,
# carriage returns, NUL) that the parser rewrites; and, at a line's start,
# blocks (headings, quotes, lists, rules, fences, setext underlines).
_MARKUP_ANYWHERE = re.compile(r"[\\`*_\[\]<&\x00-\x09\x0b-\x1f]")
_MARKUP_AT_LINE_START = re.compile(r"^(?:[#>+=~-]|\d{1,9}[.)])", re.MULTILINE)


def _plain_paragraphs(body: str) -> list[str] | None:
    """``body``'s paragraphs when it is plain prose that CommonMark renders
    as those paragraphs with nothing but ``>`` and ``"`` escaped; else None.

    A line with space around it (indented code, hard breaks, stripped
    padding) is left to the parser, as is any character in the patterns
    above. Imported text is mostly such prose, and markdown-it is most of
    an import's rendering time.
    """
    if _MARKUP_ANYWHERE.search(body) or _MARKUP_AT_LINE_START.search(body):
        return None
    paragraphs, lines = [], []
    for line in body.split("\n"):
        if not line.strip(" "):
            if lines:
                paragraphs.append("\n".join(lines))
                lines = []
        elif line[0].isspace() or line[-1].isspace():
            return None
        else:
            lines.append(line)
    if lines:
        paragraphs.append("\n".join(lines))
    return paragraphs


def render_markdown(body: str) -> str:
    """Render a section body to HTML that is safe to mark safe.

    Headings inside a body sit under the section's own h2, so ``#`` renders
    as h3, ``##`` as h4, and so on down to h6.
    """
    plain = _plain_paragraphs(body)
    if plain is not None:
        return "".join(
            "<p>" + text.replace(">", "&gt;").replace('"', "&quot;") + "</p>\n"
            for text in plain
        )
    return parser_html(body)


def parser_html(body: str) -> str:
    """``render_markdown`` by markdown-it alone, without the shortcut for prose."""
    md = _parser()
    tokens = md.parse(body)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"
    return md.renderer.render(tokens, md.options, {})


def first_paragraph_text(body: str) -> str:
    """The plain text of the body's first paragraph, or ''."""
    tokens = _parser().parse(body)
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and index + 1 < len(tokens):
            inline = tokens[index + 1]
            rendered = _parser().renderer.renderInline(
                inline.children or [], _parser().options, {}
            )
            return html.unescape(strip_tags(rendered)).strip()
    return ""


def render_all(section_model, *, batch_size: int = 500) -> int:
    """Render every section's body into ``body_html`` again; returns how many changed.

    ``section_model`` is ``briefs.models.Section``, or its historical
    version in a migration. Sections whose HTML is already current are
    not written.
    """
    changed = []
    count = 0
    sections = section_model.objects.only("pk", "body", "body_html").order_by("pk")
    for section in sections.iterator(chunk_size=batch_size):
        html = render_markdown(section.body)
        if html != section.body_html:
            section.body_html = html
            changed.append(section)
        if len(changed) >= batch_size:
            section_model.objects.bulk_update(changed, ["body_html"])
            count += len(changed)
            changed = []
    section_model.objects.bulk_update(changed, ["body_html"])
    return count + len(changed)
