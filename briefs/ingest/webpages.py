"""A saved web page to (Fields, Markdown text): the article, without the page around it.

trafilatura reads the page's title, date, author, site name and canonical
URL, and decides where the article is. Its own text output is not used as
the brief's text: its link-density tests drop real article text (a list of
links to the videos a post introduces, lists of accounts under a heading).
So the page is first cleared of hidden elements and furniture (navigation,
asides, footers, share bars, form controls, media), layout tables become
plain blocks, and then the element holding most of what trafilatura found
and least of what it did not is written out whole (see ``_article``).

The Markdown writer (``html_to_blocks``, shared with the Word reader) is
written here rather than taken from a general HTML-to-Markdown library
because its rules are the importer's: headings as ``#``, ``##``, ``###``
(deeper levels as ``###``); lists as ``-`` or ``1.`` items, nested lists
indented; quotations as ``>``; bold and italic kept; links kept only to
http, https and mailto addresses (relative ones made absolute against the
page's canonical address first, the rest left as their text); a table as
one list item per row with its cells joined by `` | ``; a ``<br>`` between
runs of text ends a paragraph, as it does on screen; text escaped so that
it reads as written.

Nothing here touches the network: the page is parsed from bytes in memory,
trafilatura is given no URL, and relative links are only joined as text.
"""

from __future__ import annotations

import codecs
import contextlib
import copy
import datetime as dt
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import trafilatura

from briefs.ingest.frontmatter import Fields, is_web_url, join_names, one_line
from briefs.markdown import escape_inline, escape_line_start

# trafilatura logs what it makes of a page's markup ("empty link") as
# warnings; an import reports its own findings per file, so only its errors
# may reach the log.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

MAX_SUMMARY_LENGTH = (
    300  # a page description longer than this is its text, not a summary
)
# Real article pages have hundreds of elements (the corpus: 336 to 1,350); past
# some tens of thousands, trafilatura's extraction grows faster than the page
# (a 2 MB page of 100,000 elements took a minute, 10,000 about 4 s), so a
# larger page is refused.
MAX_ELEMENTS = 10_000
_HEADLINE_WITHIN = 6  # blocks from the top of the article
# Page furniture that can sit inside the element holding an article.
_CHROME = lxml.etree.XPath(
    ".//nav | .//aside | .//footer | .//button | .//select | .//input"
    " | .//textarea | .//iframe | .//object | .//embed | .//video | .//audio"
    " | .//svg | .//canvas | .//img | .//picture"
    " | .//*[@role='navigation' or @role='search' or @role='banner'"
    " or @role='contentinfo' or @role='complementary' or @role='dialog']"
    " | .//*[re:test(concat(' ', @class, ' ', @id, ' '),"
    " '[ _-](share|sharing|social|breadcrumbs?|related|promo|advert|newsletter|print-?friendly)[ _-]', 'i')]",
    namespaces={"re": "http://exslt.org/regular-expressions"},
)

# The declared encoding: <meta charset>, <meta http-equiv content="...charset=">
# or an XML declaration, looked for in the first bytes as browsers do.
_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([-\w.:]+)|<\?xml[^>]*?encoding\s*=\s*["']([-\w.:]+)""",
    re.IGNORECASE,
)
_PRESCAN_BYTES = 4096
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# The text encodings browsers read (the WHATWG Encoding Standard), by the
# name Python's codecs give the labels pages use, to the codec that reads
# them as browsers do: Latin-1 and ASCII as Windows-1252, the Japanese,
# Korean and Chinese labels as the Microsoft supersets. A label missing here
# (utf-7, or a codec that is no text encoding, such as rot13, hex, base64 or
# zlib) is not read; the page is read as one with no declaration is.
_BROWSER_ENCODINGS = {
    "utf-8": "utf-8",
    # A page that declares UTF-16 or UTF-32 without a byte-order mark is
    # ASCII-compatible, or it could not have declared it: browsers read UTF-8.
    **dict.fromkeys(
        ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"),
        "utf-8",
    ),
    **dict.fromkeys(("latin_1", "iso8859-1", "ascii", "cp1252"), "cp1252"),
    **{
        f"iso8859-{n}": f"iso8859-{n}"
        for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)
    },
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    **{
        f"cp{n}": f"cp{n}"
        for n in (866, 874, 1250, 1251, 1253, 1254, 1255, 1256, 1257, 1258)
    },
    "koi8-r": "koi8-r",
    "koi8-u": "koi8-u",
    "mac-roman": "mac-roman",
    "mac-cyrillic": "mac-cyrillic",
    "gb18030": "gb18030",
    "gb2312": "gbk",
    "gbk": "gbk",
    "big5": "big5hkscs",
    "big5hkscs": "big5hkscs",
    "euc_jp": "euc_jp",
    "iso2022_jp": "iso2022_jp",
    "shift_jis": "cp932",
    "cp932": "cp932",
    "euc_kr": "cp949",
    "cp949": "cp949",
}
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_SPACES = re.compile(r" {2,}")
_MONTHS = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b", re.IGNORECASE
)

