"""Parse a source document into a brief's structure. Text in, dataclasses out.

This package knows nothing about Django or the database, so it can be tested
and fuzzed on its own. It reads plain text (kept exactly, escaped by the
importer) and Markdown (kept as written); the readers of web pages and Word
files hand it Markdown too. Every part is optional except body text:

1. Encoding: UTF-8 with or without a BOM, LF or CRLF line ends; bytes that are
   not UTF-8 are read as Windows-1252 with a warning; binary data is refused.
2. Fields: front matter (``briefs.ingest.frontmatter``) or what a reader
   found; else a header block of ``Field: value`` lines at the very top
   (Title, Source, Published, Byline, URL, Tags; any case), ended by a blank
   line. Fields win over what the text gives.
3. Blocks. Plain text: with blank lines each block is a paragraph whose
   hard-wrapped lines are joined; without them each line is one, unless the
   text is hard-wrapped (then lines are joined into paragraphs again);
   bullets (-, *, •, 1., 1)) make one list per run, blank lines between
   items or not. Markdown: CommonMark blocks; links only to http, https and
   mailto stay links; template tags (Hugo, Liquid, Kramdown) are dropped
   with a warning, the words of their captions and alt text set apart and
   their quotations kept as quotations. Raw HTML is kept as text, never a
   heading; an ``<img>`` is its alt text, and an HTML block with no text (an
   iframe, an image without alt text) is set apart.
4. Key points: a labelled list anywhere (Key points, Key takeaways,
   Highlights, Key highlights, At a glance, Summary points; any case,
   optional colon; a line, a heading or a bold line) when no list has given
   them yet. A label over no list is set apart, never body text.
5. The front of the story: before its first paragraph, captions, a
   Markdown image with its caption, wire header lines (ids, slugs, slug
   lines such as "r a PM-Drugs 09-11 0412"), date lines, issuer lines ("The
   White House"), a site's section labels ("Statements and Releases",
   "Presidential Actions"), a proclamation's formula and label ("BY THE
   PRESIDENT …", "A PROCLAMATION"), page chrome and a repeated title are set
   apart (``ParsedDocument.set_apart``), a "By" line is the byline, and so
   is a name over a staff title ("Rachel Kimura" over "Staff Writer", or
   "Name / Staff Writer"), a deck or "Summary:" the summary, and a headline
   line the title: one that reads as a headline, or a longer one (no stop,
   any length up to 200 characters) with an issuer line or a date line
   under it. The first date line's day is the published date when no field
   gives one. After the story, sign-offs, disclaimers, contact lines (a
   "Media contacts:" label and the lines under it too), a lone place name
   and a page's closing link lists ("Related Topics", "More on this story")
   are set apart.
6. Headings: a line that looks like one in its document and is followed by
   body text (see ``headings._decide_headings``).
7. Dateline: at the start of the story's first paragraph, or a line of its
   own before it: ``NEW DELHI:``, ``BANGKOK (Reuters) -``,
   ``SANTO DOMINGO, Dominican Republic (AP) _``, ``**WASHINGTON** –``.
8. Title: fields, a headline line, the first key point at the top, else the
   lead's first sentence without its attribution clause (which stays in the
   body; see ``_title_from``).

Written by hand rather than with a Markdown library: the structure rules need
the source's lines as written (bare-line headings, hard wrapping, captions)
and a parse that stays linear on hostile input; ``briefs.markdown`` renders.
"""

from briefs.ingest.parsing.datelines import MAX_DATELINE_PLACE_LENGTH
from briefs.ingest.parsing.document import MAX_KEY_POINT_LENGTH, parse
from briefs.ingest.parsing.header import HEADER_FIELDS
from briefs.ingest.parsing.headings import (
    MAX_HEADING_LENGTH,
    MAX_HEADING_WORDS,
    MAX_MARKDOWN_HEADING_LENGTH,
)
from briefs.ingest.parsing.kinds import CODE, HEADING, LIST, PARAGRAPH, QUOTE, TABLE
from briefs.ingest.parsing.markdown_blocks import MAX_TEMPLATE_LINES
from briefs.ingest.parsing.parsed import (
    ParsedDocument,
    ParsedList,
    ParsedSection,
    ParseError,
)
from briefs.ingest.parsing.story import MAX_FRONT_BLOCKS
from briefs.ingest.parsing.text import decode
from briefs.ingest.parsing.titles import (
    MAX_BODY_TITLE_LENGTH,
    MAX_TITLE_LENGTH,
    MIN_TITLE_WORDS,
)

__all__ = [
    "CODE",
    "HEADER_FIELDS",
    "HEADING",
    "LIST",
    "MAX_BODY_TITLE_LENGTH",
    "MAX_DATELINE_PLACE_LENGTH",
    "MAX_FRONT_BLOCKS",
    "MAX_HEADING_LENGTH",
    "MAX_HEADING_WORDS",
    "MAX_KEY_POINT_LENGTH",
    "MAX_MARKDOWN_HEADING_LENGTH",
    "MAX_TEMPLATE_LINES",
    "MAX_TITLE_LENGTH",
    "MIN_TITLE_WORDS",
    "PARAGRAPH",
    "QUOTE",
    "TABLE",
    "ParseError",
    "ParsedDocument",
    "ParsedList",
    "ParsedSection",
    "decode",
    "parse",
]
