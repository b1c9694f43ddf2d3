"""A Word file (.docx) to (Fields, Markdown text).

mammoth reads the document into semantic HTML: headings from the Heading
styles, lists (bulleted and numbered, nested by level) from numbering
properties, whether a paragraph or its style (List Bullet, List Number)
carries them, tables, links, bold and italic, footnotes at the end. It is
chosen over python-docx because it resolves numbering into real nested
lists, which python-docx leaves to its caller; and its HTML goes through
the same Markdown writer as a web page's (``webpages.html_to_blocks``), so
a table becomes one list item per row with its cells joined by `` | ``.

The title is the paragraph in the Title style, else the file's own title
(core properties), else none. The core properties' keywords become tags.

A .docx is a zip archive: before anything is unpacked, the archive must
list at most ``MAX_PARTS`` members that come to at most ``MAX_UNPACKED_BYTES``
unpacked, all members counted (mammoth reads whichever part the
relationships name, whatever its suffix), so a small file cannot unpack into
gigabytes. Python's zipfile holds each member to its listed size.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from xml.parsers.expat import ExpatError

import lxml.etree
import lxml.html
import mammoth
import mammoth.images

from briefs.ingest.frontmatter import Fields, one_line
from briefs.ingest.webpages import drop_headline, html_to_blocks

MAX_PARTS = 1_000
# The import keeps at most 2 MB of text (NEWSROOM_IMPORT_MAX_BYTES); Word's
# XML around that text, styles and the other parts add about half again for
# a document of that size, so a larger archive could only be refused after
# mammoth has read it into a DOM, at some tens of bytes of memory per byte.
MAX_UNPACKED_BYTES = 3 * 1024 * 1024

_TITLE_CLASS = "newsroom-docx-title"
_STYLE_MAP = f"""
p[style-name='Title'] => h1.{_TITLE_CLASS}:fresh
p[style-name='Subtitle'] => p:fresh
"""
_CORE_PROPERTIES = "docProps/core.xml"
_DC = "http://purl.org/dc/elements/1.1/"
_CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
# Titles that Word and converters leave behind, which name the file, not the text.
_FILE_TITLE = re.compile(
    r"^(?:Microsoft Word - .*|.*\.docx?|Document\d*)$", re.IGNORECASE
)
# What a damaged archive or part raises from the libraries read here:
# zipfile's errors (and its RuntimeError for an encrypted member,
# NotImplementedError for an unknown compression, ValueError for a bad
# header), zlib's for damaged data, expat's for damaged XML, and KeyError
# for a part that a relationship names but the archive lacks. Caught only
# around the calls into zipfile and mammoth, so the project's own mistakes
# are not reported as a damaged file.
_UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    RuntimeError,
    NotImplementedError,
    ExpatError,
    KeyError,
    ValueError,
)
_SAFE_XML = lxml.etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False
)


def read_wordfile(data: bytes) -> tuple[Fields, str]:
    """(the document's title and keywords, its text as Markdown).

    Raises ParseError for bytes that are not a readable .docx, one too large
    unpacked, or one without text.
    """
    from briefs.ingest.parsing import ParseError

    archive = _open_archive(data)
    title, tags = _core_properties(archive)
    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data),
            style_map=_STYLE_MAP,
            convert_image=mammoth.images.img_element(lambda image: {}),
        )
    except _UNREADABLE as error:
        raise ParseError(f"not a readable Word document ({_reason(error)})") from None
    if not result.value.strip():
        raise ParseError("empty document: there is no text in it")
    root = lxml.html.fragment_fromstring(result.value, create_parent="div")
    for heading in root.find_class(_TITLE_CLASS):
        # The first Title paragraph is the title; any other stays a heading.
        title = one_line(heading.text_content()) or title
        heading.drop_tree()
        break
    blocks = drop_headline(html_to_blocks(root), title)
    if not blocks:
        raise ParseError("empty document: there is no text in it")
    return Fields(title=title, tags=tags, markdown=True), "\n\n".join(blocks) + "\n"


def _open_archive(data: bytes) -> zipfile.ZipFile:
    from briefs.ingest.parsing import ParseError

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as error:
        raise ParseError(
            f"not a Word document (.docx is a zip archive: {_reason(error)})"
        ) from None
    if len(members) > MAX_PARTS:
        raise ParseError(
            f"Word document has {len(members):,} parts; at most {MAX_PARTS:,} are read"
        )
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ParseError(
            f"Word document unpacks to {unpacked / 1024 / 1024:.1f} MB; "
            f"at most {MAX_UNPACKED_BYTES // 1024 // 1024} MB are read"
        )
    if "word/document.xml" not in archive.namelist():
        raise ParseError("not a Word document (the archive has no word/document.xml)")
    return archive


def _core_properties(archive: zipfile.ZipFile) -> tuple[str, tuple[str, ...]]:
    """(the file's title, its keywords), empty where not given or unreadable."""
    try:
        data = archive.read(_CORE_PROPERTIES)
    except _UNREADABLE:
        return "", ()
    try:
        root = lxml.etree.fromstring(data, parser=_SAFE_XML)
    except lxml.etree.XMLSyntaxError:
        return "", ()
    title = one_line(root.findtext(f"{{{_DC}}}title") or "")
    keywords = root.findtext(f"{{{_CP}}}keywords") or ""
    tags: dict[str, str] = {}
    for part in re.split(r"[,;]", keywords):
        if one_line(part):
            tags.setdefault(one_line(part).casefold(), one_line(part))
    return ("" if _FILE_TITLE.match(title) else title), tuple(tags.values())


def _reason(error: BaseException) -> str:
    return one_line(str(error))[:200] or type(error).__name__