# Block elements in trafilatura's output and in HTML (a fallback extractor
# can hand back HTML tags mixed with trafilatura's own).
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 3, "h5": 3, "h6": 3}
_LISTS = frozenset({"list", "ul", "ol", "dl"})
_LIST_ITEMS = frozenset({"item", "li", "dt", "dd"})
_QUOTES = frozenset({"quote", "blockquote"})
_TABLES = frozenset({"table"})
_ROWS = frozenset({"row", "tr"})
_CELLS = frozenset({"cell", "td", "th"})
_BREAKS = frozenset({"lb", "br"})
_SKIPPED = frozenset(
    {"graphic", "img", "hr", "script", "style", "noscript", "template", "title"}
)
_BLOCKS = frozenset(
    {
        "p", "div", "head", *_HEADINGS, *_LISTS, *_LIST_ITEMS, *_QUOTES, "table",
        *_ROWS, *_CELLS, "tbody", "thead", "tfoot", "caption", "pre",
        "section", "article", "main", "header", "footer", "aside", "nav",
        "figure", "figcaption", "address", "details", "summary", "center",
        "form", "fieldset", "body", "html", "done",
    }
)  # fmt: skip
_BOLD = frozenset({"b", "strong"})
_ITALIC = frozenset({"i", "em", "cite", "var"})
_CODE_SPANS = frozenset({"tt", "kbd", "samp", "code"})
_LAYOUT_CELL_CONTENT = frozenset(
    {"p", "div", "ul", "ol", "table", "blockquote", *_HEADINGS, "form"}
)


def read_webpage(data: bytes) -> tuple[Fields, str]:
    """(what the page says about itself, its article as Markdown).

    Raises ParseError for bytes that are not a web page, or a page in which
    no article text can be found.
    """
    from briefs.ingest.parsing import ParseError

    text, warnings = decode_page(data)
    page = _parse_html(text)
    elements = sum(1 for _ in page.iter())
    if elements > MAX_ELEMENTS:
        raise ParseError(
            f"the web page has {elements:,} elements, more than the "
            f"{MAX_ELEMENTS:,} an article page needs; save the article alone"
        )
    base_url = _base_url(page)
    metadata = trafilatura.extract_metadata(copy.deepcopy(page))
    byline = (
        _byline(metadata.author) or _byline_from_links(page) or _byline_from_block(page)
    )
    published = _declared_date(page) or _date(metadata.date)
    _prepare(page, base_url)
    article = _article(page)
    title = one_line(metadata.title or "")
    blocks = html_to_blocks(article, base_url=base_url)
    blocks = drop_headline(blocks, title)
    if not blocks:
        raise ParseError("no article text found in the web page")
    description = one_line(metadata.description or "")
    url = metadata.url if metadata.url and is_web_url(metadata.url) else base_url
    fields = Fields(
        title=title,
        published=published,
        source=one_line(metadata.sitename or ""),
        url=url,
        byline=byline,
        summary=description if len(description) <= MAX_SUMMARY_LENGTH else "",
        markdown=True,
        warnings=tuple(warnings),
    )
    return fields, "\n\n".join(blocks) + "\n"


# What trafilatura is asked for: the article's text with its formatting,
# links and tables, no comments or images, nothing dropped as a repeat.
_EXTRACTION = {
    "include_comments": False,
    "include_formatting": True,
    "include_links": True,
    "include_images": False,
    "include_tables": True,
    "deduplicate": False,
}


