"""Read a source file of any kind the importer takes into a ParsedDocument.

The reader is chosen by the file name's suffix, in any case:

- ``.txt`` (and any suffix not listed): plain text, decoded and parsed as
  today; front matter may say ``format: markdown``.
- ``.md``, ``.markdown``: Markdown, kept as written.
- ``.html``, ``.htm``: a web page's article (``webpages``), as Markdown.
- ``.docx``: a Word document (``wordfiles``), as Markdown.

Web pages and Word files give their title, date and so on beside the text,
as the ``Fields`` that front matter gives; their text then goes through the
same parser as any Markdown. Every reader raises only ParseError for input
it cannot read.

The Markdown a web page or Word file gives is held to ``MAX_TEXT_BYTES``,
the import's own limit on a file (``NEWSROOM_IMPORT_MAX_BYTES``): a small
archive or page must not give the parser more text than a text file could.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import PurePath

from briefs.ingest.frontmatter import Fields
from briefs.ingest.parsing import ParsedDocument, ParseError, decode, parse

TEXT_SUFFIXES = (".txt",)
MARKDOWN_SUFFIXES = (".md", ".markdown")
WEBPAGE_SUFFIXES = (".html", ".htm")
WORDFILE_SUFFIXES = (".docx",)
SUFFIXES = TEXT_SUFFIXES + MARKDOWN_SUFFIXES + WEBPAGE_SUFFIXES + WORDFILE_SUFFIXES
# The same number as settings.NEWSROOM_IMPORT_MAX_BYTES, written out so that
# the readers stay free of Django and can be tested without it.
MAX_TEXT_BYTES = 2 * 1024 * 1024


def _reader(suffix: str) -> Callable[[bytes], tuple[Fields, str]] | None:
    """The reader of web pages or Word files for ``suffix``, or None for text.

    Imported when first needed: trafilatura and mammoth take half a second
    to import, which every process that loads the admin (each worker, each
    management command) would otherwise pay.
    """
    if suffix in WEBPAGE_SUFFIXES:
        from briefs.ingest.webpages import read_webpage

        return read_webpage
    if suffix in WORDFILE_SUFFIXES:
        from briefs.ingest.wordfiles import read_wordfile

        return read_wordfile
    return None


def read_document(name: str, data: bytes) -> ParsedDocument:
    """Parse the file ``name`` holding ``data``. Raises ParseError when it cannot become a brief."""
    suffix = PurePath(name).suffix.lower()
    reader = _reader(suffix)
    if reader is not None:
        fields, text = reader(data)
        size = len(text.encode("utf-8"))
        if size > MAX_TEXT_BYTES:
            raise ParseError(
                f"the document's text comes to {size / 1024 / 1024:.1f} MB; "
                f"at most {MAX_TEXT_BYTES / 1024 / 1024:g} MB can be imported"
            )
        document = parse(text, markdown=True, fields=fields)
        warnings = fields.warnings
    else:
        text, decoding_warnings = decode(data)
        document = parse(text, markdown=suffix in MARKDOWN_SUFFIXES)
        warnings = tuple(decoding_warnings)
    # The parser may pass the fields' warnings on itself: each is said once.
    new = tuple(warning for warning in warnings if warning not in document.warnings)
    if not new:
        return document
    return dataclasses.replace(document, warnings=(*new, *document.warnings))