def _article(page: lxml.html.HtmlElement) -> lxml.etree._Element:
    """The element that holds the article: trafilatura decides where it is,
    and the whole of that element is written out.

    trafilatura's own output drops what its link-density tests take for
    boilerplate, and inside an article that is real text (a list of links
    to the videos a post introduces, a list of accounts under a heading).
    So its text only locates the article: of the page's elements, the one
    whose blocks (paragraphs, headings, list items, cells) hold most of what
    trafilatura found and least of what it did not (characters found minus
    characters not found).
    Where trafilatura finds nothing, the page's <main>, <article> or <body>.
    """
    document = trafilatura.bare_extraction(page, **_EXTRACTION)
    if document is None or document.body is None:
        for candidate in page.xpath("//main | //*[@role='main'] | //article | //body"):
            return candidate
        return page
    found = _found_texts(document.body)
    scores: dict[lxml.etree._Element, int] = {}
    for element in page.iter(*_BLOCKS):
        words = _own_text(element)
        if not words:
            continue
        score = len(words) if words in found else -len(words)
        for holder in (element, *element.iterancestors()):
            scores[holder] = scores.get(holder, 0) + score
    if not scores:
        return document.body
    # The best score; of equals (the same text), the deepest.
    return max(scores, key=lambda element: (scores[element], _depth(element)))


def _found_texts(body: lxml.etree._Element) -> set[str]:
    """The words of each element of trafilatura's output, all of it and its own.

    A page block counts as found when its words are one of these: a set
    lookup, where a search of the whole extracted text for each block took
    time in the square of the page's size.
    """
    found: set[str] = set()
    for element in body.iter():
        found.add(" ".join("".join(element.itertext()).split()))
        found.add(_own_text(element))
    return found


def _own_text(element: lxml.etree._Element) -> str:
    """The words of a block without those of the blocks inside it."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag not in _BLOCKS:
            parts.append("".join(child.itertext()))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _depth(element: lxml.etree._Element) -> int:
    return sum(1 for _ in element.iterancestors())


def _remove_chrome(page: lxml.etree._Element) -> None:
    """Take navigation, share bars, form controls and embedded media out of the page."""
    for element in _CHROME(page):
        if element.getparent() is not None:
            element.drop_tree()


def decode_page(data: bytes) -> tuple[str, list[str]]:
    """The page's text: by its byte-order mark, else its declared encoding,
    else UTF-8, else Windows-1252 with a warning. Raises ParseError for
    binary data."""
    from briefs.ingest.parsing import ParseError, decode

    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), []
            except UnicodeDecodeError as error:
                raise ParseError(
                    f"not valid {encoding.upper()} (at byte {error.start})"
                ) from None
    declared, warnings = _declared_encoding(data[:_PRESCAN_BYTES])
    if declared and declared != "utf-8" and b"\x00" not in data:
        try:
            text = data.decode(declared)
        except UnicodeDecodeError as error:
            warnings.append(
                f"not valid {declared} as the page declares (at byte {error.start})"
            )
        else:
            with contextlib.suppress(UnicodeDecodeError):
                data.decode("utf-8")
                # Browsers keep the declaration; the text may be mojibake.
                if not data.isascii():
                    warnings.append(
                        f"the page declares {declared} but reads as UTF-8; it was read "
                        f"as {declared}, as browsers do: check its accented letters"
                    )
            return text, warnings
    text, decode_warnings = decode(data)
    return text, warnings + decode_warnings


def _declared_encoding(head: bytes) -> tuple[str, list[str]]:
    """(the codec for the encoding the page declares, or '', warnings)."""
    match = _DECLARED_CHARSET.search(head)
    if not match:
        return "", []
    label = (match.group(1) or match.group(2)).decode("ascii", "replace")
    try:
        name = _BROWSER_ENCODINGS.get(codecs.lookup(label).name, "")
    except LookupError:
        name = ""
    if name:
        return name, []
    return "", [
        f"the page declares the encoding {label[:40]!r}, which browsers do not "
        "read; it was read as UTF-8, or Windows-1252 where it is not UTF-8"
    ]


def _parse_html(text: str) -> lxml.html.HtmlElement:
    from briefs.ingest.parsing import ParseError

    text = _CONTROL.sub(" ", _XML_DECLARATION.sub("", text, count=1))
    if not text.strip():
        raise ParseError("empty document: there is no text in it")
    try:
        return lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as error:
        raise ParseError(f"not a readable web page ({error})") from None


def _base_url(page: lxml.html.HtmlElement) -> str:
    """The page's own address: its canonical link, og:url or <base>; '' if none."""
    for value in page.xpath(
        "//link[translate(@rel, 'CANONICAL', 'canonical')='canonical']/@href"
        " | //meta[@property='og:url']/@content | //base/@href"
    ):
        value = str(value).strip()
        if is_web_url(value):
            return value
    return ""


def _prepare(page: lxml.html.HtmlElement, base_url: str) -> None:
    """Help the extractor see the page as a reader does.

    Hidden elements and page furniture (navigation, asides, footers, share
    bars, form controls, media) go; a table used for layout (it holds another table, or
    block content without any header cell) becomes plain blocks, so its
    cells read as the text they are; a div holding only text beside block
    siblings becomes the paragraph it shows as; links are made absolute.
    """
    for element in page.xpath(
        "//*[@hidden or @aria-hidden='true']"
        " | //*[contains(translate(@style, ' ', ''), 'display:none')]"
        " | //script | //style | //noscript | //template"
    ):
        if element.getparent() is not None:
            element.drop_tree()
    _remove_chrome(page)
    for table in page.xpath("//table"):
        if _is_layout_table(table):
            lxml.etree.strip_tags(table, "tbody", "thead", "tfoot")
            for element in table.iterchildren("tr", "caption"):
                element.tag = "div"
                for cell in element.iterchildren("td", "th"):
                    cell.tag = "div"
            table.tag = "div"
    for div in list(page.iter("div")):
        if _is_text_paragraph(div):
            div.tag = "p"
    for link in page.iter("a"):
        href = (link.get("href") or "").strip()
        if base_url and href and not urlsplit(href).scheme:
            link.set("href", urljoin(base_url, href))


def _is_layout_table(table: lxml.html.HtmlElement) -> bool:
    if (
        table.get("role") in ("presentation", "none")
        or table.find(".//table") is not None
    ):
        return True
    if table.find(".//th") is not None or table.find(".//thead") is not None:
        return False
    return any(
        child.tag in _LAYOUT_CELL_CONTENT
        for cell in table.iter("td")
        for child in cell
        if isinstance(child.tag, str)
    )


def _is_text_paragraph(div: lxml.html.HtmlElement) -> bool:
    """A div with text of its own, no block inside, and a block beside it."""
    if not (div.text or "").strip():
        return False
    if any(isinstance(child.tag, str) and child.tag in _BLOCKS for child in div):
        return False
    parent = div.getparent()
    return parent is not None and any(
        sibling is not div and sibling.tag in ("p", "ul", "ol", *_HEADINGS)
        for sibling in parent
    )


def _byline_from_links(page: lxml.html.HtmlElement) -> str:
    """The first author link's text (rel="author", or an author link class)."""
    for link in page.xpath(
        "//a[@rel='author' or contains(@class, 'author-link') or contains(@class, 'author-name')]"
    ):
        name = one_line(link.text_content())
        if _looks_like_name(name):
            return name
    return ""


def _byline_from_block(page: lxml.html.HtmlElement) -> str:
    """The name opening a byline block (``data-component="byline-block"``,
    BBC's): its first element's text, when it is a name; the rest is the
    desk and place ("BBC News, Atlanta")."""
    for block in page.xpath("//*[@data-component='byline-block']"):
        for element in block.iter():
            text = one_line(element.text or "")
            if text:
                return text if _looks_like_name(text) else ""
    return ""


# Where a page declares when it was published, in the order trusted: the
# metadata of the page itself, not a date trafilatura may take from a
# related story's link.
_DECLARED_DATES = (
    "//meta[@property='article:published_time']/@content",
    "//meta[@name='article:published_time']/@content",
    "//meta[@itemprop='datePublished']/@content",
    "//meta[@name='dcterms.date' or @name='DC.date.issued' or @name='pubdate']/@content",
)


def _declared_date(page: lxml.html.HtmlElement) -> dt.date | None:
    """The day the page's metadata says it was published, if it says."""
    for path in _DECLARED_DATES:
        for value in page.xpath(path):
            day = _date(str(value).strip()[:10])
            if day is not None:
                return day
    return None


def _byline(author: str | None) -> str:
    """trafilatura's author, when it is names and not a date or a sentence."""
    names = [one_line(name) for name in (author or "").split(";")]
    names = [name for name in names if _looks_like_name(name)]
    return join_names(names)


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return (
        2 <= len(words) <= 6
        and not any(char.isdigit() for char in text)
        and not _MONTHS.fullmatch(words[0])
        and text[:1].isupper()
    )


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def drop_headline(blocks: list[str], title: str) -> list[str]:
    """``blocks`` without the first heading near the top that repeats ``title``.

    A page's headline is its title; it can follow a masthead ("The White House").
    """
    wanted = escape_inline(title).casefold()
    for index, block in enumerate(blocks[:_HEADLINE_WITHIN]):
        if (
            title
            and block.startswith("#")
            and block.lstrip("#").strip().casefold() == wanted
        ):
            return blocks[:index] + blocks[index + 1 :]
    return blocks


# The Markdown writer, shared with the Word reader.


def html_to_blocks(root: lxml.etree._Element, *, base_url: str = "") -> list[str]:
    """Markdown blocks (paragraphs, headings, lists, quotations) for an element's content."""
    writer = _Writer(base_url=base_url)
    writer.container(root)
    writer.flush()
    return writer.blocks


@dataclass
class _Writer:
    base_url: str = ""
    blocks: list[str] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)  # the paragraph being written

    def flush(self) -> None:
        paragraph = _tidy(self.parts)
        self.parts = []
        if paragraph:
            self.blocks.append(escape_line_start(paragraph))

    def container(self, element: lxml.etree._Element) -> None:
        """Walk mixed content: runs of text make paragraphs, blocks their own blocks."""
        self.parts.append(_text(element.text))
        for child in element:
            tag = _tag(child)
            if not tag:
                pass  # a comment or processing instruction; its tail is text
            elif tag in _BREAKS:
                self.flush()
            elif tag in _SKIPPED:
                pass
            elif tag in _BLOCKS:
                self.flush()
                self.block(child, tag)
            else:
                self.parts.append(_spaced(self.parts, child, self.inline(child)))
            self.parts.append(_text(child.tail))

    def block(self, element: lxml.etree._Element, tag: str) -> None:
        level = _heading_level(element, tag)
        if level:
            text = one_line(element.xpath("string()"))
            if text:
                self.blocks.append(f"{'#' * level} {escape_inline(text)}")
        elif tag in _LISTS or tag in _LIST_ITEMS:
            lines = self.list_lines(element, tag, indent="")
            if lines:
                self.blocks.append("\n".join(lines))
        elif tag in _QUOTES:
            inner = _Writer(base_url=self.base_url)
            inner.container(element)
            inner.flush()
            if inner.blocks:
                quoted = "\n>\n".join(inner.blocks)
                self.blocks.append(
                    "\n".join(f"> {line}" for line in quoted.split("\n"))
                )
        elif tag in _TABLES:
            rows = [self.row(row) for row in _rows(element)]
            rows = [row for row in rows if row]
            if rows:
                self.blocks.append("\n".join(f"- {row}" for row in rows))
        else:
            self.container(element)
            self.flush()

    def list_lines(
        self, element: lxml.etree._Element, tag: str, indent: str
    ) -> list[str]:
        items = [element] if tag in _LIST_ITEMS else list(element)
        ordered = tag == "ol" or element.get("rend") == "ol"
        lines: list[str] = []
        number = 0
        for item in items:
            item_tag = _tag(item)
            if item_tag in _LISTS:
                lines.extend(self.list_lines(item, item_tag, indent))
                continue
            if item_tag not in _LIST_ITEMS:
                text = _tidy([self.inline(item)])
                if text:
                    lines.append(f"{indent}- {text}")
                continue
            number += 1
            marker = f"{number}. " if ordered else "- "
            words, nested = self.item(item, indent + " " * len(marker))
            if words:
                lines.append(f"{indent}{marker}{words}")
            elif nested:
                number -= 1
            lines.extend(nested)
        return lines

    def item(self, item: lxml.etree._Element, indent: str) -> tuple[str, list[str]]:
        """(the item's own words on one line, the lines of the lists inside it)."""
        parts = [_text(item.text)]
        nested: list[str] = []
        for child in item:
            tag = _tag(child)
            if tag in _LISTS:
                nested.extend(self.list_lines(child, tag, indent))
            elif tag in _BREAKS:
                parts.append(" ")
            elif tag and tag not in _SKIPPED:
                parts.append(_spaced(parts, child, self.inline(child)))
            parts.append(_text(child.tail))
        return _tidy(parts), nested

    def row(self, row: lxml.etree._Element) -> str:
        cells = [_tidy([self.inline(cell)]) for cell in row if _tag(cell) in _CELLS]
        return " | ".join(cell for cell in cells if cell)

    def inline(self, element: lxml.etree._Element, *, bold=False, italic=False) -> str:
        tag = _tag(element)
        if tag in _SKIPPED:
            return ""
        if tag in _BREAKS:
            return " "
        if not tag:
            return ""
        rend = element.get("rend", "")
        makes_bold = (tag in _BOLD or (tag == "hi" and rend == "#b")) and not bold
        makes_italic = (tag in _ITALIC or (tag == "hi" and rend == "#i")) and not italic
        inner = [_text(element.text)]
        for child in element:
            content = self.inline(
                child, bold=bold or makes_bold, italic=italic or makes_italic
            )
            inner.append(_spaced(inner, child, content))
            inner.append(_text(child.tail))
        content = "".join(inner)
        if tag in _BLOCKS:
            return f" {content} "
        if makes_bold:
            return _wrap(content, "**")
        if makes_italic:
            return _wrap(content, "*")
        if tag in _CODE_SPANS or (tag == "hi" and rend == "#t"):
            return content
        if tag in ("ref", "a"):
            return self.link(element, content)
        return content

    def link(self, element: lxml.etree._Element, content: str) -> str:
        target = (
            element.get("target") if element.tag == "ref" else None
        ) or element.get("href", "")
        target = "".join(target.split())
        if self.base_url and target and not urlsplit(target).scheme:
            target = urljoin(self.base_url, target)
        scheme = urlsplit(target).scheme.lower()
        if not content.strip() or scheme not in _LINK_SCHEMES:
            return content
        if scheme == "mailto" or is_web_url(target):
            destination = (
                target.replace("(", "%28").replace(")", "%29").replace("<", "%3C")
            )
            return _wrap(content, "[", f"]({destination})")
        return content


# Elements a page sets side by side as separate pieces ("<span>Mike
# Wendling</span><span>BBC News</span>", "<a>Share</a><a>Save</a>"): their
# words are separate even with no space between them in the markup. Bold
# and italic are left alone: they can style part of a word.
_SEPARATE_PIECES = frozenset({"span", "a", "time"})
_OPENING = "([{“‘\"'/-–—"


def _spaced(parts: list[str], element: lxml.etree._Element, content: str) -> str:
    """``content`` (the words of ``element``), after a space when it is a
    separate piece of the page right after another one: the element before
    it is one too, nothing stands between them, and ``content`` starts with
    a capital or a digit."""
    before = element.getprevious()
    if (
        before is None
        or before.tail
        or _tag(before) not in _SEPARATE_PIECES
        or _tag(element) not in _SEPARATE_PIECES
    ):
        return content
    # The last words written: the parts just before are this element's
    # neighbour's, and an empty tail or two.
    written = next((part for part in parts[:-4:-1] if part), "")
    first = content.lstrip(" [*")[:1]  # past a link's or emphasis's mark
    if not written or written[-1] in _OPENING or written[-1].isspace():
        return content
    if first.isupper() or first.isdigit():
        return " " + content
    return content


def _tag(element: lxml.etree._Element) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""


def _heading_level(element: lxml.etree._Element, tag: str) -> int:
    if tag == "head":
        return _HEADINGS.get(element.get("rend", ""), 3)
    return _HEADINGS.get(tag, 0)


def _rows(table: lxml.etree._Element) -> list[lxml.etree._Element]:
    rows = []
    for child in table:
        tag = _tag(child)
        if tag in _ROWS:
            rows.append(child)
        elif tag in ("tbody", "thead", "tfoot"):
            rows.extend(row for row in child if _tag(row) in _ROWS)
    return rows


def _text(text: str | None) -> str:
    return escape_inline(_HTML_SPACE.sub(" ", text)) if text else ""


def _wrap(content: str, opening: str, closing: str | None = None) -> str:
    """``content`` between marks, its outer spaces outside them: "**a** b", not "**a **b"."""
    core = content.strip()
    if not core:
        return content
    lead = content[: len(content) - len(content.lstrip())]
    trail = content[len(content.rstrip()) :]
    return f"{lead}{opening}{core}{opening if closing is None else closing}{trail}"


def _tidy(parts: list[str]) -> str:
    return _SPACES.sub(" ", "".join(parts)).strip()
